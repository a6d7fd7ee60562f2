/**
 * `tsx test/bench/customer-import.ts`: reading, dry-running and importing a customer file of
 * BENCH_IMPORT_ROWS rows (default 100,000) into an empty ledger, then the same file again (a no-op), and the
 * longest the event loop waited in each step (what a till's call would wait at most). A measurement,
 * not a test.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readCustomerFile } from '../../app/ledger/customer-file.js';
import { CustomerImport } from '../../app/ledger/customer-import.js';
import { guessPreset } from '../../app/ledger/import-presets.js';
import { TransactionLog } from '../../app/txlog/transaction-log.js';
import { generatedCustomerFile, windows1251 } from '../helpers/customer-files.js';
import { openLedgerFixture } from '../integration/ledger/ledger-fixture.js';
import { table } from './table.js';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);

async function main() {
  const f = openLedgerFixture();
  const txlog = new TransactionLog(f.storage.db);
  try {
    const tenant = f.tenant({ pointsLifetimeDays: 365 });
    const bytes = windows1251(generatedCustomerFile(ROWS));
    const timed = async <T>(run: () => T | Promise<T>) => {
      const start = performance.now();
      const value = await run();
      return { value, ms: performance.now() - start };
    };
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const waits: number[] = [];
    /** The longest event-loop wait since the last call, ms. */
    const longestWait = () => {
      waits.push(delay.max / 1e6);
      delay.reset();
    };
    delay.enable();
    const read = await timed(() => readCustomerFile(bytes));
    longestWait();
    const file = read.value;
    const request = { tenant, file, mapping: guessPreset(file.header).mapping, by: 'bench' };
    const importer = new CustomerImport(f.storage.db, txlog);
    const dry = await timed(() => importer.dryRun(request));
    const imported = async () => {
      const id = await importer.start(request);
      await importer.settled();
      return importer.progress(tenant.accountId, id)!;
    };
    longestWait();
    const run = await timed(imported);
    longestWait();
    delay.disable();
    const again = await timed(imported);
    txlog.flush();
    if (run.value.created !== ROWS || again.value.unchanged !== ROWS || dry.value.created !== ROWS) {
      throw new Error(
        `bench broken: ${JSON.stringify({ dry: dry.value.created, run: run.value, again: again.value })}`,
      );
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`Customer import, ${ROWS} rows (${(bytes.length / 1024 / 1024).toFixed(1)} MB, Windows-1251)`);
    table(
      ['step', 'time'],
      [
        ['read (decode + csv-parse)', s(read.ms)],
        ['dry run', s(dry.ms)],
        ['import, empty ledger', s(run.ms)],
        ['same file again', s(again.ms)],
        ['longest event-loop wait: read', `${waits[0]!.toFixed(0)} ms`],
        ['longest event-loop wait: dry run', `${waits[1]!.toFixed(0)} ms`],
        ['longest event-loop wait: import', `${waits[2]!.toFixed(0)} ms`],
      ],
    );
  } finally {
    f.close();
  }
}

await main();
