import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createPrivateFile } from '../storage/database.js';

export interface BackupResult {
  path: string;
  pages: number;
}

/** `20250301T140509Z`: sorts by time, safe in any file system. */
const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * Copies a live database with SQLite's online backup API (better-sqlite3's `backup`) to a timestamped
 * file in `dir`, while the server keeps writing. All pages are copied in one step: a step reads one
 * consistent snapshot, and in WAL mode that read does not block the server's writes (a backup taken in
 * many small steps would restart every time the server commits, and might never finish on a busy till).
 * The copy is then switched out of WAL mode, so it is one self-contained file, and checked with
 * `PRAGMA integrity_check`; a copy that fails the check is an error, never a "successful" backup.
 * The copy is created 0600 (in a 0700 folder when we create it) before a page is written into it: it
 * holds everything the live database does.
 */
export async function backupDatabase(sourcePath: string, dir: string, now = new Date()): Promise<BackupResult> {
  const path = join(dir, `loyalty-bridge-${stamp(now)}.sqlite`);
  const source = new Database(sourcePath, { fileMustExist: true });
  let pages: number;
  try {
    try {
      createPrivateFile(path, { exclusive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new Error(`${path} already exists`, { cause: error });
      throw error;
    }
    source.pragma('busy_timeout = 5000');
    ({ totalPages: pages } = await source.backup(path, { progress: () => 0x7fffffff }));
  } finally {
    source.close();
  }
  const copy = new Database(path);
  try {
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`the backup ${path} fails integrity_check: ${String(integrity)}`);
  } finally {
    copy.close();
  }
  return { path, pages };
}
