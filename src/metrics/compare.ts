/**
 * `judge: compare`: the canary against a baseline started with it (same image as stable, same
 * traffic share), per metric, over everything measured since the canary took traffic.
 * - latency and custom queries: Mann-Whitney U on per-sample values (Kayenta's default judge)
 *   with the margin `max-increase` (% of the baseline, default 10 %) built into the null hypothesis;
 * - success rate: the error rates as two proportions, the margin in percentage points.
 * Each look tests at the alpha its share of the canary's information may spend (statistics.ts),
 * so the chance of a false abort over the whole canary stays at most `alpha` (docs/decisions/0041).
 */
import { DEFAULT_METRIC_NAMES, checkUnit, compareMargin, formatNumber, renderQuery, type MetricCheck, type MetricNames } from './config.js';
import { joinMatchers } from './preflight.js';
import type { PrometheusClient } from './prometheus.js';
import {
  alphaForFraction,
  alphaForLook,
  formatP,
  hodgesLehmann,
  mannWhitneyGreater,
  median,
  twoProportionsGreater,
  type InformationBasis,
  type SpendingFunction,
} from './statistics.js';

export interface CompareSettings {
  /** The chance of a false abort allowed over the whole canary. Default 0.05. */
  alpha: number;
  spending: SpendingFunction;
  /** This look (1-based) of the planned looks (steps × count). */
  look: number;
  looks: number;
  /**
   * The information fraction of every planned look, per basis (statistics.informationFractions):
   * alpha is spent by information, not by look count. Without it, t = look / looks.
   */
  information?: Record<InformationBasis, readonly number[]>;
  /** What the canary is compared with, for messages: `baseline` (default) or `stable`. */
  control?: 'baseline' | 'stable';
}

export const DEFAULT_ALPHA = 0.05;
/** Fewer samples per side than this cannot reach any useful level: no data. */
export const MIN_SAMPLES = 3;

export interface CompareOutcome {
  /** false: the canary is worse beyond the margin; true: not shown to be; null: not enough data to compare. */
  ok: boolean | null;
  /** The canary's and the baseline's summary: median of the samples, or the success rate in %. */
  canary: number | null;
  baseline: number | null;
  /** `+12 ms (+8.1%)`, `-0.8 points`. */
  difference: string;
  pValue: number | null;
  /** A one-sided confidence bound of the difference, where the test gives one. */
  bound?: string;
  /** The level this look was tested at. */
  alpha: number;
  reason: string;
}

export interface SuccessCounts {
  canaryRequests: number;
  canaryErrors: number;
  baselineRequests: number;
  baselineErrors: number;
}

/** Higher values are worse for upper-bound checks (latency, `max:`), lower ones for lower bounds. */
function higherIsWorse(check: MetricCheck): boolean {
  return check.comparison === '<=' || check.comparison === '<';
}

function levelOf(s: CompareSettings, basis: InformationBasis): number {
  const fractions = s.information?.[basis];
  return fractions ? alphaForFraction(s.look, fractions, s.alpha, s.spending) : alphaForLook(s.look, s.looks, s.alpha, s.spending);
}

/** Pure: Mann-Whitney of canary samples against baseline samples, the margin relative to the baseline. */
export function compareSamples(check: MetricCheck, canary: readonly number[], baseline: readonly number[], s: CompareSettings): CompareOutcome {
  const alpha = levelOf(s, 'samples');
  const ctl = s.control ?? 'baseline';
  const c = canary.filter(Number.isFinite);
  const b = baseline.filter(Number.isFinite);
  const unit = checkUnit(check);
  if (c.length < MIN_SAMPLES || b.length < MIN_SAMPLES) {
    return {
      ok: null,
      canary: c.length ? median(c) : null,
      baseline: b.length ? median(b) : null,
      difference: '',
      pValue: null,
      alpha,
      reason: `no data to compare: ${c.length} canary and ${b.length} ${ctl} samples (at least ${MIN_SAMPLES} each)`,
    };
  }
  const m = compareMargin(check) / 100;
  const worse = higherIsWorse(check);
  // H0: the canary is at most m worse than the baseline; the baseline is scaled by the margin.
  const test = worse
    ? mannWhitneyGreater(
        c,
        b.map((v) => v * (1 + m)),
      )
    : mannWhitneyGreater(
        b.map((v) => v * (1 - m)),
        c,
      );
  const mc = median(c);
  const mb = median(b);
  const shift = hodgesLehmann(c, b);
  const rel = mb !== 0 ? ` (${(mc - mb) / Math.abs(mb) >= 0 ? '+' : ''}${formatNumber(((mc - mb) / Math.abs(mb)) * 100)}%)` : '';
  const difference = `${shift >= 0 ? '+' : ''}${formatNumber(shift)}${unit}${rel}`;
  const ok = !(test.pValue < alpha);
  const margin = m > 0 ? ` by more than ${formatNumber(m * 100)}%` : '';
  const verdictText = ok ? `not shown to be ${worse ? 'higher' : 'lower'} than the ${ctl}${margin}` : `${worse ? 'higher' : 'lower'} than the ${ctl}${margin}`;
  return {
    ok,
    canary: mc,
    baseline: mb,
    difference,
    pValue: test.pValue,
    alpha,
    reason: `canary median ${formatNumber(mc)}${unit} vs ${ctl} ${formatNumber(mb)}${unit} over ${c.length}/${b.length} samples: ${verdictText} (Mann-Whitney p=${formatP(test.pValue)} ${ok ? '≥' : '<'} α=${formatP(alpha)} at look ${s.look} of ${s.looks})`,
  };
}

