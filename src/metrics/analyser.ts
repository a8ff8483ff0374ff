/**
 * The analysis a canary use case drives (src/release depends on this interface only) and its
 * Prometheus implementation: the checks rendered for the canary (and stable) track, validated
 * before anything starts, then measured and judged once per step.
 */
import { analyseStep, type StepAnalysis } from './analysis.js';
import { renderQuery, type MetricCheck, type NoDataPolicy, type Selectors } from './config.js';
import type { PrometheusClient } from './prometheus.js';

export interface CanaryAnalyser {
  /** The names of what is analysed, for the plan; empty means nothing is (the steps are walked unanalysed). */
  readonly checks: readonly string[];
  /** Checks that every query is accepted, before anything starts; throws ConfigurationError naming the input. */
  validate(signal?: AbortSignal): Promise<void>;
  /** Measures and judges the canary at a step. Throwing fails the step (the canary aborts). */
  analyse(step: { index: number; weight: number }, signal?: AbortSignal): Promise<StepAnalysis>;
  /** Why an analysis failed, in one line (for the abort reason). */
  describeFailure(analysis: StepAnalysis): string;
}

export interface PrometheusAnalyserOptions {
  checks: MetricCheck[];
  selectors: Selectors;
  windowSeconds: number;
  noData: NoDataPolicy;
}

/** The failing checks of an analysis, `name: reason; …`. */
export function describeFailedChecks(analysis: StepAnalysis): string {
  return analysis.results
    .filter((result) => result.verdict === 'fail')
    .map((result) => `${result.name}: ${result.reason}`)
    .join('; ');
}

export class PrometheusAnalyser implements CanaryAnalyser {
  readonly checks: readonly string[];

  /** `client` may be undefined only when there are no checks (nothing to ask Prometheus). */
  constructor(
    private readonly client: PrometheusClient | undefined,
    private readonly options: PrometheusAnalyserOptions,
  ) {
    this.checks = options.checks.map((check) => check.name);
    if (!client && options.checks.length) throw new Error('PrometheusAnalyser: checks need a Prometheus client');
  }

  async validate(signal?: AbortSignal): Promise<void> {
    const { client, options } = this;
    if (!client || options.checks.length === 0) return;
    await client.ready(signal);
    for (const check of options.checks) {
      await client.validate(renderQuery(check, options.selectors.canary, options.windowSeconds), check.name, signal);
      if (check.maxIncrease !== undefined) await client.validate(renderQuery(check, options.selectors.stable, options.windowSeconds), check.name, signal);
    }
  }

  analyse(_step: { index: number; weight: number }, signal?: AbortSignal): Promise<StepAnalysis> {
    const { client, options } = this;
    if (!client) throw new Error('PrometheusAnalyser: no client to analyse with');
    return analyseStep(client, options.checks, options.selectors, { windowSeconds: options.windowSeconds, noData: options.noData, signal });
  }

  describeFailure(analysis: StepAnalysis): string {
    return describeFailedChecks(analysis);
  }
}
