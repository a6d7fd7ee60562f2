// Lint keeps the written rules true (docs/architecture.md): no import cycles, layers that only
// point down, SQL only in repositories, Express only at the HTTP edges, and no loyalty system that
// borrows the built-in ledger.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Where SQL may be written: drizzle-orm is imported nowhere else. */
const SQL_HOMES = ['app/storage/**', 'app/txlog/**', 'app/**/*-repository.ts', 'app/**/*-queries.ts'];
/** Where Express may be imported: app wiring, app/http, routers and their handlers and guards. */
const HTTP_EDGES = [
  'app/app.ts',
  'app/http/**',
  'app/**/*-router.ts',
  'app/**/*-routes.ts',
  'app/**/*-handlers.ts',
  'app/**/*-guards.ts',
  'app/iframe/framing.ts',
  'app/admin/auth/access.ts',
  'app/admin/auth/session.ts',
  'app/admin/flash.ts',
  'app/admin/auth/login-throttle.ts',
];

const UPPER = [
  'admin',
  'cli',
  'ops',
  'iframe',
  'widget',
  'go-live',
  'what-if',
  'vendor-api',
  'loyalty-api',
  'catch-up',
];
const SYSTEMS = ['ledger', 'providers', 'outbox'];
/** МойСклад's goods and customer tags, cached: below the settings and admin pages, beside the loyalty systems. */
const CATALOG = 'catalog';
/** An import path that enters one of these app folders, from anywhere in app/. */
const folders = (...names) => `(^|/)(${names.join('|')})/`;

/**
 * Each folder's imports that would run back up a layer (type imports included: a type cycle is
 * still a cycle to a reader). The tenants envelope may name each system's settings module, and
 * nothing more of them.
 */
const LAYERS = {
  'app/{receipt,locale}': {
    regex: folders(...UPPER, ...SYSTEMS, CATALOG, 'loyalty', 'tenants', 'moysklad', 'txlog', 'http'),
  },
  'app/{config,crypto,logging,storage}': {
    regex: folders(...UPPER, ...SYSTEMS, CATALOG, 'loyalty', 'tenants', 'moysklad'),
  },
  'app/{txlog,http,moysklad}': { regex: folders(...UPPER, ...SYSTEMS, CATALOG, 'loyalty', 'tenants') },
  'app/loyalty': { regex: folders(...UPPER, ...SYSTEMS, CATALOG, 'tenants', 'moysklad') },
  'app/tenants': {
    regex: `${folders(...UPPER, 'outbox', 'moysklad', CATALOG)}|(^|/)providers/(?!\\w+/\\w+-settings\\.js$)|(^|/)ledger/(?!(rules|tier-rules)\\.js$)`,
  },
  'app/outbox': { regex: folders(...UPPER, 'ledger', 'providers', 'tenants', CATALOG) },
  'app/ledger': { regex: folders(...UPPER, 'providers', 'outbox', CATALOG) },
  'app/catalog': { regex: folders(...UPPER, ...SYSTEMS, 'loyalty') },
  'app/{providers,loyalty-api}': {
    regex: folders('admin', 'cli', 'ops', 'iframe', 'widget', 'go-live', 'vendor-api', 'ledger', CATALOG),
    message: 'app/ledger is the built-in loyalty system only; shared arithmetic lives in app/receipt.',
  },
};

const noDrizzle = { name: 'drizzle-orm', message: 'SQL lives in repositories, app/storage and app/txlog.' };
const noExpress = { name: 'express', message: 'Express stays at the HTTP edges: routers, handlers, app/http.' };

/**
 * no-restricted-imports keeps only the options of the last config that matches a file, so every
 * (folder, file kind) pair gets one entry with all of its restrictions.
 */
function importBoundaries() {
  const kinds = [
    { files: (dir) => [`${dir}/**/*.ts`], ignores: [...SQL_HOMES, ...HTTP_EDGES], paths: [noDrizzle, noExpress] },
    { files: () => HTTP_EDGES, ignores: SQL_HOMES, paths: [noDrizzle] },
    { files: () => SQL_HOMES, ignores: HTTP_EDGES, paths: [noExpress] },
  ];
  const scopes = [{ dir: 'app', layer: undefined }, ...Object.entries(LAYERS).map(([dir, layer]) => ({ dir, layer }))];
  return scopes.flatMap(({ dir, layer }) =>
    kinds.map((kind) => ({
      files: kind
        .files(dir)
        .map((glob) => (dir === 'app' || glob.startsWith(dir) ? glob : `${dir}/${glob.replace(/^app\//, '')}`)),
      ignores: kind.ignores,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: kind.paths,
            patterns: layer
              ? [{ regex: layer.regex, message: layer.message ?? 'This import runs back up a layer.' }]
              : [],
          },
        ],
      },
    })),
  );
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'public/**', 'test/sandbox/public/**', 'ecosystem.config.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      // A closure built before the value exists (a callback handed to its own constructor) reads it later.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...importBoundaries(),
  {
    // chai's property assertions (expect(x).to.be.empty) read as unused expressions.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  prettier,
);
