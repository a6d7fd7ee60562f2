import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PROJECT_ROOT } from '../../app/project-root.js';
import { waitFor } from './wait-for.js';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed so far, stdout and stderr. */
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  waitForOutput: (text: string) => Promise<void>;
}

/** `app/main.ts` as production runs it: a real process, so it can be killed and restarted. */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForOutput: (text) => waitFor(`"${text}" in the server output:\n${output}`, () => output.includes(text), 15_000),
  };
}
