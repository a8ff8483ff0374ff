// Every test file starts with the runner's files pointing at a fresh temp dir, as
// docker/build-push-action's setup does, so nothing leaks into the real environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { removeRunDirs } from '../harness/run-action.js';

const dir = mkdtempSync(join(tmpdir(), 'dk-test-'));
process.env.RUNNER_TEMP = join(dir, 'temp');
process.env.RUNNER_TOOL_CACHE = join(dir, 'tool-cache');
process.env.GITHUB_WORKSPACE ??= process.cwd();
delete process.env.GITHUB_OUTPUT;
delete process.env.GITHUB_STATE;
delete process.env.GITHUB_STEP_SUMMARY;

afterAll(() => {
  removeRunDirs();
  rmSync(dir, { recursive: true, force: true });
});
