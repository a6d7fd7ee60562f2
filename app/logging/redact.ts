/**
 * One redaction rule for logs, the transaction log and admin pages: secrets by key name, JWT-looking
 * strings anywhere, phone numbers reduced to their last four digits, and, when the caller knows them,
 * the call's own secret values (a key, a password, a one-time code) wherever they appear.
 */
const SECRET_KEY =
  /(token|secret|password|passwd|apikey|api_key|authorization|cookie|jwt|access_?token|private|credential|^key$|code$|contextKey)/i;
const PHONE_KEY = /phone/i;
const JWT = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;
// Russian phones: 10-11 digits, optionally with +, spaces, dashes or brackets between them.
const PHONE_IN_TEXT = /(?<![\w])(?:\+?[78][\s(-]*)?\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?![\w])/g;

export const REDACTED = '[скрыто]';

const ALREADY_MASKED = /^\*{3}\d{4}$/;

export function maskPhone(phone: string): string {
  // Masking is applied when rows are written and again when they are shown: it must be idempotent.
  if (ALREADY_MASKED.test(phone)) return phone;
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 5) return '***';
  return `***${digits.slice(-4)}`;
}

/**
 * A secret this short would blank ordinary words and numbers everywhere; a one-time code (6 digits)
 * is the shortest secret we hand out.
 */
const MIN_SECRET_LENGTH = 4;

/** The call's secret values as they may appear in text: as given, URL-encoded and JSON-escaped, longest first. */
export function secretForms(secrets: readonly (string | undefined | null)[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Blanks the given secret values wherever they appear in a string, and nothing else. For bodies of
 * failed calls before they become error details: a provider that echoes our key in its error text
 * must not carry it into the outbox or an admin page.
 */
export function blankSecrets<T>(value: T, secrets: readonly (string | undefined | null)[]): T {
  const forms = secretForms(secrets);
  return forms.length === 0 ? value : (blank(value, forms, 0) as T);
}

function blank(value: unknown, forms: string[], depth: number): unknown {
  if (depth > 12) return '[…]';
  if (typeof value === 'string') return blankText(value, forms);
  if (Array.isArray(value)) return value.map((item) => blank(item, forms, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, blank(inner, forms, depth + 1)]));
  }
  return value;
}

function blankText(text: string, forms: string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

export function redactText(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  return redactPatterns(secrets.length > 0 ? blankText(text, secretForms(secrets)) : text);
}

/**
 * JWTs, credentials and phones in a string. Every string of every logged body passes here, so each
 * pattern is tested before it replaces: most strings (ids, hrefs, names) match none and cost no copy.
 */
function redactPatterns(text: string): string {
  let out = text;
  if (out.includes('eyJ') && matches(JWT, out)) out = out.replace(JWT, REDACTED);
  if (matches(BEARER, out)) out = out.replace(BEARER, `$1 ${REDACTED}`);
  if (matches(PHONE_IN_TEXT, out)) out = out.replace(PHONE_IN_TEXT, (m) => maskPhone(m));
  return out;
}

/** test() on a global pattern starts at its lastIndex: reset it, and leave it reset for replace(). */
function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

/**
 * Redacts a body or log fields: secret-named keys, JWTs, bearer credentials and phones anywhere, and
 * `secrets`, the values the caller knows to be secret for this call, in any string at any depth.
 */
export function redact(value: unknown, secrets: readonly (string | undefined | null)[] = []): unknown {
  return redactDeep(value, secrets.length > 0 ? secretForms(secrets) : [], 0);
}

function redactDeep(value: unknown, forms: string[], depth: number): unknown {
  if (depth > 12) return '[…]';
  if (typeof value === 'string') return redactPatterns(blankText(value, forms));
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, forms, depth + 1));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return '[binary]';
    const out: Record<string, unknown> = {};
    // for…in over own keys: Object.entries would allocate a pair per key of every logged body.
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const inner = (value as Record<string, unknown>)[key];
      if (
        SECRET_KEY.test(key) &&
        (typeof inner === 'string' ? inner !== '' : typeof inner === 'object' && inner !== null)
      ) {
        out[key] = REDACTED; // numbers and booleans (error codes, flags) are not secrets
      } else if (PHONE_KEY.test(key) && (typeof inner === 'string' || typeof inner === 'number'))
        out[key] = maskPhone(String(inner));
      else out[key] = redactDeep(inner, forms, depth + 1);
    }
    return out;
  }
  return value;
}
