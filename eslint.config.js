// Lint rules plus the import boundaries of ARCHITECTURE.md section 2: pure cores import nothing
// that does IO and never read a clock, draw randomness or set timers; the client runs unchanged in
// edge runtimes; nothing imports from test/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*', 'fs', 'net', 'http', 'https', 'child_process', 'os', 'path', 'crypto', 'stream',
  'rocksdb', 'kafkajs', 'bullmq', 'ioredis', 'node-zookeeper-client', '@aws-sdk/*',
];
const ioImports = {
  patterns: [
    { group: ioModules, message: 'pure cores do no IO: take it through an interface instead' },
    { group: ['**/test/**'], message: 'nothing imports from test/' },
  ],
};
const clockAndRandom = [
  { object: 'Date', property: 'now', message: 'take time from a Clock (common/clock.ts)' },
  { object: 'Math', property: 'random', message: 'take randomness from a Random (common/random.ts)' },
  { object: 'performance', property: 'now', message: 'take time from a Clock (common/clock.ts)' },
];
const timerGlobals = ['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({
  name,
  message: 'pure cores count ticks; timers belong to shells',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'run/**', 'onebox/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**'], message: 'nothing imports from test/' }] }],
    },
  },
  {
    // Time and randomness come in through interfaces everywhere except the clock/random module,
    // composition roots, scripts, tests and benchmarks.
    files: ['**/*.ts'],
    ignores: ['common/clock.ts', 'common/random.ts', 'cluster/server/**', 'infra/**', 'bin/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-properties': ['error', ...clockAndRandom] },
  },
  {
    files: [
      'common/**/*.ts', 'cluster/replication/**/*.ts', 'cluster/meta/core/**/*.ts',
      'duplication/core/**/*.ts', 'backup/core/**/*.ts', 'client/core/**/*.ts',
    ],
    ignores: ['common/clock.ts', 'common/random.ts'],
    rules: {
      'no-restricted-imports': ['error', ioImports],
      'no-restricted-globals': ['error', ...timerGlobals, { name: 'Buffer', message: 'use Uint8Array' }, { name: 'process', message: 'pure cores read no environment' }],
    },
  },
  {
    // The client must run unchanged in edge runtimes: Web standards only, except its Node transport.
    // The example Worker too.
    files: ['client/**/*.ts', 'docs/examples/edge-worker/**/*.ts'],
    ignores: ['client/node/**'],
    rules: {
      'no-restricted-imports': ['error', ioImports],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'edge runtimes have no Buffer' }, { name: 'process', message: 'edge runtimes have no process' }],
    },
  },
  {
    // The RPC codec is reused by the edge client: Web standards only, except its Node shell.
    files: ['cluster/rpc/**/*.ts'],
    ignores: ['cluster/rpc/node/**'],
    rules: {
      'no-restricted-imports': ['error', ioImports],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'edge runtimes have no Buffer' }, { name: 'process', message: 'edge runtimes have no process' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'infra/**/*.ts', 'bin/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
