/**
 * Canary analysis: measured values → verdicts (pure) and the Prometheus queries behind them (the
 * abort rule across steps is src/release's nextPhase). No data is never silently a pass: its policy
 * and reason are explicit.
 */
import { checkUnit, describeThreshold, formatNumber, renderQuery, type MetricCheck, type MetricNames, type NoDataPolicy, type Selectors } from './config.js';
import type { PrometheusClient, Sample } from './prometheus.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface MetricResult {
  name: string;
  query: string;
  value: number | null;
  stableValue?: number | null;
  threshold: string;
  verdict: Verdict;
  reason: string;
}

/** A step's verdict; `skipped` when there was nothing to analyse (metrics: []), which is not a pass. */
export type StepVerdict = Verdict | 'skipped';

export interface StepAnalysis {
  verdict: StepVerdict;
  results: MetricResult[];
  at: string;
}

export interface Measurement {
  /** null: the query returned an empty vector. NaN: it returned NaN (e.g. 0/0 with no requests). */
  value: number | null;
  stableValue?: number | null;
  query: string;
  stableQuery?: string;
  /** The measurement itself failed (Prometheus error, several series): the check fails with this reason. */
  error?: string;
}

export const NO_DATA_EMPTY = 'no data: the query returned an empty vector';
export const NO_DATA_NAN = 'no data: the query returned NaN (no requests in the window?)';

/** Pure: measured values → verdicts (threshold, max-increase vs stable, no-data policy). */
export function judgeStep(checks: MetricCheck[], measured: Measurement[], options: { noData: NoDataPolicy; at?: Date }): StepAnalysis {
  if (measured.length !== checks.length) throw new Error(`judgeStep: ${checks.length} checks but ${measured.length} measurements`);
  const results = checks.map((check, i) => judgeMetric(check, measured[i]!, check.noData ?? options.noData));
  return { verdict: combine(results.map((r) => r.verdict)), results, at: (options.at ?? new Date()).toISOString() };
}

function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

export function judgeMetric(check: MetricCheck, m: Measurement, noData: NoDataPolicy): MetricResult {
  const unit = checkUnit(check);
  const result = (verdict: Verdict, reason: string): MetricResult => ({
    name: check.name,
    query: m.query,
    value: m.value === null || Number.isNaN(m.value) ? null : m.value,
    ...(check.maxIncrease !== undefined ? { stableValue: hasData(m.stableValue) ? m.stableValue : null } : {}),
    threshold: describeThreshold(check),
    verdict,
    reason,
  });
  if (m.error) return result('fail', m.error);
  if (!hasData(m.value)) {
    const what = m.value === null ? NO_DATA_EMPTY : NO_DATA_NAN;
    const verdict: Verdict = noData === 'pass' ? 'pass' : noData === 'inconclusive' ? 'inconclusive' : 'fail';
    return result(verdict, `${what}; no-data: ${noData} makes it ${verdict === 'fail' ? 'a failure' : verdict === 'pass' ? 'a pass' : 'inconclusive'}`);
  }
  const value = m.value;
  const show = (v: number): string => `${formatNumber(v)}${unit}`;
  const reasons: string[] = [];
  let failed = false;
  if (compare(value, check.comparison, check.threshold)) reasons.push(`${show(value)} ${check.comparison} ${show(check.threshold)}`);
  else {
    failed = true;
    reasons.push(`${show(value)} is not ${check.comparison} ${show(check.threshold)}`);
  }
  if (check.maxIncrease !== undefined) {
    const vs = judgeAgainstStable(value, m.stableValue, check);
    reasons.push(vs.reason);
    failed ||= !vs.ok;
  }
  return result(failed ? 'fail' : 'pass', reasons.join('; '));
}

function hasData(v: number | null | undefined): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/**
 * Prometheus's ratios carry float noise (100 × ok/all over identical counters can come back as
 * 99.99999999999999), so values this close to the threshold count as equal to it: `min: 100` must
 * pass a canary that served every request.
 */
