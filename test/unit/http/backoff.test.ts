import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, retry } from '../../../src/http/backoff.js';

const policy = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, noJitter))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('jitter keeps each delay within [d·(1−j), d]', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
    expect(backoffDelay(3, policy, () => 1)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
  });
});

describe('retry', () => {
  const fast = { initialMs: 1, maxMs: 2, factor: 2, jitter: 0 };
  it('returns the first accepted value and counts attempts', async () => {
    let n = 0;
    const out = await retry(async () => ++n, { maxAttempts: 5, policy: fast, accept: (v) => v >= 3 });
    expect(out).toMatchObject({ ok: true, value: 3, attempts: 3 });
  });
  it('stops at maxAttempts with the last error', async () => {
    const out = await retry(
      async (a) => {
        throw new Error(`boom ${a}`);
      },
      { maxAttempts: 3, policy: fast },
    );
    expect(out.ok).toBe(false);
    expect(out.attempts).toBe(3);
    expect((out.error as Error).message).toBe('boom 3');
  });
  it('does not retry errors that are not retryable', async () => {
    const out = await retry(
      async () => {
        throw new Error('401');
      },
      { maxAttempts: 5, policy: fast, retryable: () => false },
    );
    expect(out.attempts).toBe(1);
  });
  it('honours the deadline', async () => {
    const started = Date.now();
    const out = await retry(async () => false, { deadline: Date.now() + 120, policy: { ...fast, initialMs: 50, maxMs: 50 }, accept: (v) => v });
    expect(out.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(400);
    expect(out.attempts).toBeGreaterThanOrEqual(2);
  });
  it('lastAttemptAtDeadline: waits until the deadline and tries once more there', async () => {
    // Fake clock and timers: the attempts' times are the schedule's, not a loaded machine's.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const times: number[] = [];
      const started = Date.now();
      const pending = retry(
        async () => {
          times.push(Date.now() - started);
          return false;
        },
        {
          deadline: started + 300,
          policy: { initialMs: 200, maxMs: 200, factor: 1, jitter: 0 },
          accept: (v) => v,
          lastAttemptAtDeadline: true,
        },
      );
      await vi.runAllTimersAsync();
      const out = await pending;
      expect(out.ok).toBe(false);
      expect(out.attempts).toBe(3);
      expect(times).toEqual([0, 200, 300]); // at 0, after the 200 ms delay, and at the deadline
    } finally {
      vi.useRealTimers();
    }
  });
  it('refuses to run without a bound', async () => {
    await expect(retry(async () => 1)).rejects.toThrow(/maxAttempts or a deadline/);
  });
});
