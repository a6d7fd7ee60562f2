import { AsyncLocalStorage } from 'node:async_hooks';
import type { Writable } from 'node:stream';
import winston from 'winston';
import { redact } from './redact.js';

export type Logger = winston.Logger;

export interface RequestContext {
  requestId: string;
  accountId?: string;
  /** The sale (or returned sale) being handled: outbound calls and outbox attempts carry it to the transaction log. */
  saleKey?: string;
  documentName?: string;
  /** Epoch ms by which whoever waits (the till) needs our answer: outbound calls never run past it. */
  deadlineAt?: number;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return requestContext.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return requestContext.getStore();
}

/** Every line passes through redact(), so a secret reaching a log call still never reaches the log. */
const redactSecrets = winston.format((info) => {
  const context = requestContext.getStore();
  if (context) {
    info.requestId ??= context.requestId;
    if (context.accountId) info.accountId ??= context.accountId;
    if (context.saleKey) info.saleKey ??= context.saleKey;
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(info)) if (key !== 'level' && key !== 'timestamp') fields[key] = info[key];
  Object.assign(info, redact(fields));
  return info;
});

const serializeError = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (value instanceof Error) info[key] = { name: value.name, message: value.message, stack: value.stack };
  }
  return info;
});

export function createLogger(options: { level: string; stream?: Writable; silent?: boolean }): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    silent: options.silent,
    format: winston.format.combine(
      serializeError(),
      redactSecrets(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [transport],
  });
}
