/**
 * The canary analysis with everything of issue #13: the preset's names, the pre-flight before the
 * canary starts (stable) and at every step (canary, and baseline under `compare`), the threshold
 * or compare judge with alpha spent by each look's share of the information, and `count`
 * measurements per step combined with `consecutive-errors`. The canary use case drives it: `validate` before anything starts, `begin`
 * when traffic first reaches the canary, then per step `measure` at each of `measurementOffsets`
 * (or `analyse` once), `combine` for the step's verdict.
 */
import { describeFailedChecks, type CanaryAnalyser } from './analyser.js';
import { analyseStep, type StepAnalysis } from './analysis.js';
import type { CompareSettings } from './compare.js';
import { renderQuery, type MetricCheck, type MetricNames, type NoDataPolicy, type Selectors } from './config.js';
import type { AnalysisOptions } from './from-inputs.js';
import { lookOf } from './from-inputs.js';
import { combineMeasurements, measurementTimes, type InconclusivePolicy } from './measurements.js';
import { assertJudgeable } from './preflight.js';
import type { PrometheusClient } from './prometheus.js';
import { informationFractions, type StepShares } from './statistics.js';

export interface JudgedAnalyserOptions {
  checks: MetricCheck[];
  selectors: Selectors;
  /** The baseline's selector (compare with a baseline); the stable one is used without. */
  baselineSelector?: string;
  windowSeconds: number;
  noData: NoDataPolicy;
  /** Number of steps in the plan (the looks are steps × count). */
  steps: number;
  /**
   * Each step's traffic shares of the canary and its control, from the router's split: alpha is
   * then spent by information fraction (statistics.informationFractions) rather than look / looks.
   */
  shares?: readonly StepShares[];
  intervalMs: number;
  analysis: Pick<AnalysisOptions, 'names' | 'judge' | 'alpha' | 'spending' | 'sampleSeconds' | 'measurement' | 'inconclusive' | 'control'>;
}

export class JudgedAnalyser implements CanaryAnalyser {
  readonly checks: readonly string[];
  private since: Date | undefined;
  private readonly names: MetricNames;
  private readonly information: CompareSettings['information'];

  constructor(
    private readonly client: PrometheusClient | undefined,
    private readonly options: JudgedAnalyserOptions,
  ) {
    this.checks = options.checks.map((c) => c.name);
    this.names = options.analysis.names;
    if (!client && options.checks.length) throw new Error('JudgedAnalyser: checks need a Prometheus client');
    const { shares } = options;
    const count = options.analysis.measurement.count;
    this.information =
      shares && shares.length === options.steps
        ? { counts: informationFractions(shares, count, 'counts'), samples: informationFractions(shares, count, 'samples') }
        : undefined;
  }

  /** Before anything starts: Prometheus answers, every query parses, and the stable series can be judged. */
  async validate(signal?: AbortSignal): Promise<void> {
    const { client, options } = this;
    if (!client || options.checks.length === 0) return;
    await client.ready(signal);
    for (const check of options.checks) {
      await client.validate(renderQuery(check, options.selectors.canary, options.windowSeconds, this.names), check.name, signal);
      if (check.maxIncrease !== undefined && options.analysis.judge === 'threshold') {
        await client.validate(renderQuery(check, options.selectors.stable, options.windowSeconds, this.names), check.name, signal);
      }
    }
    await assertJudgeable(client, options.checks, options.selectors.stable, { names: this.names, track: 'stable', signal });
  }

  /** Traffic reached the canary (and the baseline): the compare judge counts from here. */
  begin(at: Date = new Date()): void {
    this.since ??= at;
  }

  /** When each measurement of a step is taken, ms after the step's weight was set. */
  get measurementOffsets(): number[] {
    return measurementTimes(this.options.intervalMs, this.options.analysis.measurement.count);
  }

  /** One measurement (a look): measured, series checked, judged. */
  async measure(step: { index: number; weight: number }, k: number, signal?: AbortSignal): Promise<StepAnalysis> {
    const { client, options } = this;
    if (!client) throw new Error('JudgedAnalyser: no client to analyse with');
    const a = options.analysis;
    const now = new Date();
    this.begin(new Date(now.getTime() - options.intervalMs));
    const { look, looks } = lookOf(step.index, k, options.steps, a.measurement.count);
    const control = a.control === 'baseline' && options.baselineSelector ? 'baseline' : 'stable';
    const settings: CompareSettings = {
      alpha: a.alpha,
      spending: a.spending,
      look,
      looks,
      control,
      ...(this.information ? { information: this.information } : {}),
    };
    return analyseStep(client, options.checks, options.selectors, {
      windowSeconds: options.windowSeconds,
      noData: options.noData,
      names: this.names,
      signal,
      time: now,
      requireSeries: true,
      ...(a.judge === 'compare'
        ? {
            compare: {
              baseline: control === 'baseline' ? options.baselineSelector! : options.selectors.stable,
              since: this.since!,
              sampleSeconds: a.sampleSeconds,
              settings,
            },
          }
        : {}),
    });
  }

  /** The step's verdict from its measurements. */
  combine(measurements: StepAnalysis[]): StepAnalysis {
    const { measurements: _count, ...combined } = combineMeasurements(measurements, this.options.analysis.measurement);
    return combined;
  }

  /** One measurement now, as the step's analysis (count: 1). */
  async analyse(step: { index: number; weight: number }, signal?: AbortSignal): Promise<StepAnalysis> {
    return this.combine([await this.measure(step, 0, signal)]);
  }

  describeFailure(analysis: StepAnalysis): string {
    return describeFailedChecks(analysis);
  }

  get inconclusive(): InconclusivePolicy {
    return this.options.analysis.inconclusive;
  }
}
