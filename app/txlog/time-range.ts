import { asc, desc, gt, lt, sql, type SQL } from 'drizzle-orm';
import { transactionLog } from '../../db/schema/index.js';
import type { DbOrTx } from '../storage/database.js';

/**
 * Rows reach the table up to 50 ms after their `at` (the writer batches) and a clock may step a little.
 * A row recorded this much earlier than another is always stored before it, with a smaller id.
 */
const SLACK_MS = 60_000;

/**
 * The WHERE for rows recorded in [fromMs, toMs): bounds on id found with one seek each on txlog_at_idx,
 * so any (column, id) index walks just that range in id order, plus the exact test on `at`. The unary +
 * keeps txlog_at_idx out of the plan: walking it would need a sort by id afterwards.
 */
export function recordedBetween(db: DbOrTx, fromMs?: number, toMs?: number): SQL[] {
  const t = transactionLog;
  const where: SQL[] = [];
  if (fromMs !== undefined) {
    const lastBefore = db
      .select({ id: t.id })
      .from(t)
      .where(lt(t.at, fromMs - SLACK_MS))
      .orderBy(desc(t.at))
      .limit(1)
      .get();
    if (lastBefore) where.push(gt(t.id, lastBefore.id));
    where.push(sql`+${t.at} >= ${fromMs}`);
  }
  if (toMs !== undefined) {
    const firstAfter = db
      .select({ id: t.id })
      .from(t)
      .where(sql`${t.at} >= ${toMs + SLACK_MS}`)
      .orderBy(asc(t.at))
      .limit(1)
      .get();
    if (firstAfter) where.push(lt(t.id, firstAfter.id));
    where.push(sql`+${t.at} < ${toMs}`);
  }
  return where;
}
