/**
 * autocannon's setupRequest, loaded by path inside its worker thread (autocannon require()s it and
 * calls module.exports, hence CommonJS). It only knows what the main thread put in the environment:
 * BENCH_CUSTOMERS, the number of seeded customers. Everything costly is done here, once, before the
 * measured loop: a sample of customer ids (uniform over all of them) and the body templates.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'autocannon';
import { bodyTemplates, msIdOf } from './bodies.js';

const customers = Number(process.env.BENCH_CUSTOMERS);
if (!Number.isSafeInteger(customers) || customers < 1)
  throw new Error(`BENCH_CUSTOMERS must be set, got ${process.env.BENCH_CUSTOMERS}`);

/** Enough ids that the server's reads spread over the whole table, not a few hot pages. */
const SAMPLE = 65_536;
const sample =
  customers <= SAMPLE
    ? Array.from({ length: customers }, (_, i) => msIdOf(i))
    : Array.from({ length: SAMPLE }, () => msIdOf(Math.floor(Math.random() * customers)));
const templates = bodyTemplates();
const randomCustomer = () => sample[Math.floor(Math.random() * sample.length)]!;

function setupRequest(request: Request): Request {
  request.body = request.path?.endsWith('/recalc')
    ? templates.recalc(randomCustomer())
    : templates.sale(randomCustomer(), randomUUID());
  return request;
}

export = setupRequest;
