// src/exec against real programs: argument arrays reach the program untouched (no shell).
import { describe, expect, it } from 'vitest';
import { ExecError, runProgram } from '../../../src/exec/run.js';

describe('runProgram', () => {
  it('passes arguments verbatim: shell metacharacters are not interpreted', async () => {
    const evil = '$(touch /tmp/dk-pwned); `id`; echo hi && rm -rf / | cat > x';
    const r = await runProgram('printf', ['%s', evil]);
    expect(r.stdout).toBe(evil);
  });
  it('feeds stdin and captures both streams', async () => {
    const r = await runProgram('sh', ['-c', 'cat; echo err >&2'], { input: 'from-stdin' });
    expect(r.stdout).toBe('from-stdin');
    expect(r.stderr).toBe('err\n');
  });
  it('a failing program throws with its exit code and the tail of its output, redacted', async () => {
    const err = await runProgram('sh', ['-c', 'echo "token hunter2" >&2; exit 3'], { redact: (t) => t.replace(/hunter2/g, '***') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).message).toMatch(/exited with code 3/);
    expect((err as ExecError).message).toContain('token ***');
    expect((err as ExecError).message).not.toContain('hunter2');
  });
  it('allowFailure resolves with the exit code', async () => {
    expect((await runProgram('sh', ['-c', 'exit 4'], { allowFailure: true })).exitCode).toBe(4);
  });
  it('kills a program at its deadline', async () => {
    const started = Date.now();
    const err = (await runProgram('sleep', ['30'], { timeoutMs: 300 }).catch((e: unknown) => e)) as ExecError;
    expect(err.message).toMatch(/timed out after/);
    expect(err.result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
  it('stops a program when the signal aborts', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(), 200);
    const err = (await runProgram('sleep', ['30'], { signal: c.signal }).catch((e: unknown) => e)) as ExecError;
    expect(err.message).toMatch(/cancelled/);
  });
  it('a missing program says so', async () => {
    await expect(runProgram('no-such-program-dk', [])).rejects.toThrow(/was not found on PATH/);
  });
  it('streams lines as they come', async () => {
    const lines: string[] = [];
    await runProgram('sh', ['-c', 'echo a; echo b >&2; printf c'], { onLine: (l, s) => lines.push(`${s}:${l}`) });
    expect(lines.sort()).toEqual(['stderr:b', 'stdout:a', 'stdout:c']);
  });
});

describe('findOnPath', () => {
  it('finds an executable on PATH without running it, and nothing for a missing one', async () => {
    const { findOnPath } = await import('../../../src/exec/run.js');
    expect(findOnPath('sh')).toMatch(/\/sh$/);
    expect(findOnPath('no-such-program-dk')).toBeUndefined();
    expect(findOnPath('sh', '/nonexistent-dir')).toBeUndefined();
  });
});
