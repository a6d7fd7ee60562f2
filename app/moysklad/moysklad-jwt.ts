import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** МойСклад caps our tokens at 300 s; a short life limits what a leaked token is worth. */
const LIFETIME_SECONDS = 60;

/** A fresh one-time token per request to МойСклад: sub = appUid, unique jti. */
export async function signVendorToken(appUid: string, secretKey: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(appUid)
    .setIssuedAt(now)
    .setExpirationTime(now + LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(secretKey));
}
