// ESLint: the layer boundaries of decision 0004 and a few TypeScript rules that catch real mistakes.
// Formatting is Prettier's job (npm run format), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import deployKit from './scripts/eslint-boundaries.mjs';

/** The domains: each may import the layers below it, and another domain only where DOMAIN_IMPORTS says. */
export const DOMAINS = [
  'src/targets',
  'src/traffic',
  'src/metrics',
  'src/checks',
  'src/db',
  'src/registry',
  'src/record',
  'src/notify',
  'src/github',
  'src/gates',
  'src/kubernetes',
];

/** The layers, top to bottom: a layer imports only those below it. `sideways` says what a layer may import from itself. */
export const LAYERS = [
  { name: 'entry', members: ['actions/*', 'src/cli'], sideways: 'none' },
  // The composition root the entries share: builds targets and routers from settings, finishes a run (decision 0060).
  { name: 'composition root', members: ['actions/shared'], sideways: 'none' },
  { name: 'use case', members: ['src/release'], sideways: 'none' },
  { name: 'domain', members: DOMAINS, sideways: 'listed' },
  { name: 'ground', members: ['src/runtime', 'src/http', 'src/exec'], sideways: 'any' },
  { name: 'neutral helper', members: ['src/util'], sideways: 'none' },
];

/** Domain → domain imports allowed, each with its reason (decision 0004); a meta test fails when one is no longer used. */
export const DOMAIN_IMPORTS = [
  ['src/gates', 'src/checks', "a gate's HTTP checks are smoke-test checks, parsed and run by the smoke-test engine as is"],
  ['src/gates', 'src/github', 'github: conditions judge the commit state read by the GitHub domain'],
  ['src/gates', 'src/metrics', 'prometheus: conditions use the metrics client and its threshold comparison'],
  ['src/github', 'src/record', 'a GitHub Deployment carries the deployment record entry in its payload'],
  ['src/targets', 'src/kubernetes', 'the Kubernetes target drives the cluster through the kubectl client'],
  ['src/traffic', 'src/kubernetes', 'the Kubernetes routers (pod-ratio, SMI, ingress-nginx, Gateway API) write their objects through the kubectl client'],
  ['src/targets', 'src/record', 'the Kubernetes target keeps the deployment record in annotations and a ConfigMap (the same entries as the Compose history)'],
  ['src/targets', 'src/registry', 'the Compose target asks the Docker CLI module (src/registry/docker.ts) for containers, states and image digests'],
];

/** @actions/* packages allowed outside src/runtime: build- and test-time tools that never ship in a bundle. */
const ACTIONS_PACKAGES_OUTSIDE_RUNTIME = { 'test/': ['@actions/workflow-parser', '@actions/expressions'] };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.services/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    plugins: { 'deploy-kit': deployKit },
    rules: {
      'deploy-kit/boundaries': [
        'error',
        {
          root: import.meta.dirname,
          layers: LAYERS,
          domainImports: DOMAIN_IMPORTS.map(([from, to]) => [from, to]),
          actionsPackages: ACTIONS_PACKAGES_OUTSIDE_RUNTIME,
        },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // A fallback value that every path overwrites before reading (`let last = 'no container yet'`) is harmless.
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `typeof import('pg')` names a lazily loaded module's type without loading it.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // Shipped code: a promise nobody awaits is a cleanup or a cancellation that silently never happens.
    files: ['src/**/*.ts', 'actions/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
