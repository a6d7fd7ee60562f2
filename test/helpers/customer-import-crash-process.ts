/**
 * A serving process that dies midway through a customer import, as a crash or a `kill -9` does: opens
 * the database file given, starts importing a generated file of <rows> rows for the tenant, and kills
 * itself with SIGKILL once <chunks> chunks have committed, leaving the run claimed by a process that is
 * gone. Usage: node --import tsx customer-import-crash-process.ts <db path> <now ISO> <tenant> <rows> <chunks>
 */
import { readCustomerFile } from '../../app/ledger/customer-file.js';
import { CustomerImport } from '../../app/ledger/customer-import.js';
import { guessPreset } from '../../app/ledger/import-presets.js';
import { openStorage } from '../../app/storage/database.js';
import { tenantRepository } from '../../app/tenants/tenant-repository.js';
import { TransactionLog } from '../../app/txlog/transaction-log.js';
import { generatedCustomerFile } from './customer-files.js';

const [path, nowIso, tenantId, rows, chunks] = process.argv.slice(2);
const storage = openStorage(path!, { migrate: false });
let committed = 0;
const importer = new CustomerImport(storage.db, new TransactionLog(storage.db), undefined, {
  now: () => new Date(nowIso!),
  // Called before each chunk: the ones before it have committed.
  pause: async () => {
    if (committed++ === Number(chunks)) process.kill(process.pid, 'SIGKILL');
  },
});
const file = await readCustomerFile(Buffer.from(generatedCustomerFile(Number(rows))));
const tenant = tenantRepository.find(storage.db, tenantId!)!;
await importer.start({
  tenant,
  file,
  mapping: guessPreset(file.header).mapping,
  by: 'admin@support',
  fileName: 'clients.csv',
});
await importer.settled();
// Not reached: the process is killed midway.
process.stdout.write('finished\n');
