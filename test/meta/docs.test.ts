// README tables are generated from action.yml; every action is documented in the root README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/exec/run.js';
import { actionFolders, repoRoot } from '../support/repo.js';

describe('docs', () => {
  it('input and output tables match every action.yml (node scripts/gen-docs.mjs --check)', async () => {
    const r = await runProgram(process.execPath, [join(repoRoot, 'scripts/gen-docs.mjs'), '--check'], { allowFailure: true });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
  it.each(actionFolders())('the root README documents %s: inputs, outputs and an example', (action) => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`<!-- gen:inputs ${action} -->`);
    expect(readme).toContain(`<!-- gen:outputs ${action} -->`);
    expect(readme).toMatch(new RegExp(`uses: org/deploy-kit/${action}@v1`));
  });
  it('the README’s two commands are the ones CI and a fresh machine use', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const ci = readFileSync(join(repoRoot, '.ci/run'), 'utf8');
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
    expect(ci).toContain('npm test');
  });
});
