/**
 * The expiry job in a process of its own, as a second server runs it during a reload: opens the database
 * file given, says "ready", and on a line on stdin writes off due lots one per transaction until none is
 * left; prints how many it wrote off. Usage: node --import tsx expiry-job-process.ts <db path> <now ISO>
 */
import { PointExpiry } from '../../app/ledger/point-expiry.js';
import { openStorage } from '../../app/storage/database.js';

const [path, nowIso] = process.argv.slice(2);
const storage = openStorage(path!, { migrate: false });
const job = new PointExpiry(storage.db, { now: () => new Date(nowIso!) });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  let lots = 0;
  for (;;) {
    const batch = job.expireBatch(1);
    if (batch.lots === 0) break;
    lots += batch.lots;
    // A short pause between transactions, as the maintenance job yields to requests: the two processes overlap.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  process.stdout.write(`${JSON.stringify({ lots })}\n`);
  storage.close();
  process.exit(0);
});
