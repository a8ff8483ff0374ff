import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // GitHub's parser imports its JSON schemas without import attributes, which Node 20 refuses;
    // letting Vite transform it makes those imports work on every Node version.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
