import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Three files at once: the e2e files mostly wait (canary intervals, scrapes), so a third keeps CI well under 30 minutes on 2 cores.
    maxWorkers: 3,
    // GitHub's parser imports its JSON schemas without import attributes, which Node 20 refuses;
    // letting Vite transform it makes those imports work on every Node version.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
