/**
 * pm2, production: `npm ci && npm run build`, then `pm2 start ecosystem.config.cjs`; deploy with
 * `npm run build && pm2 reload loyalty-bridge`. It runs the compiled JavaScript in dist/ (no tsx).
 *
 * Cluster mode with ONE instance, for reloads without a gap: pm2 holds the port, starts the new process
 * next to the old one, sends it traffic once it says 'ready' (after migrations and listen), and only then
 * tells the old one to stop (SIGINT); the old one stops accepting, finishes its requests and its outbox
 * delivery under way, writes its queued log rows and exits. Connections never meet a closed port.
 * One instance, because SQLite has one writer at a time and one process serves the till far above its
 * needs (see `npm run bench`); the two processes of a reload share the file safely for those seconds
 * (atomic claims, IMMEDIATE transactions; `npm run reload-check` proves it under load).
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
      cwd: __dirname,
      script: 'dist/app/main.js',
      node_args: existsSync(envFile) ? [`--env-file=${envFile}`] : [],
      exec_mode: 'cluster',
      instances: 1,
      // The app sends 'ready' after migrations and listen(); pm2 waits up to listen_timeout for it.
      wait_ready: true,
      listen_timeout: 30_000,
      // Longer than the app's 10 s HTTP drain and one outbox delivery call (PROVIDER_DELIVERY_TIMEOUT_MS,
      // 20 s), which run side by side, so pm2 never kills a process finishing a sale or a delivery.
      kill_timeout: 40_000,
      env: { NODE_ENV: 'production' },
      max_memory_restart: '512M',
      // Crash loops (a busy port, a broken setting) back off instead of hammering МойСклад and the disk.
      exp_backoff_restart_delay: 200,
      time: true,
    },
  ],
};
