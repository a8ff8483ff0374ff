import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// `npm run demo` only: the story file, no time limit while --keep waits.
export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...base.test, include: ['test/demo/*.demo.ts'], testTimeout: 0, maxWorkers: 1 },
});
