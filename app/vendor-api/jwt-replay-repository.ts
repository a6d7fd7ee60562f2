import { lt } from 'drizzle-orm';
import { jwtReplay } from '../../db/schema/index.js';
import type { Db } from '../storage/database.js';

/** The `jti`s of МойСклад's JWTs we have accepted, kept until they expire. */
export const jwtReplayRepository = {
  /** False when this jti was seen before. */
  remember(db: Db, jti: string, expiresAtSeconds: number): boolean {
    return db.insert(jwtReplay).values({ jti, expiresAt: expiresAtSeconds }).onConflictDoNothing().run().changes > 0;
  },

  forgetExpired(db: Db, nowSeconds: number): void {
    db.delete(jwtReplay).where(lt(jwtReplay.expiresAt, nowSeconds)).run();
  },
};
