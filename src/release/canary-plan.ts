/**
 * The canary's plan and state machine, pure: weights per step, the interval, the failure limit,
 * and what comes next after each event (deploy → steps → promote | pause | abort).
 */
import { ConfigurationError } from '../runtime/errors.js';

export interface CanaryPlan {
  /** Canary weights in percent, strictly increasing, each 1..100. */
  steps: number[];
  intervalMs: number;
  /** Failed analyses (over the whole canary) that abort it. */
  failureLimit: number;
  /** Promote after the last step even when it is below 100 %; otherwise pause there. */
  promoteAfterLastStep: boolean;
}

/** `10,25,50,100` (commas, spaces or newlines; `%` allowed). */
export function parseSteps(text: string, input = 'steps'): number[] {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new ConfigurationError(`${input} is empty: give canary weights in percent, e.g. 10,25,50,100.`, { input });
  const steps = items.map((item) => {
    const m = /^(\d+)%?$/.exec(item);
    if (!m) throw new ConfigurationError(`${input}: "${item}" is not a whole percentage; give weights such as 10,25,50,100.`, { input });
    return Number(m[1]);
  });
  validateSteps(steps, input);
  return steps;
}

export function validateSteps(steps: number[], input = 'steps'): void {
  steps.forEach((w, i) => {
    if (w < 1 || w > 100) throw new ConfigurationError(`${input}: step ${i + 1} is ${w}%; each weight must be between 1 and 100.`, { input });
    if (i > 0 && w <= steps[i - 1]!) {
      throw new ConfigurationError(`${input}: weights must increase, but step ${i + 1} (${w}%) is not above step ${i} (${steps[i - 1]}%).`, { input });
    }
  });
}

export function validatePlan(plan: CanaryPlan): void {
  validateSteps(plan.steps);
  if (!(plan.intervalMs > 0)) throw new ConfigurationError(`interval is ${plan.intervalMs}ms: it must be above 0 (e.g. 30s or 5m).`, { input: 'interval' });
  if (!Number.isInteger(plan.failureLimit) || plan.failureLimit < 1) {
    throw new ConfigurationError(`failure-limit is ${plan.failureLimit}: it must be a whole number of at least 1.`, { input: 'failure-limit' });
  }
}

export type CanaryResult = 'promoted' | 'aborted' | 'paused';

export type CanaryPhase =
  | { kind: 'start' }
  | { kind: 'step'; index: number; weight: number }
  | { kind: 'promote' }
  | { kind: 'pause'; weight: number }
  | { kind: 'abort'; reason: string }
  | { kind: 'done'; result: CanaryResult; reason?: string };

export type CanaryEvent =
  | { type: 'canary-ready' }
  | { type: 'canary-failed'; reason: string }
  /** `failures`: failed analyses so far, this one included. */
  | { type: 'analysed'; verdict: 'pass' | 'fail' | 'inconclusive' | 'skipped'; failures: number; reason?: string }
  | { type: 'finished' }
  | { type: 'failed'; reason: string };

/** The next phase. A failed analysis under the limit repeats the step; at the limit it aborts. */
export function nextPhase(plan: CanaryPlan, phase: CanaryPhase, event: CanaryEvent): CanaryPhase {
  switch (phase.kind) {
    case 'start':
      if (event.type === 'canary-ready') return step(plan, 0);
      if (event.type === 'canary-failed' || event.type === 'failed') return { kind: 'abort', reason: event.reason };
      break;
    case 'step':
      if (event.type === 'analysed') {
        if (event.verdict === 'fail') {
          if (event.failures >= plan.failureLimit) {
            return { kind: 'abort', reason: `analysis failed at ${phase.weight}%${event.reason ? `: ${event.reason}` : ''}` };
          }
          return phase;
        }
        const next = phase.index + 1;
        if (next < plan.steps.length) return step(plan, next);
        return phase.weight === 100 || plan.promoteAfterLastStep ? { kind: 'promote' } : { kind: 'pause', weight: phase.weight };
      }
      if (event.type === 'failed') return { kind: 'abort', reason: event.reason };
      break;
    case 'promote':
      if (event.type === 'finished') return { kind: 'done', result: 'promoted' };
      if (event.type === 'failed') return { kind: 'abort', reason: event.reason };
      break;
    case 'pause':
      if (event.type === 'finished') return { kind: 'done', result: 'paused' };
      break;
    case 'abort':
      if (event.type === 'finished' || event.type === 'failed') return { kind: 'done', result: 'aborted', reason: phase.reason };
      break;
    case 'done':
      return phase;
  }
  throw new Error(`canary: event ${event.type} cannot happen in phase ${phase.kind}`);
}

function step(plan: CanaryPlan, index: number): CanaryPhase {
  return { kind: 'step', index, weight: plan.steps[index]! };
}
