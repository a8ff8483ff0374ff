import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/util/sleep.js';

describe('sleep', () => {
  it('waits about the time it is given', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
  it('rejects with the reason when the signal aborts', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(new Error('cancelled')), 10);
    await expect(sleep(10_000, c.signal)).rejects.toThrow('cancelled');
  });
  it('rejects at once when the signal has already aborted', async () => {
    const started = Date.now();
    await expect(sleep(10_000, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
  it('resolves early instead with resolveOnAbort, for loops that check the signal themselves', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(new Error('cancelled')), 10);
    const started = Date.now();
    await expect(sleep(10_000, c.signal, { resolveOnAbort: true })).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(sleep(10_000, AbortSignal.abort(), { resolveOnAbort: true })).resolves.toBeUndefined();
  });
});
