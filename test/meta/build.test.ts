// The committed bundles are what the source builds to today, and the source type-checks.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/exec/run.js';
import { repoRoot } from '../support/repo.js';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

describe('build', () => {
  it('TypeScript strict type-check passes (tsc --noEmit)', async () => {
    const r = await runProgram(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', repoRoot], {
      allowFailure: true,
      timeoutMs: 180_000,
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }, 200_000);

  it('the benchmarks type-check as JavaScript (tsc -p tsconfig.bench.json, checkJs)', async () => {
    const r = await runProgram(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(repoRoot, 'tsconfig.bench.json')], {
      allowFailure: true,
      timeoutMs: 180_000,
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }, 200_000);

  it('dist/ is fresh: a rebuild changes no committed bundle', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dk-dist-'));
    // The type check is the test above; the build here only bundles.
    await runProgram(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--out', out, '--no-typecheck'], { timeoutMs: 600_000 });
    const committed = join(repoRoot, 'dist');
    expect(files(out), 'the same files').toEqual(files(committed));
    const stale = files(out).filter((f) => !readFileSync(join(out, f)).equals(readFileSync(join(committed, f))));
    rmSync(out, { recursive: true, force: true });
    expect(stale, `stale bundles (run npm run build): ${stale.map((f) => relative(repoRoot, join(committed, f))).join(', ')}`).toEqual([]);
  }, 620_000);
});
