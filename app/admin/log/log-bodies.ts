import { redact, redactText } from '../../logging/redact.js';

/**
 * A stored request or response body, indented for reading. Bodies were redacted when written; they are
 * redacted again here, so a row written by an older version (or by hand) still shows no secret or phone.
 */
export function prettyBody(stored: string | null): string | null {
  if (stored === null || stored === '') return null;
  try {
    return JSON.stringify(redact(JSON.parse(stored)), null, 2);
  } catch {
    // Cut to fit its row by the writer (app/txlog/transaction-log.ts), or not JSON at all: shown as text, still redacted.
    return redactText(stored);
  }
}
