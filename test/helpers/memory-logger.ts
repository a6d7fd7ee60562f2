import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../app/logging/logger.js';

/** Collects every log line in memory, so tests can assert what never reaches a log. */
export function memoryLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', stream }), text: () => lines.join('') };
}
