import { errors as joseErrors, jwtVerify } from 'jose';
import { AuthenticationError } from '../errors.js';
import type { Db } from '../storage/database.js';
import { jwtReplayRepository } from './jwt-replay-repository.js';

const CLOCK_LEEWAY_SECONDS = 60;

/**
 * Verifies МойСклад's Bearer JWT: HS256 only, `exp` required (60 s leeway), and each `jti` accepted
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
