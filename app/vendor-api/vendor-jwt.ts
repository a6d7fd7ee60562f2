import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AuthenticationError } from '../errors.js';
import type { Db } from '../storage/database.js';
import { jwtReplayRepository } from './jwt-replay-repository.js';

const CLOCK_LEEWAY_SECONDS = 60;
/**
 * МойСклад signs a fresh token for every call. One valid for longer would stay usable if it leaked, and
 * its `jti` would sit in the replay table until then.
 */
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;
/** МойСклад's ids are UUIDs; the replay table is not a store for whatever a caller sends. */
const MAX_JTI_LENGTH = 128;

/**
 * Verifies МойСклад's Bearer JWT: HS256 only, `exp` required (60 s leeway) and at most a day away, an
 * `iat` (when sent) not in the future beyond the leeway, and a `jti` of 1–128 characters accepted
 * once. Seen ids live in SQLite until they expire, so a replay is refused across restarts too.
 */
export class VendorJwtVerifier {
  private readonly key: Uint8Array;
  private lastPurge = 0;

  constructor(
    secretKey: string,
    private readonly db: Db,
  ) {
    this.key = new TextEncoder().encode(secretKey);
  }

  async verify(authorization: string | undefined): Promise<void> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new AuthenticationError('Нет токена МоегоСклада.');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (error) {
      const reason = error instanceof joseErrors.JOSEError ? error.code : 'invalid';
      throw new AuthenticationError('Токен МоегоСклада не принят.', { details: { reason } });
    }
    const reason = claimProblem(payload, Math.floor(Date.now() / 1000));
    if (reason) throw new AuthenticationError('Токен МоегоСклада не принят.', { details: { reason } });
    this.rememberOnce(String(payload.jti), Number(payload.exp) + CLOCK_LEEWAY_SECONDS);
  }

  private rememberOnce(jti: string, expiresAt: number): void {
    const now = Math.floor(Date.now() / 1000);
    if (now - this.lastPurge > 60) {
      jwtReplayRepository.forgetExpired(this.db, now);
      this.lastPurge = now;
    }
    if (!jwtReplayRepository.remember(this.db, jti, expiresAt)) {
      throw new AuthenticationError('Токен МоегоСклада уже использован.', { details: { reason: 'replayed jti' } });
    }
  }
}

/** What jose does not check: an `iat` from the future, an `exp` too far away, a `jti` that is not a short string. */
function claimProblem(payload: JWTPayload, now: number): string | undefined {
  const { jti, iat, exp } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) return 'jti is not a short string';
  if (typeof iat === 'number' && iat > now + CLOCK_LEEWAY_SECONDS) return 'iat is in the future';
  if (typeof exp !== 'number' || exp > now + MAX_LIFETIME_SECONDS + CLOCK_LEEWAY_SECONDS) return 'exp is too far away';
  return undefined;
}
