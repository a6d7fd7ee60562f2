/**
 * One redaction rule for logs, the transaction log and admin pages: secrets by key name, JWT-looking
 * strings anywhere, and phone numbers reduced to their last four digits.
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

export function redactText(text: string): string {
  return text
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(PHONE_IN_TEXT, (m) => maskPhone(m));
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12) return '[…]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return '[binary]';
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (
        SECRET_KEY.test(key) &&
        (typeof inner === 'string' ? inner !== '' : typeof inner === 'object' && inner !== null)
      ) {
        out[key] = REDACTED; // numbers and booleans (error codes, flags) are not secrets
      } else if (PHONE_KEY.test(key) && (typeof inner === 'string' || typeof inner === 'number'))
        out[key] = maskPhone(String(inner));
      else out[key] = redact(inner, depth + 1);
    }
    return out;
  }
  return value;
}
