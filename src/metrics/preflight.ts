/**
 * Pre-flight of the metrics before a canary starts: every check's selector must match stable
 * series, and the label carrying the status must be on them with values the success rate can
 * read. Otherwise the canary would be judged on nothing (`code!~"5.."` over series without `code`
 * is 100 %) — so it is refused, with the series found and the fix. The same test on the canary
 * track after a step tells "no canary series" (no data, never a pass) from a healthy canary.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { DEFAULT_METRIC_NAMES, type MetricCheck, type MetricNames } from './config.js';
import { PRESETS, STATUS_PATTERNS, presetsMatching } from './presets.js';
import type { PrometheusClient, Sample } from './prometheus.js';

export type Track = 'stable' | 'canary' | 'baseline';

export interface PreflightProblem {
  /** The check(s) concerned. */
  checks: string[];
  track: Track;
  problem: string;
  /** Series found, as `name{label="value",…}` (at most a few). */
  found: string[];
  fix: string;
}

const SHOW = 5;

/** `name{a="b",c="d"}` from a sample's labels (without Prometheus's target labels job/instance). */
export function formatSeries(labels: Record<string, string>, hide: readonly string[] = []): string {
  const { __name__: name = '', ...rest } = labels;
  const inner = Object.entries(rest)
    .filter(([k]) => !hide.includes(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${name}{${inner}}`;
}

/** Label matchers (no braces) joined: the track selector, the preset's fixed matchers, extras. */
export function joinMatchers(...parts: Array<string | undefined>): string {
  return parts
    .map((p) =>
      (p ?? '')
        .trim()
        .replace(/^\{|\}$/g, '')
        .trim(),
    )
    .filter((p) => p !== '')
    .join(',');
}

/**
 * Pure: the status label on the request series. Missing on some series, or values that are
 * neither the preset's form nor its extra values → a problem with the fix (another preset, or
 * status-label / status-form).
 */
export function assessStatusLabel(series: Sample[], names: MetricNames): { problem: string; fix: string; found: string[] } | undefined {
  const label = names.codeLabel;
  const form = names.statusForm ?? 'code';
  const hide = selectorLabels(series);
  const missing = series.filter((s) => s.labels[label] === undefined || s.labels[label] === '');
  if (missing.length > 0) {
    const guess = guessStatusLabel(missing);
    const preset = guess
      ? PRESETS.find((p) => p.names.requests === names.requests && p.names.codeLabel === guess.label && (p.names.statusForm ?? 'code') === guess.form)
      : undefined;
    return {
      problem: `${missing.length} of ${series.length} ${names.requests} series have no "${label}" label, so a success rate over them would count every request as a success`,
      found: missing.slice(0, SHOW).map((s) => formatSeries(s.labels, hide)),
      fix: guess
        ? preset
          ? `the status is in "${guess.label}" (${guess.form === 'class' ? 'classes such as 5xx' : 'codes such as 500'}): set metrics-preset: ${preset.name}`
          : `the status is in "${guess.label}": set status-label: ${guess.label}${guess.form !== form ? ` and status-form: ${guess.form}` : ''}`
        : `give the label that holds the HTTP status with status-label (the series carry ${labelNames(missing).join(', ') || 'no labels'})`,
    };
  }
  const allowed = (v: string): boolean => STATUS_PATTERNS[form].test(v) || (names.extraStatusValues ?? []).includes(v);
  const values = [...new Set(series.map((s) => s.labels[label]!))].sort();
  const unreadable = values.filter((v) => !allowed(v));
  if (unreadable.length === 0) return undefined;
  const other = form === 'code' ? 'class' : 'code';
  const fitsOther = unreadable.every((v) => STATUS_PATTERNS[other].test(v));
  const preset = fitsOther
    ? PRESETS.find((p) => p.names.requests === names.requests && p.names.codeLabel === label && (p.names.statusForm ?? 'code') === other)
    : undefined;
  return {
    problem: `"${label}" has the value${unreadable.length > 1 ? 's' : ''} ${unreadable.map((v) => JSON.stringify(v)).join(', ')}, which ${unreadable.length > 1 ? 'are' : 'is'} not ${form === 'code' ? 'a status code such as 500' : 'a status class such as 5xx'}`,
    found: series
      .filter((s) => unreadable.includes(s.labels[label]!))
      .slice(0, SHOW)
      .map((s) => formatSeries(s.labels, hide)),
    fix: fitsOther
      ? preset
        ? `set metrics-preset: ${preset.name}`
        : `set status-form: ${other} (the values are ${other === 'class' ? 'classes such as 5xx' : 'codes such as 500'})`
      : `the success rate reads codes (500) or classes (5xx) only: point status-label at the label with the HTTP status, or write a custom query check`,
  };
}

/** The label whose values all look like statuses, and their form. */
function guessStatusLabel(series: Sample[]): { label: string; form: 'code' | 'class' } | undefined {
  for (const label of labelNames(series)) {
    const values = series.map((s) => s.labels[label] ?? '');
    for (const form of ['code', 'class'] as const) {
      if (values.every((v) => STATUS_PATTERNS[form].test(v))) return { label, form };
    }
  }
  return undefined;
}

function labelNames(series: Sample[]): string[] {
  const all = new Set<string>();
  for (const s of series) for (const k of Object.keys(s.labels)) if (k !== '__name__') all.add(k);
  return [...all].sort();
}

/** Labels equal on every series (the selector's own, job, …): left out when showing series. */
function selectorLabels(series: Sample[]): string[] {
  if (series.length < 2) return [];
  return labelNames(series).filter((k) => series.every((s) => s.labels[k] === series[0]!.labels[k]));
}

/**
 * Runs the pre-flight for one track and returns its problems (none: the checks can be judged).
 * Prometheus failures propagate (they are not the configuration's fault).
 */
export async function preflightTrack(
  client: PrometheusClient,
  checks: MetricCheck[],
  selector: string,
  options: { names?: MetricNames; track?: Track; signal?: AbortSignal } = {},
): Promise<PreflightProblem[]> {
  const names = options.names ?? DEFAULT_METRIC_NAMES;
  const track = options.track ?? 'stable';
  const q = (promql: string): Promise<Sample[]> => client.query(promql, { signal: options.signal });
  const problems: PreflightProblem[] = [];
  const templated = checks.filter((c) => c.template !== 'query');
  const sel = joinMatchers(selector, names.matchers);

  const successChecks = templated.filter((c) => c.template === 'success-rate').map((c) => c.name);
  const latencyChecks = templated.filter((c) => c.template === 'latency').map((c) => c.name);
  if (templated.length > 0) {
    const series = await q(`${names.requests}{${sel}}`);
    if (series.length === 0) {
      problems.push(
        await noSeriesProblem(
          q,
          templated.map((c) => c.name),
          track,
          selector,
          names,
        ),
      );
    } else if (successChecks.length > 0) {
      const status = assessStatusLabel(series, names);
      if (status) problems.push({ checks: successChecks, track, ...status });
    }
  }
  if (latencyChecks.length > 0 && !problems.some((p) => p.problem.startsWith('no '))) {
    const buckets = await q(`count by (le) (${names.duration}_bucket{${sel}})`);
    if (buckets.length === 0) {
      const related = await q(`count by (__name__) ({__name__=~${JSON.stringify(`${escapeRegex(names.duration)}(_.+)?`)},${joinMatchers(selector)}})`);
      const preset = PRESETS.find((p) => p.names.duration === names.duration && p.histogramHint);
      problems.push({
        checks: latencyChecks,
        track,
        problem: `no ${names.duration}_bucket series match {${sel}}, so there is no histogram to take a latency quantile from`,
        found: related
          .map((s) => s.labels.__name__ ?? '')
          .filter(Boolean)
          .sort()
          .slice(0, SHOW),
        fix: preset?.histogramHint
          ? preset.histogramHint
          : `give the latency histogram (its name without _bucket) with duration-metric, or a preset that fits your instrumentation`,
      });
    }
  }
  for (const check of checks.filter((c) => c.template === 'query')) {
    if ((check.query ?? '').match(/\{\{\s*selector\s*\}\}/) === null) continue;
    const any = await q(`count({${joinMatchers(selector)}})`);
    if (any.length === 0 || any[0]!.value === 0) {
      problems.push({
        checks: [check.name],
        track,
        problem: `no series at all match {${joinMatchers(selector)}}`,
        found: [],
        fix: `check that Prometheus scrapes the ${track} with these labels (metric-labels, track-label)`,
      });
    }
  }
  return problems;
}

async function noSeriesProblem(
  q: (promql: string) => Promise<Sample[]>,
  checks: string[],
  track: Track,
  selector: string,
  names: MetricNames,
): Promise<PreflightProblem> {
  const bare = joinMatchers(selector);
  const under = bare ? await q(`count by (__name__) ({${bare}})`) : [];
  const metricNames = under
    .map((s) => s.labels.__name__ ?? '')
    .filter(Boolean)
    .sort();
  if (metricNames.length === 0) {
    return {
      checks,
      track,
      problem: `no series at all match {${bare}}`,
      found: [],
      fix: `check that Prometheus scrapes the ${track} and gives its series these labels (metric-labels, track-label); ${PRESETS[0]!.trackHint}`,
    };
  }
  const presets = presetsMatching(metricNames).filter((p) => p.names.requests !== names.requests);
  const app = metricNames.filter((n) => /request|http|status|response/i.test(n));
  return {
    checks,
    track,
    problem: `no ${names.requests} series match {${joinMatchers(selector, names.matchers)}}`,
    found: (app.length ? app : metricNames).slice(0, SHOW * 2),
    fix: presets.length
      ? `these series look like ${presets.map((p) => p.source).join(' or ')}: set metrics-preset: ${presets.map((p) => p.name).join(' or ')}`
      : `give your request counter with requests-metric (and status-label, duration-metric), or a custom query check`,
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One ConfigurationError listing every problem with its series and fix (input: metrics). */
export function preflightError(problems: PreflightProblem[], input = 'metrics'): ConfigurationError {
  const lines = problems.map((p) => {
    const found = p.found.length ? ` Found: ${p.found.join(', ')}.` : '';
    return `${p.checks.join(', ')} (${p.track}): ${p.problem}.${found} Fix: ${p.fix}.`;
  });
  return new ConfigurationError(`The metrics cannot judge this canary, so it was not started:\n${lines.map((l) => `- ${l}`).join('\n')}`, { input });
}

/** Throws preflightError when the stable track's series cannot be judged. */
export async function assertJudgeable(
  client: PrometheusClient,
  checks: MetricCheck[],
  selector: string,
  options: { names?: MetricNames; track?: Track; signal?: AbortSignal; input?: string } = {},
): Promise<void> {
  const problems = await preflightTrack(client, checks, selector, options);
  if (problems.length) throw preflightError(problems, options.input);
}
