/**
 * pm2: `pm2 start ecosystem.config.cjs`, then `pm2 reload loyalty-bridge` to deploy.
 *
 * ONE instance in fork mode, on purpose: SQLite has one writer at a time, and the app keeps in-process
 * state that must exist once (the 50 ms transaction-log batch, the hourly maintenance job). Cluster mode
 * would run several writers queueing on the same file lock and several maintenance jobs. One Node process
 * serves the till far above its needs (see `npm run bench`).
 *
 * In fork mode `pm2 reload` is a graceful restart: pm2 sends SIGINT, the app stops accepting, lets
 * in-flight requests finish (at most 10 s), writes the queued log rows, closes the database and exits;
 * then the new process starts, applies migrations, listens and tells pm2 it is ready.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// Settings: a `.env` next to this file (chmod 600; see .env.example), read by Node's --env-file, or the
// environment pm2 is started with, which wins over the file.
const envFile = join(__dirname, '.env');

module.exports = {
  apps: [
    {
      name: 'loyalty-bridge',
      script: 'app/main.ts',
      // pm2 would pick `bun` for .ts; run it on Node with tsx's loader instead.
      interpreter: 'node',
      interpreter_args: ['--import', 'tsx', ...(existsSync(envFile) ? [`--env-file=${envFile}`] : [])],
      exec_mode: 'fork',
      instances: 1,
      // The app sends 'ready' after migrations and listen(); pm2 waits up to listen_timeout for it.
      wait_ready: true,
      listen_timeout: 30_000,
      // Longer than the app's own 10 s drain, so pm2 never SIGKILLs a process that is finishing a sale.
      kill_timeout: 15_000,
      env: { NODE_ENV: 'production' },
      max_memory_restart: '512M',
      // Crash loops back off instead of hammering МойСклад and the disk.
      exp_backoff_restart_delay: 200,
      time: true,
    },
  ],
};
