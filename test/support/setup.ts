// Every test file starts with the runner's files pointing at a fresh temp dir, as
// docker/build-push-action's setup does, so nothing leaks into the real environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { removeRunDirs } from '../harness/run-action.js';
import { writeSecretScan } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'dk-test-'));
process.env.RUNNER_TEMP = join(dir, 'temp');
process.env.RUNNER_TOOL_CACHE = join(dir, 'tool-cache');
process.env.GITHUB_WORKSPACE ??= process.cwd();
delete process.env.GITHUB_OUTPUT;
delete process.env.GITHUB_STATE;
delete process.env.GITHUB_STEP_SUMMARY;

afterAll(() => {
  // The secret scan of every bundle this file ran: written for scripts/reliability.mjs, and 0 found or the file fails.
  const testFile = expect.getState().testPath;
  const scan = testFile ? writeSecretScan(testFile) : undefined;
  removeRunDirs();
  rmSync(dir, { recursive: true, force: true });
  if (scan && scan.found > 0) {
    throw new Error(`secret scan: ${scan.found} secret(s) found in what the runs showed: ${JSON.stringify(scan.findings)}`);
  }
});
