/**
 * `npm run backup [-- <dir>]`: an online backup of the configured database (DATABASE_PATH) into <dir>,
 * or BACKUP_DIR (default: backups/ next to the database). Safe while the server runs. Prints the file.
 */
import { loadConfig } from '../config/index.js';
import { backupDatabase } from '../ops/backup.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const dir = process.argv[2] ?? config.backupDir;
  const started = performance.now();
  const { path, pages } = await backupDatabase(config.databasePath, dir);
  console.log(
    `Резервная копия: ${path} (${pages} страниц, ${Math.round(performance.now() - started)} мс, integrity_check: ok)`,
  );
}

main().catch((error: unknown) => {
  console.error(`Резервная копия не создана: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
