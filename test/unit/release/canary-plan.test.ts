import { describe, expect, it } from 'vitest';
import { nextPhase, parseSteps, validatePlan, type CanaryPlan } from '../../../src/release/canary-plan.js';

const plan: CanaryPlan = { steps: [10, 50, 100], intervalMs: 1000, failureLimit: 2, promoteAfterLastStep: false };

describe('canary steps', () => {
  it('parses weights', () => {
    expect(parseSteps('10,25,50,100')).toEqual([10, 25, 50, 100]);
    expect(parseSteps('5% 20%\n100')).toEqual([5, 20, 100]);
  });

  it('rejects weights that do not increase, exceed 100, are 0 or not numbers, naming the input', () => {
    expect(() => parseSteps('10,50,25')).toThrow('steps: weights must increase, but step 3 (25%) is not above step 2 (50%).');
    expect(() => parseSteps('10,10')).toThrow(/must increase/);
    expect(() => parseSteps('50,120')).toThrow('steps: step 2 is 120%; each weight must be between 1 and 100.');
    expect(() => parseSteps('0,50')).toThrow(/between 1 and 100/);
    expect(() => parseSteps('ten')).toThrow(/"ten" is not a whole percentage/);
    expect(() => parseSteps(' ')).toThrow(/steps is empty/);
  });

  it('rejects an interval of 0 and a failure limit below 1', () => {
    expect(() => validatePlan({ ...plan, intervalMs: 0 })).toThrow(/interval is 0ms: it must be above 0/);
    expect(() => validatePlan({ ...plan, failureLimit: 0 })).toThrow(/failure-limit is 0/);
    expect(() => validatePlan(plan)).not.toThrow();
  });
});

describe('canary state machine', () => {
  it('walks start → steps → promote → promoted', () => {
    let p = nextPhase(plan, { kind: 'start' }, { type: 'canary-ready' });
    expect(p).toEqual({ kind: 'step', index: 0, weight: 10 });
    p = nextPhase(plan, p, { type: 'analysed', verdict: 'pass', failures: 0 });
    expect(p).toEqual({ kind: 'step', index: 1, weight: 50 });
    p = nextPhase(plan, p, { type: 'analysed', verdict: 'inconclusive', failures: 0 });
    expect(p).toEqual({ kind: 'step', index: 2, weight: 100 });
    p = nextPhase(plan, p, { type: 'analysed', verdict: 'pass', failures: 0 });
    expect(p).toEqual({ kind: 'promote' });
    expect(nextPhase(plan, p, { type: 'finished' })).toEqual({ kind: 'done', result: 'promoted' });
  });

  it('repeats a step on a failure under the limit and aborts at the limit', () => {
    const s1 = { kind: 'step', index: 1, weight: 50 } as const;
    expect(nextPhase(plan, s1, { type: 'analysed', verdict: 'fail', failures: 1 })).toBe(s1);
    const abort = nextPhase(plan, s1, { type: 'analysed', verdict: 'fail', failures: 2, reason: 'success-rate 95 < 99' });
    expect(abort).toEqual({ kind: 'abort', reason: 'analysis failed at 50%: success-rate 95 < 99' });
    expect(nextPhase(plan, abort, { type: 'finished' })).toEqual({ kind: 'done', result: 'aborted', reason: 'analysis failed at 50%: success-rate 95 < 99' });
  });

  it('pauses after a last step below 100 unless told to promote', () => {
    const partial = { ...plan, steps: [10, 30] };
    const last = { kind: 'step', index: 1, weight: 30 } as const;
    expect(nextPhase(partial, last, { type: 'analysed', verdict: 'pass', failures: 0 })).toEqual({ kind: 'pause', weight: 30 });
    expect(nextPhase({ ...partial, promoteAfterLastStep: true }, last, { type: 'analysed', verdict: 'pass', failures: 0 })).toEqual({ kind: 'promote' });
    expect(nextPhase(partial, { kind: 'pause', weight: 30 }, { type: 'finished' })).toEqual({ kind: 'done', result: 'paused' });
  });

  it('aborts when the canary does not start, a step or the promotion fails', () => {
    expect(nextPhase(plan, { kind: 'start' }, { type: 'canary-failed', reason: 'unhealthy' })).toEqual({ kind: 'abort', reason: 'unhealthy' });
    expect(nextPhase(plan, { kind: 'step', index: 0, weight: 10 }, { type: 'failed', reason: 'reload' })).toEqual({ kind: 'abort', reason: 'reload' });
    expect(nextPhase(plan, { kind: 'promote' }, { type: 'failed', reason: 'x' })).toEqual({ kind: 'abort', reason: 'x' });
    expect(() => nextPhase(plan, { kind: 'promote' }, { type: 'canary-ready' })).toThrow(/cannot happen/);
  });
});
