// Lint configuration: typescript-eslint's recommended rules everywhere; with type information
// (the project's tsconfig) the promise rules, since a promise nobody awaits or catches loses its
// error silently in a controller full of async work; and the layers of src/ as import rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node modules that reach outside the process: files, processes, network, the machine, timers. */
const NODE_IO = [
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'dns/promises',
  'tls',
  'os',
  'process',
  'readline',
  'worker_threads',
  'cluster',
  'timers',
  'timers/promises',
  'perf_hooks',
].flatMap((name) => [name, `node:${name}`]);

/**
 * The layers of src/, lowest first. A layer imports only from the layers before it: the workflow
 * language (spec, template) and the engine are pure (no I/O, no clock) and know nothing of how steps
 * run; kube is the Kubernetes client runtime shared by the controller, the CLI and observability.
 */
const LAYERS = ['template', 'spec', 'engine', 'kube', 'observability', 'executors', 'controller', 'cli'];
const PURE = new Set(['template', 'spec', 'engine']);

function layerRules(layer, index) {
  const above = LAYERS.slice(index + 1);
  const patterns = above.map((upper) => ({
    // Logging is everyone's: the layers above the pure ones may all import observability's logger.
    regex:
      upper === 'observability' && !PURE.has(layer)
        ? `^(\\.\\./)+observability/(?!logger\\.ts$)`
        : `^(\\.\\./)+${upper}/`,
    message: `src/${layer} sits below src/${upper} and must not import from it (see LAYERS in eslint.config.js).`,
  }));
  const paths = PURE.has(layer)
    ? NODE_IO.map((name) => ({
        name,
        message: `src/${layer} is pure: no I/O and no clock; take what it needs as an argument.`,
      }))
    : [];
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
  };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'src/**/generated/**',
      'coverage/**',
      '.conveyor/**',
      'helm/**',
      'crds/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      'no-console': 'off',
    },
  },
  ...LAYERS.map(layerRules),
  {
    // The controller core reads as small named steps (issue 12): a function past ~60 lines is split.
    files: ['src/controller/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
