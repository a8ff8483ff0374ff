/**
 * Several measurements per step (`count`, spread over the interval) and what they add up to:
 * a measured failure fails the step at once; a measurement error (Prometheus did not answer) is
 * tolerated up to `consecutive-errors` in a row for a flaky metrics source; no data makes the
 * step inconclusive, which `inconclusive: pause` turns into a pause for a human (Argo's
 * Inconclusive). Pure; the canary use case does the waiting.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { parseEnum } from '../runtime/parse.js';
import type { MetricResult, StepAnalysis, Verdict } from './analysis.js';

export interface MeasurementPolicy {
  /** Measurements per step, at interval × k / count (k = 1 … count). Default 1. */
  count: number;
  /** Measurement errors of one check tolerated in a row; one more fails it. Default 0 (any error fails). */
  consecutiveErrors: number;
}

export type InconclusivePolicy = 'continue' | 'pause' | 'fail';
export const INCONCLUSIVE_POLICIES: readonly InconclusivePolicy[] = ['continue', 'pause', 'fail'];

export function parseInconclusivePolicy(text: string, input = 'inconclusive'): InconclusivePolicy {
  return parseEnum(text, input, INCONCLUSIVE_POLICIES);
}

export function validateMeasurementPolicy(p: MeasurementPolicy, intervalMs: number, sampleMs: number): void {
  if (!Number.isInteger(p.count) || p.count < 1 || p.count > 100) {
    throw new ConfigurationError(`count is ${p.count}: give a whole number of measurements per step from 1 to 100.`, { input: 'count' });
  }
  if (!Number.isInteger(p.consecutiveErrors) || p.consecutiveErrors < 0) {
    throw new ConfigurationError(`consecutive-errors is ${p.consecutiveErrors}: give a whole number, 0 or more.`, { input: 'consecutive-errors' });
  }
  if (intervalMs / p.count < sampleMs) {
    throw new ConfigurationError(
      `count is ${p.count}: ${p.count} measurements in an interval of ${intervalMs / 1000}s are closer than the analysis window (${sampleMs / 1000}s); lower count or lengthen interval.`,
      { input: 'count' },
    );
  }
}

/** When, from the step's start, each measurement is taken (ms). */
export function measurementTimes(intervalMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.round((intervalMs * (k + 1)) / count));
}

/** True when the measurements so far decide the step: a measured failure, or too many errors in a row. */
export function stepDecided(measurements: StepAnalysis[], policy: MeasurementPolicy): boolean {
  return combineMeasurements(measurements, policy).verdict === 'fail';
}

/**
 * The step's analysis from its measurements: per check, the last measurement's result, with a
 * failure when any measurement failed it (not an error), or when its errors in a row exceed
 * `consecutiveErrors`; tolerated errors say so in the reason.
 */
export function combineMeasurements(measurements: StepAnalysis[], policy: MeasurementPolicy): StepAnalysis & { measurements: number } {
  if (measurements.length === 0) throw new Error('combineMeasurements: no measurements');
  const last = measurements.at(-1)!;
  const names = last.results.map((r) => r.name);
  const results: MetricResult[] = names.map((name) => {
    const series = measurements.map((m) => m.results.find((r) => r.name === name)).filter((r): r is MetricResult => r !== undefined);
    const failed = series.find((r) => r.verdict === 'fail' && !r.measurementError);
    if (failed) return failed;
    let run = 0;
    let longest = 0;
    for (const r of series) {
      run = r.measurementError ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    const latest = series.at(-1)!;
    if (longest > policy.consecutiveErrors) {
      const errors = series.filter((r) => r.measurementError);
      return {
        ...errors.at(-1)!,
        verdict: 'fail',
        reason: `${longest} measurement error${longest > 1 ? 's' : ''} in a row (consecutive-errors: ${policy.consecutiveErrors}): ${errors.at(-1)!.reason}`,
      };
    }
    if (latest.measurementError) {
      // Tolerated: the latest good measurement stands, or no data when there is none.
      const good = series.filter((r) => !r.measurementError).at(-1);
      const note = `${run} measurement error${run > 1 ? 's' : ''} tolerated (consecutive-errors: ${policy.consecutiveErrors})`;
      if (good) return { ...good, reason: `${good.reason}; ${note}` };
      return { ...latest, verdict: 'inconclusive', measurementError: true, reason: `no data: ${note}: ${latest.reason}` };
    }
    return latest;
  });
  return { verdict: combineVerdicts(results.map((r) => r.verdict)), results, at: last.at, measurements: measurements.length };
}

function combineVerdicts(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

/** What the canary does after a step's verdict. */
export function afterVerdict(verdict: Verdict, inconclusive: InconclusivePolicy): 'continue' | 'pause' | 'fail' {
  if (verdict === 'fail') return 'fail';
  if (verdict === 'inconclusive') return inconclusive;
  return 'continue';
}