function nearlyEqual(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

export function compare(value: number, comparison: MetricCheck['comparison'], threshold: number): boolean {
  const equal = nearlyEqual(value, threshold);
  switch (comparison) {
    case '>=':
      return value >= threshold || equal;
    case '<=':
      return value <= threshold || equal;
    case '>':
      return value > threshold && !equal;
    case '<':
      return value < threshold && !equal;
  }
}

/**
 * max-increase: the canary may be at most X % worse than stable, "worse" in the check's direction:
 * for upper bounds (<=, <: latency) canary ≤ stable × (1 + X/100); for lower bounds (>=, >:
 * success rate) canary ≥ stable × (1 − X/100). Without stable data the comparison is skipped
 * (said in the reason) — at 100 % canary weight the stable track has no traffic by design.
 */
export function judgeAgainstStable(value: number, stable: number | null | undefined, check: MetricCheck): { ok: boolean; reason: string } {
  const x = check.maxIncrease ?? 0;
  if (!hasData(stable)) return { ok: true, reason: 'stable has no data, so the comparison with stable was skipped' };
  const upper = check.comparison === '<=' || check.comparison === '<';
  const limit = upper ? stable * (1 + x / 100) : stable * (1 - x / 100);
  const ok = upper ? value <= limit : value >= limit;
  const change = stable === 0 ? (value === 0 ? 0 : Infinity) : ((value - stable) / Math.abs(stable)) * 100;
  const dir = change >= 0 ? `+${formatNumber(change)}%` : `${formatNumber(change)}%`;
  const allowed = upper ? `+${formatNumber(x)}%` : `-${formatNumber(x)}%`;
  return {
    ok,
    reason: `stable ${formatNumber(stable)}${checkUnit(check)}, canary ${dir} vs stable (${ok ? 'within' : 'beyond'} the allowed ${allowed})`,
  };
}

/**
 * Queries Prometheus for every check (canary, and stable where maxIncrease is set) at one instant
 * and judges. A failed query fails its check with the reason; it never passes silently.
 */
export async function analyseStep(
  client: PrometheusClient,
  checks: MetricCheck[],
  selectors: Selectors,
  options: { windowSeconds: number; noData: NoDataPolicy; signal?: AbortSignal; names?: MetricNames; time?: Date },
): Promise<StepAnalysis> {
  const time = options.time ?? new Date();
  const measured = await Promise.all(
    checks.map(async (check): Promise<Measurement> => {
      const query = renderQuery(check, selectors.canary, options.windowSeconds, options.names);
      const stableQuery = check.maxIncrease !== undefined ? renderQuery(check, selectors.stable, options.windowSeconds, options.names) : undefined;
      const [canary, stable] = await Promise.all([
        measure(client, query, time, options.signal),
        stableQuery !== undefined ? measure(client, stableQuery, time, options.signal) : undefined,
      ]);
      const error = canary.error ?? (stable?.error !== undefined ? `stable track: ${stable.error}` : undefined);
      return { query, value: canary.value, stableQuery, stableValue: stable?.value, ...(error !== undefined ? { error } : {}) };
    }),
  );
  return judgeStep(checks, measured, { noData: options.noData, at: time });
}

async function measure(client: PrometheusClient, query: string, time: Date, signal?: AbortSignal): Promise<{ value: number | null; error?: string }> {
  let samples: Sample[];
  try {
    samples = await client.query(query, { time, signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    return { value: null, error: `Prometheus query failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return valueOf(samples);
}

/** One sample → its value; none → null (no data); several → an error (the check must aggregate). */
export function valueOf(samples: Sample[]): { value: number | null; error?: string } {
  if (samples.length === 0) return { value: null };
  if (samples.length === 1) return { value: samples[0]!.value };
  const shown = samples
    .slice(0, 3)
    .map(
      (s) =>
        `{${Object.entries(s.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`,
    )
    .join(', ');
  return {
    value: null,
    error: `the query returned ${samples.length} series (${shown}${samples.length > 3 ? ', …' : ''}); aggregate it to one value, e.g. with sum(...)`,
  };
}

export interface AnalysisSeries {
  /** One per step, e.g. "10%". */
  labels: string[];
  /** Per metric (and per metric's stable track where compared): values per step, NaN where no data. */
  series: Array<{ name: string; metric: string; track: 'canary' | 'stable'; unit: string; values: number[] }>;
}

/** Pure: the data for a chart across steps (SummaryBuilder.xyChart takes labels and series of one unit). */
export function analysisSeries(steps: Array<{ weight: number; analysis: StepAnalysis }>, units: Record<string, string> = {}): AnalysisSeries {
  const labels = steps.map((s) => `${s.weight}%`);
  const names: string[] = [];
  for (const s of steps) for (const r of s.analysis.results) if (!names.includes(r.name)) names.push(r.name);
  const series: AnalysisSeries['series'] = [];
  for (const metric of names) {
    const results = steps.map((s) => s.analysis.results.find((r) => r.name === metric));
    const unit = units[metric] ?? unitFromThreshold(results.find((r) => r)?.threshold ?? '');
    series.push({ name: metric, metric, track: 'canary', unit, values: results.map((r) => r?.value ?? NaN) });
    if (results.some((r) => r && r.stableValue !== undefined)) {
      series.push({ name: `${metric} (stable)`, metric, track: 'stable', unit, values: results.map((r) => r?.stableValue ?? NaN) });
    }
  }
  return { labels, series };
}

function unitFromThreshold(threshold: string): string {
  const m = /^[<>]=? -?[\d.e+]+(%|ms)?/.exec(threshold);
  return m?.[1] ?? '';
}
