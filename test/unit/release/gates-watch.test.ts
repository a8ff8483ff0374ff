// The gates watch use case with a fake evaluator and a fake clock: milliseconds per scenario.
import { describe, expect, it } from 'vitest';
import { watchGates, type GatesEvaluator, type WatchClock } from '../../../src/release/gates-watch.js';
import type { Evaluation } from '../../../src/gates/types.js';

/** Evaluations from a script of verdicts per evaluation (true = the one condition passes). */
function scripted(verdicts: boolean[], clock: FakeClock): GatesEvaluator & { calls: number } {
  const ev = {
    calls: 0,
    async evaluate(): Promise<Evaluation> {
      const ok = verdicts[Math.min(ev.calls, verdicts.length - 1)]!;
      ev.calls++;
      return {
        at: new Date(clock.now()).toISOString(),
        gates: [
          {
            name: 'gate-a',
            status: ok ? 'GREEN' : 'RED',
            conditions: [
              {
                name: 'error rate',
                kind: 'prometheus',
                verdict: ok ? 'pass' : 'fail',
                measured: ok ? '0 %' : '20 %',
                value: ok ? 0 : 0.2,
                threshold: '≤ 1 %',
                reason: '',
              },
            ],
          },
          { name: 'gate-b', status: 'GREEN', conditions: [{ name: 'health', kind: 'http', verdict: 'pass', measured: 'HTTP 200', threshold: '', reason: '' }] },
        ],
      };
    },
  };
  return ev;
}

class FakeClock implements WatchClock {
  t = 1_000_000;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.t += ms;
  }
}

const MIN = 60_000;

describe('watchGates (fakes)', () => {
  it('watch 0: one evaluation, GREEN', async () => {
    const clock = new FakeClock();
    const r = await watchGates(scripted([true], clock), clock, { windowMs: 0, intervalMs: MIN, failureLimit: 3, signal: new AbortController().signal });
    expect(r).toMatchObject({ status: 'GREEN', failedGates: [] });
    expect(r.evaluations).toHaveLength(1);
  });

  it('watch 0: RED naming the failing gate and condition (failure-limit does not apply)', async () => {
    const clock = new FakeClock();
    const r = await watchGates(scripted([false], clock), clock, { windowMs: 0, intervalMs: MIN, failureLimit: 3, signal: new AbortController().signal });
    expect(r.status).toBe('RED');
    expect(r.failedGates).toEqual(['gate-a']);
    expect(r.reason).toBe('RED: gate-a: error rate');
  });

  it('a 30-minute watch at 1-minute intervals that holds: 31 evaluations, GREEN when the window passes', async () => {
    const clock = new FakeClock();
    const ev = scripted([true], clock);
    const r = await watchGates(ev, clock, { windowMs: 30 * MIN, intervalMs: MIN, failureLimit: 1, signal: new AbortController().signal });
    expect(r.status).toBe('GREEN');
    expect(ev.calls).toBe(31);
    expect(r.elapsedMs).toBe(30 * MIN);
  });

  it('turns RED mid-window and ends at once, not waiting out the window', async () => {
    const clock = new FakeClock();
    const ev = scripted([true, true, true, true, false], clock);
    const r = await watchGates(ev, clock, { windowMs: 30 * MIN, intervalMs: MIN, failureLimit: 1, signal: new AbortController().signal });
    expect(r.status).toBe('RED');
    expect(ev.calls).toBe(5);
    expect(r.elapsedMs).toBe(4 * MIN);
    expect(r.breaches).toEqual([{ gate: 'gate-a', condition: 'error rate', failures: 1 }]);
  });

  it('failure-limit 3 tolerates two blips, and ends RED on the third failure in a row', async () => {
    const clock = new FakeClock();
    const blips = [true, false, true, false, false, true, true, true, true, true, true];
    const tolerant = await watchGates(scripted(blips, clock), clock, {
      windowMs: 10 * MIN,
      intervalMs: MIN,
      failureLimit: 3,
      signal: new AbortController().signal,
    });
    expect(tolerant.status).toBe('GREEN');
    const clock2 = new FakeClock();
    const ev = scripted([true, false, false, false, true], clock2);
    const red = await watchGates(ev, clock2, { windowMs: 10 * MIN, intervalMs: MIN, failureLimit: 3, signal: new AbortController().signal });
    expect(red.status).toBe('RED');
    expect(ev.calls).toBe(4);
    expect(red.reason).toBe('RED after 4 evaluations: gate-a: error rate (3 failures in a row)');
  });

  it('cancellation mid-watch ends promptly with the result so far, reported as cancelled', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const ev = scripted([true], clock);
    const r = await watchGates(ev, clock, {
      windowMs: 30 * MIN,
      intervalMs: MIN,
      failureLimit: 1,
      signal: controller.signal,
      onEvaluation: (_e, i) => {
        if (i === 2) controller.abort(new Error('SIGTERM'));
      },
    });
    expect(r.status).toBe('cancelled');
    expect(r.evaluations).toHaveLength(3);
    expect(r.reason).toBe('cancelled; the last of 3 evaluations was GREEN');
  });

  it('an evaluation aborted mid-way is cancelled too; other evaluator errors are bugs and propagate', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const aborting: GatesEvaluator = {
      evaluate: async () => {
        controller.abort(new Error('SIGINT'));
        throw new Error('aborted');
      },
    };
    expect((await watchGates(aborting, clock, { windowMs: MIN, intervalMs: MIN, failureLimit: 1, signal: controller.signal })).status).toBe('cancelled');
    const broken: GatesEvaluator = { evaluate: async () => Promise.reject(new Error('boom')) };
    await expect(watchGates(broken, clock, { windowMs: MIN, intervalMs: MIN, failureLimit: 1, signal: new AbortController().signal })).rejects.toThrow('boom');
  });

  it('evaluations keep to the interval grid: a slow evaluation shortens the next sleep', async () => {
    const clock = new FakeClock();
    const inner = scripted([true], clock);
    const slow: GatesEvaluator = {
      evaluate: async (s) => {
        clock.t += 10_000;
        return inner.evaluate(s);
      },
    };
    await watchGates(slow, clock, { windowMs: 3 * MIN, intervalMs: MIN, failureLimit: 1, signal: new AbortController().signal });
    expect(clock.sleeps).toEqual([50_000, 50_000, 50_000]);
  });
});
