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
    // CPU time beside wall time: on a shared machine the wall clock also counts other processes' turns.
    const timed = async <T>(run: () => T | Promise<T>) => {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const value = await run();
      const used = process.cpuUsage(cpu);
      return { value, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
    };
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const waits: string[] = [];
    /** The event loop's waits since the last call: 99th percentile and longest, ms. */
    const longestWait = () => {
      waits.push(`${(delay.percentile(99) / 1e6).toFixed(0)} / ${(delay.max / 1e6).toFixed(0)} ms`);
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
      ['step', 'wall', 'CPU'],
      [
        ['read (decode + csv-parse)', s(read.ms), s(read.cpuMs)],
        ['dry run', s(dry.ms), s(dry.cpuMs)],
        ['import, empty ledger', s(run.ms), s(run.cpuMs)],
        ['same file again', s(again.ms), s(again.cpuMs)],
        ['event-loop wait p99 / max: read', waits[0]!, ''],
        ['event-loop wait p99 / max: dry run', waits[1]!, ''],
        ['event-loop wait p99 / max: import', waits[2]!, ''],
      ],
    );
  } finally {
    f.close();
  }
}

await main();