/** Pure: the error rates as two proportions; `max-increase` is the allowed rise in percentage points. */
export function compareErrorRates(check: MetricCheck, n: SuccessCounts, s: CompareSettings): CompareOutcome {
  const alpha = levelOf(s, 'counts');
  const ctl = s.control ?? 'baseline';
  const rate = (errors: number, requests: number): number | null => (requests > 0 ? 100 * (1 - errors / requests) : null);
  const canary = rate(n.canaryErrors, n.canaryRequests);
  const baseline = rate(n.baselineErrors, n.baselineRequests);
  if (canary === null || baseline === null) {
    return {
      ok: null,
      canary,
      baseline,
      difference: '',
      pValue: null,
      alpha,
      reason: `no data to compare: ${n.canaryRequests} canary and ${n.baselineRequests} ${ctl} requests`,
    };
  }
  const margin = compareMargin(check) / 100;
  const test = twoProportionsGreater(n.canaryErrors, n.canaryRequests, n.baselineErrors, n.baselineRequests, margin, alpha);
  const ok = !(test.pValue < alpha);
  const marginText = margin > 0 ? ` by more than ${formatNumber(margin * 100)} points` : '';
  const points = canary - baseline;
  const low = 100 * test.lowerBound;
  return {
    ok,
    canary,
    baseline,
    difference: `${points >= 0 ? '+' : ''}${formatNumber(points)} points`,
    pValue: test.pValue,
    bound: `error rate ≥ ${ctl} ${low >= 0 ? '+' : ''}${formatNumber(low)} points (${formatNumber(100 * (1 - alpha))}% one-sided)`,
    alpha,
    reason:
      `errors ${n.canaryErrors}/${n.canaryRequests} (canary) vs ${n.baselineErrors}/${n.baselineRequests} (${ctl}): ` +
      `${ok ? 'error rate not shown to be higher' : 'error rate higher'} than the ${ctl}'s${marginText} ` +
      `(two proportions p=${formatP(test.pValue)} ${ok ? '≥' : '<'} α=${formatP(alpha)} at look ${s.look} of ${s.looks})`,
  };
}

export interface CompareWindow {
  /** The canary and the baseline took traffic from here on (same weight, started together). */
  since: Date;
  until: Date;
  /** Length of one sample for Mann-Whitney (also the rate() window of each); non-overlapping. */
  sampleSeconds: number;
  names?: MetricNames;
  signal?: AbortSignal;
}

/** Measures one check for the comparison: counts for a success rate, samples otherwise. */
export async function measureComparison(
  client: PrometheusClient,
  check: MetricCheck,
  selectors: { canary: string; baseline: string },
  w: CompareWindow,
): Promise<{ counts?: SuccessCounts; canary?: number[]; baseline?: number[] }> {
  const names = w.names ?? DEFAULT_METRIC_NAMES;
  if (check.template === 'success-rate') {
    const range = `${Math.max(1, Math.round((w.until.getTime() - w.since.getTime()) / 1000))}s`;
    const count = async (sel: string, errorsOnly: boolean): Promise<number> => {
      const matchers = joinMatchers(sel, names.matchers, errorsOnly ? `${names.codeLabel}=~${JSON.stringify(names.errorCodes)}` : '');
      const samples = await client.query(`sum(increase(${names.requests}{${matchers}}[${range}]))`, { time: w.until, signal: w.signal });
      // No error series at all is zero errors; increase() extrapolates, so counts are rounded.
      return samples.length ? Math.max(0, Math.round(samples[0]!.value)) : 0;
    };
    const [canaryRequests, canaryErrors, baselineRequests, baselineErrors] = await Promise.all([
      count(selectors.canary, false),
      count(selectors.canary, true),
      count(selectors.baseline, false),
      count(selectors.baseline, true),
    ]);
    return { counts: { canaryRequests, canaryErrors, baselineRequests, baselineErrors } };
  }
  const step = Math.max(1, Math.round(w.sampleSeconds));
  const start = new Date(w.since.getTime() + step * 1000);
  if (start.getTime() > w.until.getTime()) return { canary: [], baseline: [] };
  const samples = async (sel: string): Promise<number[]> => {
    const series = await client.queryRange(renderQuery(check, sel, step, names), { start, end: w.until, stepSeconds: step, signal: w.signal });
    if (series.length > 1) throw new Error(`the query returned ${series.length} series; aggregate it to one value, e.g. with sum(...)`);
    return (series[0]?.values ?? []).map(([, v]) => v).filter(Number.isFinite);
  };
  const [canary, baseline] = await Promise.all([samples(selectors.canary), samples(selectors.baseline)]);
  return { canary, baseline };
}

/** Measures and judges one check. A failed query is an error (the check fails), never a pass. */
export async function compareCheck(
  client: PrometheusClient,
  check: MetricCheck,
  selectors: { canary: string; baseline: string },
  w: CompareWindow,
  s: CompareSettings,
): Promise<CompareOutcome> {
  const m = await measureComparison(client, check, selectors, w);
  return m.counts ? compareErrorRates(check, m.counts, s) : compareSamples(check, m.canary ?? [], m.baseline ?? [], s);
}
