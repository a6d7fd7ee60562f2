/**
 * autocannon's setupRequest, loaded by path inside its worker thread (autocannon require()s it and
 * calls module.exports, hence CommonJS). It only knows what the main thread put in the environment:
 * BENCH_CUSTOMERS, the number of seeded customers.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'autocannon';
import { msIdOf, recalcBody, saleBody } from './bodies.js';

const customers = Number(process.env.BENCH_CUSTOMERS);
if (!Number.isSafeInteger(customers) || customers < 1)
  throw new Error(`BENCH_CUSTOMERS must be set, got ${process.env.BENCH_CUSTOMERS}`);

const randomCustomer = () => msIdOf(Math.floor(Math.random() * customers));

function setupRequest(request: Request): Request {
  const body = request.path?.endsWith('/recalc')
    ? recalcBody(randomCustomer())
    : saleBody(randomCustomer(), randomUUID());
  return { ...request, body };
}

export = setupRequest;
