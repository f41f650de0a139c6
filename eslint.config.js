// ESLint flat config. The import bans keep domain/ pure and workflows/ deterministic (see DEVELOPERS.md).
const { builtinModules } = require('node:module');
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const ioClients = [
  '@slack/*',
  'axios',
  'jira-client',
  'node-forge',
  'pg',
  'better-sqlite3',
  'kysely',
  'csv-parse',
  'csv-parse/*',
];

/** Imports no deterministic or pure module may make; `extra` adds folder-specific bans. */
function bannedImports(extra) {
  return {
    'no-restricted-imports': 'off',
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: nodeBuiltins.map((name) => ({
          name,
          message: 'No Node built-ins here: pass data in, do I/O in activities.',
        })),
        patterns: [
          { group: ioClients, message: 'No I/O clients here: they belong in an adapter behind a port.' },
          ...extra,
        ],
      },
    ],
  };
}

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', 'data/', '.cache/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.js'] }, tsconfigRootDir: __dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      // Activities and port methods are async by contract even when an implementation needs no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Vitest's asymmetric matchers (expect.stringMatching, expect.any) are typed `any` by design.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['src/core/workflows/**/*.ts'],
    rules: {
      ...bannedImports([
        {
          group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
          message: 'Workflows import only @temporalio/workflow and @temporalio/common.',
        },
        {
          // At any depth: workflows/lifecycle/*.ts reach them as ../../activities.
          group: ['**/activities', '**/activities/*'],
          allowTypeImports: true,
          message: 'Import activities by type only and call them through proxyActivities.',
        },
        {
          group: ['**/ports/*', '**/application/*', '**/adapters/*', '**/runtime/*', '**/cli/*'],
          allowTypeImports: true,
          message: 'Workflows only orchestrate: reach the outside world through activities.',
        },
      ]),
      'no-restricted-globals': ['error', 'process', 'Buffer', 'setImmediate', 'require'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use uuid4() or pass randomness in as input.' },
      ],
    },
  },
  {
    files: ['src/core/domain/**/*.ts'],
    rules: {
      ...bannedImports([
        { group: ['@temporalio/*'], message: 'domain/ is pure logic: no Temporal here.' },
        {
          group: [
            '**/activities',
            '**/activities/*',
            '**/workflows/*',
            '**/ports/*',
            '**/application/*',
            '**/adapters/*',
            '**/runtime/*',
            '**/cli/*',
          ],
          message: 'domain/ depends on nothing else in certflow.',
        },
      ]),
      'no-restricted-globals': ['error', 'process', 'Buffer', 'setTimeout', 'setInterval', 'fetch', 'require'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Take jitter as an argument.' },
        { object: 'Date', property: 'now', message: 'Take `now` as an argument.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: 'Take `now` as an argument.' },
      ],
    },
  },
  prettier,
);
