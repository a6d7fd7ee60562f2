import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The server of till-path-ab.ts (AB_SERVER=1): seeds customers, prints {url, token}, runs until stdin closes. */
const SERVER_SCRIPT = new URL('./till-path-ab.ts', import.meta.url).pathname;

/** The till's two hot calls the A/B scripts load, by name. */
export const TILL_CALLS = [
  ['recalc', '/loyalty-api/retaildemand/recalc'],
  ['sale', '/loyalty-api/retaildemand'],
] as const;

export interface AbServer {
  url: string;
  token: string;
  /** The child's pid, for its CPU time in /proc. */
  pid: number;
}

/**
 * Starts the app of `root` in a child process (`nodeArgs` before the script, e.g. `--import tsx` or a V8
 * flag), hands it to `use`, and stops it afterwards whatever `use` did.
 */
export async function withAbServer<T>(
  nodeArgs: string[],
  root: string,
  env: Record<string, string>,
  use: (server: AbServer) => Promise<T>,
): Promise<T> {
  const child = spawn(process.execPath, [...nodeArgs, SERVER_SCRIPT, root], {
    env: { ...process.env, ...env, AB_SERVER: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((done) => child.on('exit', done));
  try {
    const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
    if (first.done) throw new Error(`the server in ${root} did not start`);
    const { url, token } = JSON.parse(first.value as string) as { url: string; token: string };
    return await use({ url, token, pid: child.pid! });
  } finally {
    child.stdin!.end();
    await exited;
  }
}

export const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
