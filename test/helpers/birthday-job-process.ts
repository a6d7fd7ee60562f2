/**
 * The birthday job in a process of its own, as a second server runs it during a reload: opens the database
 * file given, says "ready", and on a line on stdin grants one customer per transaction until none is left;
 * prints how many it granted. Usage: node --import tsx birthday-job-process.ts <db path> <now ISO>
 */
import { BirthdayJob } from '../../app/ledger/birthdays.js';
import { openStorage } from '../../app/storage/database.js';
import { memoryLogger } from './memory-logger.js';

const [path, nowIso] = process.argv.slice(2);
const storage = openStorage(path!, { migrate: false });
const job = new BirthdayJob({
  db: storage.db,
  logger: memoryLogger().logger,
  now: () => new Date(nowIso!),
  batch: 1,
  // A short pause between transactions, as the maintenance job yields to requests: the two processes overlap.
  pause: () => new Promise((resolve) => setTimeout(resolve, 2)),
});
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const { granted } = await job.runOnce();
  process.stdout.write(`${JSON.stringify({ granted })}\n`);
  storage.close();
  process.exit(0);
});
