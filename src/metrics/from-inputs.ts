/**
 * The analysis settings an action reads (shared by every action that judges a canary): the
 * preset and name overrides, the judge and its error control, measurements per step, and what an
 * inconclusive step does. Validated in full; nothing here touches Prometheus.
 */
import { ConfigurationError } from '../runtime/errors.js';
import type { Inputs } from '../runtime/inputs.js';
import type { MetricNames } from './config.js';
import { DEFAULT_ALPHA } from './compare.js';
import { parseInconclusivePolicy, validateMeasurementPolicy, type InconclusivePolicy, type MeasurementPolicy } from './measurements.js';
import { presetByName, resolveMetricNames, type StatusForm } from './presets.js';
import { SPENDING_FUNCTIONS, type SpendingFunction } from './statistics.js';

export type Judge = 'threshold' | 'compare';
export const JUDGES: readonly Judge[] = ['threshold', 'compare'];

export interface AnalysisOptions {
  preset: string;
  names: MetricNames;
  judge: Judge;
  /** Start `<service>-baseline` with the stable image beside the canary, at the canary's weight. */
  baseline: boolean;
  /** The track value compare judges against: `baseline`, or `stable` without a baseline. */
  control: 'baseline' | 'stable';
  alpha: number;
  spending: SpendingFunction;
  /** Length of one Mann-Whitney sample. */
  sampleSeconds: number;
  measurement: MeasurementPolicy;
  inconclusive: InconclusivePolicy;
}

/** Default length of a compare sample: 1 minute, or the analysis window when it is shorter. */
export const DEFAULT_SAMPLE_MS = 60_000;

export function analysisOptionsFromInputs(inputs: Inputs, plan: { intervalMs: number; windowMs: number }): AnalysisOptions {
  const preset = presetByName(inputs.string('metrics-preset', { default: 'default' }));
  const statusForm = inputs.has('status-form') ? inputs.choice<StatusForm>('status-form', ['code', 'class'], 'code') : undefined;
  const names = resolveMetricNames(
    preset,
    {
      requests: inputs.optional('requests-metric'),
      codeLabel: inputs.optional('status-label'),
      duration: inputs.optional('duration-metric'),
      statusForm,
    },
    { requests: 'requests-metric', codeLabel: 'status-label', duration: 'duration-metric', statusForm: 'status-form' },
  );
  const judge = inputs.choice('judge', JUDGES, 'threshold');
  const baseline = inputs.boolean('baseline', judge === 'compare');
  const alpha = parseAlpha(inputs.string('alpha', { default: String(DEFAULT_ALPHA) }));
  const spending = inputs.choice('alpha-spending', SPENDING_FUNCTIONS, 'pocock');
  const sampleMs = inputs.has('sample-window') ? inputs.duration('sample-window', '1m', { min: 1000 }) : Math.min(DEFAULT_SAMPLE_MS, plan.windowMs);
  if (judge === 'compare' && sampleMs > plan.windowMs) {
    throw new ConfigurationError(
      `sample-window (${sampleMs / 1000}s) is longer than the analysis window (${plan.windowMs / 1000}s): a step would give no sample to compare. Shorten sample-window.`,
      { input: 'sample-window' },
    );
  }
  const measurement: MeasurementPolicy = {
    count: inputs.integer('count', 1, { min: 1, max: 100 }),
    consecutiveErrors: inputs.integer('consecutive-errors', 0, { min: 0, max: 1000 }),
  };
  validateMeasurementPolicy(measurement, plan.intervalMs, judge === 'compare' ? sampleMs : 0);
  const inconclusive = parseInconclusivePolicy(inputs.string('inconclusive', { default: 'continue' }));
  return {
    preset: preset.name,
    names,
    judge,
    baseline,
    control: baseline ? 'baseline' : 'stable',
    alpha,
    spending,
    sampleSeconds: Math.max(1, Math.round(sampleMs / 1000)),
    measurement,
    inconclusive,
  };
}

/** `0.05`, `5%` → 0.05; between 0 and 0.5 (exclusive). */
export function parseAlpha(text: string, input = 'alpha'): number {
  const m = /^(\d*\.?\d+)\s*(%?)$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(v > 0 && v < 0.5)) {
    throw new ConfigurationError(`${input} is "${text}": give the false-abort rate allowed over the whole canary, e.g. 0.05 or 5%.`, { input });
  }
  return v;
}

/** The look number (1-based) of measurement `k` (0-based) of step `index`, and the planned looks. */
export function lookOf(index: number, k: number, steps: number, count: number): { look: number; looks: number } {
  return { look: index * count + k + 1, looks: steps * count };
}
