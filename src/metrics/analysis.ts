/**
 * Canary analysis: measured values → verdicts (pure) and the Prometheus queries behind them (the
 * abort rule across steps is src/release's nextPhase). No data is never silently a pass: its policy
 * and reason are explicit.
 */
import { checkUnit, describeThreshold, formatNumber, renderQuery, type MetricCheck, type MetricNames, type NoDataPolicy, type Selectors } from './config.js';
import type { PrometheusClient, Sample } from './prometheus.js';
import { preflightTrack } from './preflight.js';
import { compareCheck, type CompareOutcome, type CompareSettings, type CompareWindow } from './compare.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface MetricResult {
  name: string;
  query: string;
  value: number | null;
  stableValue?: number | null;
  threshold: string;
  verdict: Verdict;
  reason: string;
  /** judge: compare — the baseline's value, the difference, the test's p-value and bound, the level of this look. */
  baselineValue?: number | null;
  difference?: string;
  pValue?: number | null;
  bound?: string;
  alpha?: number;
  /** The value could not be measured (Prometheus failed): `consecutive-errors` may tolerate it. */
  measurementError?: boolean;
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
  /** judge: compare — the comparison with the baseline (replaces the point comparison with stable). */
  comparison?: CompareOutcome;
  /** The canary's series are missing or unreadable (pre-flight on the canary track): no data that can never pass. */
  missingSeries?: string;
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
    ...(check.maxIncrease !== undefined && !m.comparison ? { stableValue: hasData(m.stableValue) ? m.stableValue : null } : {}),
    threshold: describeThreshold(check, m.comparison ? 'baseline' : 'stable'),
    verdict,
    reason,
    ...(m.comparison
      ? {
          baselineValue: m.comparison.baseline,
          difference: m.comparison.difference,
          pValue: m.comparison.pValue,
          ...(m.comparison.bound !== undefined ? { bound: m.comparison.bound } : {}),
          alpha: m.comparison.alpha,
        }
      : {}),
  });
  if (m.error) return { ...result('fail', m.error), measurementError: true };
  if (m.missingSeries !== undefined) {
    // A policy of `pass` covers a quiet window, not a canary whose series are not there.
    const verdict: Verdict = noData === 'inconclusive' ? 'inconclusive' : 'fail';
    return result(verdict, `no data: ${m.missingSeries}; missing series never pass (${verdict === 'fail' ? 'a failure' : 'inconclusive'})`);
  }
  if (!hasData(m.value)) {
    const what = m.value === null ? NO_DATA_EMPTY : NO_DATA_NAN;
    return result(NO_DATA_VERDICT[noData], `${what}; ${noDataWords(noData)}`);
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
  if (m.comparison) {
    reasons.push(m.comparison.reason);
    failed ||= m.comparison.ok === false;
    if (m.comparison.ok === null && !failed) return result(NO_DATA_VERDICT[noData], `${reasons.join('; ')}; ${noDataWords(noData)}`);
  } else if (check.maxIncrease !== undefined) {
    const vs = judgeAgainstStable(value, m.stableValue, check);
    reasons.push(vs.reason);
    failed ||= !vs.ok;
  }
  return result(failed ? 'fail' : 'pass', reasons.join('; '));
}

const NO_DATA_VERDICT: Record<NoDataPolicy, Verdict> = { pass: 'pass', inconclusive: 'inconclusive', fail: 'fail' };

function noDataWords(noData: NoDataPolicy): string {
  return `no-data: ${noData} makes it ${{ fail: 'a failure', pass: 'a pass', inconclusive: 'inconclusive' }[noData]}`;
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
  options: {
    windowSeconds: number;
    noData: NoDataPolicy;
    signal?: AbortSignal;
    names?: MetricNames;
    time?: Date;
    /** Check the canary's series first (after the first step): missing or unreadable → no data, never a pass. */
    requireSeries?: boolean;
    /** judge: compare — against the baseline's selector, over everything since both took traffic. */
    compare?: { baseline: string; since: Date; sampleSeconds: number; settings: CompareSettings };
  },
): Promise<StepAnalysis> {
  const time = options.time ?? new Date();
  const missing = new Map<string, string>();
  if (options.requireSeries) {
    const problems = await preflightTrack(client, checks, selectors.canary, { names: options.names, track: 'canary', signal: options.signal });
    if (options.compare) {
      const baseline = await preflightTrack(client, checks, options.compare.baseline, { names: options.names, track: 'baseline', signal: options.signal });
      problems.push(...baseline);
    }
    for (const p of problems) {
      const text = `${p.track === 'canary' ? '' : `${p.track}: `}${p.problem}${p.found.length ? ` (found ${p.found.join(', ')})` : ''}; fix: ${p.fix}`;
      for (const name of p.checks) if (!missing.has(name)) missing.set(name, text);
    }
  }
  const measured = await Promise.all(
    checks.map(async (check): Promise<Measurement> => {
      if (missing.has(check.name)) {
        return { query: renderQuery(check, selectors.canary, options.windowSeconds, options.names), value: null, missingSeries: missing.get(check.name)! };
      }
      const query = renderQuery(check, selectors.canary, options.windowSeconds, options.names);
      const compare = options.compare;
      const stableQuery = check.maxIncrease !== undefined && !compare ? renderQuery(check, selectors.stable, options.windowSeconds, options.names) : undefined;
      const [canary, stable, comparison] = await Promise.all([
        measure(client, query, time, options.signal),
        stableQuery !== undefined ? measure(client, stableQuery, time, options.signal) : undefined,
        compare
          ? compareOrError(
              client,
              check,
              { canary: selectors.canary, baseline: compare.baseline },
              { since: compare.since, until: time, sampleSeconds: compare.sampleSeconds, names: options.names, signal: options.signal },
              compare.settings,
            )
          : undefined,
      ]);
      const error =
        canary.error ??
        (stable?.error !== undefined ? `stable track: ${stable.error}` : undefined) ??
        (typeof comparison === 'string' ? `comparison with the baseline: ${comparison}` : undefined);
      return {
        query,
        value: canary.value,
        stableQuery,
        stableValue: stable?.value,
        ...(comparison && typeof comparison !== 'string' ? { comparison } : {}),
        ...(error !== undefined ? { error } : {}),
      };
    }),
  );
  return judgeStep(checks, measured, { noData: options.noData, at: time });
}

/** The comparison, or the reason it could not be measured (the check then fails: never a silent pass). */
async function compareOrError(
  client: PrometheusClient,
  check: MetricCheck,
  selectors: { canary: string; baseline: string },
  window: CompareWindow,
  settings: CompareSettings,
): Promise<CompareOutcome | string> {
  try {
    return await compareCheck(client, check, selectors, window, settings);
  } catch (err) {
    if (window.signal?.aborted) throw window.signal.reason;
    return err instanceof Error ? err.message : String(err);
  }
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
  series: Array<{ name: string; metric: string; track: 'canary' | 'stable' | 'baseline'; unit: string; values: number[] }>;
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
    if (results.some((r) => r && r.baselineValue !== undefined)) {
      series.push({ name: `${metric} (baseline)`, metric, track: 'baseline', unit, values: results.map((r) => r?.baselineValue ?? NaN) });
    }
  }
  return { labels, series };
}

function unitFromThreshold(threshold: string): string {
  const m = /^[<>]=? -?[\d.e+]+(%|ms)?/.exec(threshold);
  return m?.[1] ?? '';
}
