/**
 * The customer import's resume job in a process of its own, as a second server runs it during a reload
 * (test/helpers/job-in-two-processes.ts): opens the database file given, says "ready", and on a line on
 * stdin takes over the stopped imports it can and runs them to the end; prints how many it took over.
 * Usage: node --import tsx customer-import-resume-process.ts <db path> <now ISO>
 */
import { CustomerImport } from '../../app/ledger/customer-import.js';
import { openStorage } from '../../app/storage/database.js';
import { TransactionLog } from '../../app/txlog/transaction-log.js';

const [path, nowIso] = process.argv.slice(2);
const storage = openStorage(path!, { migrate: false });
const txlog = new TransactionLog(storage.db);
const importer = new CustomerImport(storage.db, txlog, undefined, {
  now: () => new Date(nowIso!),
  // A short pause between chunks, as the page's requests take turns with them: the two processes overlap.
  pause: () => new Promise((resolve) => setTimeout(resolve, 20)),
});
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const resumed = await importer.resumeStopped();
  await importer.settled();
  txlog.flush();
  process.stdout.write(`${JSON.stringify({ resumed })}\n`);
  storage.close();
  process.exit(0);
});
