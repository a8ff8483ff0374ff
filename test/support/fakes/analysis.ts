/**
 * An in-memory CanaryAnalyser: answers each analysis with the next verdict of a script (the last
 * one repeats), with a success-rate measurement that agrees with it, and counts the calls.
 */
import { describeFailedChecks, type CanaryAnalyser } from '../../../src/metrics/analyser.js';
import type { StepAnalysis, Verdict } from '../../../src/metrics/analysis.js';

export class FakeAnalyser implements CanaryAnalyser {
  readonly calls: Array<{ index: number; weight: number }> = [];
  /** When set, every analysis throws it (Prometheus unreachable, say). */
  error?: Error;

  constructor(
    private readonly verdicts: Verdict[],
    readonly checks: readonly string[] = ['success-rate'],
  ) {}

  async validate(): Promise<void> {}

  async analyse(step: { index: number; weight: number }): Promise<StepAnalysis> {
    this.calls.push(step);
    if (this.error) throw this.error;
    const verdict = this.verdicts[Math.min(this.calls.length - 1, this.verdicts.length - 1)] ?? 'pass';
    const value = verdict === 'pass' ? 99.9 : verdict === 'fail' ? 95 : null;
    const reason = verdict === 'fail' ? '95 is below 99' : verdict === 'pass' ? 'ok' : 'no data';
    return { verdict, at: new Date().toISOString(), results: [{ name: 'success-rate', query: 'fake', value, threshold: '>= 99%', verdict, reason }] };
  }

  describeFailure(analysis: StepAnalysis): string {
    return describeFailedChecks(analysis);
  }
}
