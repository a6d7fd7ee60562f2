/**
 * `npm run admin:create -- <login> [--role support]`: adds a user to the admin UI (role admin by default).
 * The password is asked twice on a terminal, without echo, or read from the first line of stdin:
 *   printf '%s\n' "$PASSWORD" | npm run admin:create -- anna
 */
import { ConfigError, loadConfig } from '../config/index.js';
import { AppError } from '../errors.js';
import { createAdminUser } from '../admin/auth/admin-users.js';
import { openStorage } from '../storage/database.js';
import type { AdminRole } from '../../db/schema/index.js';

function parseArgs(argv: string[]): { login?: string; role: string } {
  let role = 'admin';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--role') role = argv[++i] ?? '';
    else if (arg.startsWith('--role=')) role = arg.slice('--role='.length);
    else rest.push(arg);
  }
  return { login: rest[0], role };
}

/** Reads one line from a terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stdout.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stdout.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new Error('прервано'));
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function readFirstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readFirstLine();
  const password = await askHidden('Пароль (не короче 10 символов): ');
  if ((await askHidden('Ещё раз: ')) !== password) throw new UsageError('Пароли не совпадают.');
  return password;
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const { login, role } = parseArgs(process.argv.slice(2));
  if (!login) throw new UsageError('Укажите логин: npm run admin:create -- <login> [--role support]');
  const config = loadConfig();
  const storage = openStorage(config.databasePath);
  try {
    const user = await createAdminUser(storage.db, { login, password: await readPassword(), role: role as AdminRole });
    console.log(`Пользователь ${user.login} (${user.role === 'admin' ? 'администратор' : 'поддержка'}) создан.`);
  } finally {
    storage.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof AppError || error instanceof UsageError || error instanceof ConfigError;
  console.error(known ? (error as Error).message : error);
  process.exit(1);
});
