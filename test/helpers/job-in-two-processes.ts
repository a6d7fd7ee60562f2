import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../app/project-root.js';
import { waitFor } from './wait-for.js';

/**
 * Runs a job script (test/helpers/*-job-process.ts) in two processes on one database file, as during a
 * pm2 reload: both are started, wait until each says 'ready', are told 'go' together, and each prints one
 * JSON line of what it did. Returns those lines, parsed, in process order.
 */
export async function runJobInTwoProcesses(
  script: string,
  databasePath: string,
  now: Date,
): Promise<Array<Record<string, number>>> {
  const processes = [0, 1].map(() => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, databasePath, now.toISOString()], {
      cwd: PROJECT_ROOT,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    return { child, output: () => output, exited };
  });
  for (const p of processes) await waitFor('the job process to start', () => p.output().includes('ready'), 30_000);
  for (const p of processes) p.child.stdin.write('go\n');
  await Promise.all(processes.map((p) => p.exited));
  return processes.map((p) =>
    JSON.parse(
      p
        .output()
        .split('\n')
        .find((line) => line.startsWith('{'))!,
    ),
  );
}
