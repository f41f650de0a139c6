// ESLint flat config. The import bans keep domain/ pure, workflows/ deterministic and every dependency pointing
// inward: cli -> runtime -> adapters -> core (application, activities, workflows -> ports -> domain); see
// docs/architecture.md.
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

/** One folder per outside system under src/adapters; `shared` and `database` are the two every adapter may use. */
const adapterFolders = [
  'ca',
  'certificate-files',
  'console',
  'database',
  'deploy',
  'jira',
  'keys',
  'shared',
  'slack',
  'web',
];
const sharedAdapterFolders = ['shared', 'database'];

/** `no-restricted-imports` with only certflow's own layer bans (folders that may use Node and I/O clients). */
function layerBans(patterns) {
  return {
    'no-restricted-imports': 'off',
    '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
  };
}

const outerLayers = {
  group: ['**/adapters/*', '**/runtime/*', '**/cli/*'],
  message: 'The core depends on nothing outside it: define a port in src/core/ports and implement it in an adapter.',
};

/** What an adapter may not import: other layers' insides and, but for shared and database, other adapters. */
function adapterBans(folder) {
  const others = adapterFolders.filter((other) => other !== folder && !sharedAdapterFolders.includes(other));
  return [
    {
      group: ['**/runtime/*', '**/cli/*'],
      message: 'Adapters are wired by src/runtime, never the other way round.',
    },
    {
      group: ['**/workflows/*', '**/activities', '**/activities/*'],
      message: 'Adapters reach workflows through the application layer (src/core/application) or a port.',
    },
    ...(folder === 'shared' || folder === 'database'
      ? [
          {
            group: others.map((other) => `**/${other}/*`),
            message: `adapters/${folder} serves every adapter and depends on none.`,
          },
        ]
      : others.length > 0
        ? [
            {
              group: others.map((other) => `**/${other}/*`),
              message: `One folder per outside system: adapters/${folder} may use only adapters/shared and adapters/database; move what both need to one of them or to the core.`,
            },
          ]
        : []),
  ];
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
  {
    files: ['src/core/ports/**/*.ts'],
    rules: {
      ...bannedImports([
        { group: ['@temporalio/*'], message: 'Ports are interfaces: no Temporal here.' },
        {
          group: ['**/workflows/*', '**/activities', '**/activities/*', '**/application/*', ...outerLayers.group],
          message: 'Ports depend only on domain/: they are what the core asks of the world.',
        },
      ]),
    },
  },
  {
    files: ['src/core/activities/**/*.ts'],
    rules: layerBans([
      { group: ioClients, message: 'Activities do I/O through ports (src/core/ports), implemented in src/adapters.' },
      {
        group: ['**/workflows/*', '**/application/*'],
        allowTypeImports: true,
        message: 'Activities serve workflows and never call back up: take what they need as a port.',
      },
      outerLayers,
    ]),
  },
  {
    files: ['src/core/application/**/*.ts'],
    rules: layerBans([
      { group: ioClients, message: 'Use cases do I/O through ports (src/core/ports), implemented in src/adapters.' },
      {
        group: ['@temporalio/worker', '@temporalio/activity'],
        message: 'Use cases start and tell workflows with @temporalio/client.',
      },
      { group: ['**/activities', '**/activities/*'], message: 'Use cases reach activities only through workflows.' },
      outerLayers,
    ]),
  },
  ...adapterFolders.map((folder) => ({
    files: [`src/adapters/${folder}/**/*.ts`],
    rules: layerBans(adapterBans(folder)),
  })),
  {
    files: ['src/runtime/**/*.ts'],
    rules: layerBans([{ group: ['**/cli/*'], message: 'The CLI starts the runtime, never the other way round.' }]),
  },
  prettier,
);
