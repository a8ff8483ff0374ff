/**
 * The `metrics` configuration: a list of checks, each a built-in template (`success-rate`,
 * `latency`) or a custom PromQL `query`, validated in full before anything runs, and expanded to
 * PromQL per track.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { assertKnownKeys, closest, parseDuration, parseEnum } from '../runtime/parse.js';
import { describeValue, isObject } from '../util/shape.js';

export type NoDataPolicy = 'fail' | 'inconclusive' | 'pass';
export const NO_DATA_POLICIES: readonly NoDataPolicy[] = ['fail', 'inconclusive', 'pass'];
export type Comparison = '>=' | '<=' | '>' | '<';
export const COMPARISONS: readonly Comparison[] = ['>=', '<=', '>', '<'];
export type MetricTemplate = 'success-rate' | 'latency' | 'query';
export const TEMPLATES: readonly MetricTemplate[] = ['success-rate', 'latency', 'query'];

export interface MetricCheck {
  name: string;
  template: MetricTemplate;
  /** success-rate: minimum %, latency: max ms, query: threshold value */
  threshold: number;
  comparison: Comparison;
  /** latency, default 0.95 */
  quantile?: number;
  /** custom PromQL; may use {{selector}} and {{window}} */
  query?: string;
  /** percent; canary may be at most this much worse than stable (see judgeAgainstStable) */
  maxIncrease?: number;
  /** overrides the global policy */
  noData?: NoDataPolicy;
}

/** The metric names the templates use; the defaults follow Prometheus's naming conventions. */
export interface MetricNames {
  /** Counter of requests with a status code label. */
  requests: string;
  /** Histogram of request durations in seconds (its `_bucket` series is used). */
  duration: string;
  /** The label on `requests` that holds the status code. */
  codeLabel: string;
  /** Regex of the codes that count as failures. */
  errorCodes: string;
  /** How the status is written: `500` (code, the default) or `5xx` (class). */
  statusForm?: StatusForm;
  /** Unit of the duration histogram's buckets. Default seconds. */
  durationUnit?: 'seconds' | 'milliseconds';
  /** Label matchers every template query adds (e.g. `reporter="destination"`). */
  matchers?: string;
  /** Status values that fit neither form but the instrumentation writes (Envoy's `0`). */
  extraStatusValues?: readonly string[];
}

export type StatusForm = 'code' | 'class';

export const DEFAULT_METRIC_NAMES: MetricNames = {
  requests: 'http_requests_total',
  duration: 'http_request_duration_seconds',
  codeLabel: 'code',
  errorCodes: '5..',
};

/** Selectors (label matchers without braces) for the two tracks, e.g. `job="app",track="canary"`. */
export interface Selectors {
  canary: string;
  stable: string;
  /** The baseline track (judge: compare with a baseline). */
  baseline?: string;
}

const ENTRY_KEYS = ['name', 'template', 'min', 'max', 'threshold', 'comparison', 'quantile', 'query', 'max-increase', 'no-data'] as const;
const PLACEHOLDERS = ['selector', 'window'];

/**
 * Validates the `metrics` YAML (a list, or `{ metrics: [...] }`) and returns the checks. Every
 * mistake is a ConfigurationError naming `source`, the entry and the field.
 *
 * Entry shapes:
 *   - { name, template: success-rate, min: 99 | "99%" }
 *   - { name, template: latency, quantile: 0.95 | "p95", max: 250 | "250ms" | "1s" }   (bare numbers are ms)
 *   - { name, query: "PromQL with {{selector}} and {{window}}", min | max | threshold + comparison }
 *   - any: max-increase: "20%", no-data: fail | inconclusive | pass
 * `template` may be left out when `query` is given (→ query) or the name is a template's name.
 */
export function parseMetricChecks(value: unknown, source: string): MetricCheck[] {
  let list = value;
  if (isObject(value)) {
    assertKnownKeys(value, ['metrics'], source);
    list = value.metrics;
  }
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    throw new ConfigurationError(`${source}: give a list of checks (or "metrics:" with a list), not ${describeValue(list)}.`, { input: source });
  }
  const checks = list.map((entry, i) => parseEntry(entry, i, source));
  const seen = new Set<string>();
  checks.forEach((c, i) => {
    if (seen.has(c.name)) {
      throw new ConfigurationError(`${source}: metrics[${i}] repeats the name "${c.name}"; give each check its own name.`, {
        input: `${source}.metrics[${i}].name`,
      });
    }
    seen.add(c.name);
  });
  return checks;
}

function parseEntry(entry: unknown, index: number, source: string): MetricCheck {
  const at = `metrics[${index}]`;
  if (!isObject(entry)) {
    throw new ConfigurationError(`${source}: ${at} must be a mapping with name, template and a threshold, not ${describeValue(entry)}.`, {
      input: `${source}.${at}`,
    });
  }
  const label = typeof entry.name === 'string' && entry.name.trim() ? `${at} ("${entry.name.trim()}")` : at;
  const where = `${source}: ${label}`;
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${where}: ${field} ${message}`, { input: `${source}.${at}.${field}` });
  };
  assertKnownKeys(entry, ENTRY_KEYS, where);

  if (typeof entry.name !== 'string' || entry.name.trim() === '') fail('name', 'is missing: give each check a name, e.g. name: success-rate.');
  const name = (entry.name as string).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,62}$/.test(name)) {
    fail('name', `is "${name}": use letters, digits, spaces, "-", "_" or "." (at most 63).`);
  }

  let template: MetricTemplate;
  if (entry.template !== undefined) {
    if (typeof entry.template !== 'string') fail('template', `must be one of ${TEMPLATES.join(', ')}.`);
    template = parseEnum(entry.template as string, `${where}: template`, TEMPLATES);
  } else if (entry.query !== undefined) template = 'query';
  else if (name === 'success-rate' || name === 'latency') template = name;
  else {
    const near = closest(name, ['success-rate', 'latency']);
    return fail('template', `is missing: give template: success-rate or latency, or a custom query.${near ? ` Did you mean template: ${near}?` : ''}`);
  }

  const check: Partial<MetricCheck> & { name: string; template: MetricTemplate } = { name, template };
  const has = (k: string): boolean => entry[k] !== undefined && entry[k] !== null;

  if (template === 'query') {
    if (typeof entry.query !== 'string' || entry.query.trim() === '') fail('query', 'is missing: a custom check needs a PromQL query.');
    check.query = (entry.query as string).trim();
    for (const m of check.query.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!PLACEHOLDERS.includes(m[1]!)) {
        const near = closest(m[1]!, PLACEHOLDERS);
        fail('query', `uses {{${m[1]}}}; the placeholders are {{selector}} and {{window}}.${near ? ` Did you mean {{${near}}}?` : ''}`);
      }
    }
  } else if (has('query')) fail('query', `is for custom checks; the ${template} template builds its own query.`);

  if (template !== 'latency' && has('quantile')) fail('quantile', 'only applies to template: latency.');
  if (template === 'latency') check.quantile = has('quantile') ? parseQuantile(entry.quantile, (m) => fail('quantile', m)) : 0.95;

  const bounds = ['min', 'max', 'threshold'].filter(has);
  if (bounds.length === 0) {
    const hint = template === 'success-rate' ? 'min: 99 (percent)' : template === 'latency' ? 'max: 500ms' : 'max: 5 (or min:, or threshold: with comparison:)';
    fail('threshold', `is missing: give ${hint}.`);
  }
  if (bounds.length > 1) fail(bounds[1]!, `cannot be given with ${bounds[0]}: one check has one bound (write two checks for a range).`);
  const bound = bounds[0]!;

  if (template === 'success-rate') {
    if (bound === 'max') fail('max', 'does not fit a success rate: give min: 99 (the lowest acceptable percent).');
    if (has('comparison')) fail('comparison', 'is fixed for success-rate (>=): give min: instead.');
    check.threshold = parsePercentValue(entry[bound], (m) => fail(bound, m), { max: 100 });
    check.comparison = '>=';
  } else if (template === 'latency') {
    if (bound === 'min') fail('min', 'does not fit a latency: give max: 500ms (the highest acceptable latency).');
    if (has('comparison')) fail('comparison', 'is fixed for latency (<=): give max: instead.');
    check.threshold = parseLatencyMs(entry[bound], `${where}: ${bound}`, (m) => fail(bound, m));
    check.comparison = '<=';
  } else {
    check.threshold = parseNumber(entry[bound], (m) => fail(bound, m));
    if (bound === 'threshold') {
      if (!has('comparison')) fail('comparison', `is missing: with threshold: say how the value must compare: ${COMPARISONS.join(', ')}.`);
      check.comparison = parseEnum(String(entry.comparison), `${where}: comparison`, COMPARISONS);
    } else {
      if (has('comparison')) fail('comparison', `goes with threshold:, not with ${bound}: (which already means ${bound === 'min' ? '>=' : '<='}).`);
      check.comparison = bound === 'min' ? '>=' : '<=';
    }
  }

  if (has('max-increase')) check.maxIncrease = parsePercentValue(entry['max-increase'], (m) => fail('max-increase', m), {});
  if (has('no-data')) {
    if (typeof entry['no-data'] !== 'string') fail('no-data', `must be one of ${NO_DATA_POLICIES.join(', ')}.`);
    check.noData = parseNoDataPolicy(entry['no-data'] as string, `${where}: no-data`);
  }
  return check as MetricCheck;
}

export function parseNoDataPolicy(text: string, name: string): NoDataPolicy {
  return parseEnum(text, name, NO_DATA_POLICIES);
}

/** `99`, `99.5`, `"99%"` → 99.5; `{max}` bounds it. */
function parsePercentValue(v: unknown, fail: (m: string) => never, range: { max?: number }): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '');
  if (!m) return fail(`is ${JSON.stringify(v)}: give a percentage such as 99 or "99.5%".`);
  const n = Number(m[1]);
  if (range.max !== undefined && n > range.max) return fail(`is ${n}%: it cannot be over ${range.max}%.`);
  return n;
}

/** Bare numbers are milliseconds; strings may carry a unit (250ms, 1s, 1.5s). */
function parseLatencyMs(v: unknown, name: string, fail: (m: string) => never): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) ms = Number(v.trim());
  else if (typeof v === 'string') {
    try {
      ms = parseDuration(v, name);
    } catch {
      return fail(`is ${JSON.stringify(v)}: give a latency such as 250 (ms), "250ms" or "1s".`);
    }
  } else return fail(`is ${JSON.stringify(v)}: give a latency such as 250 (ms), "250ms" or "1s".`);
  if (!Number.isFinite(ms) || ms <= 0) return fail(`is ${JSON.stringify(v)}: the latency bound must be more than 0.`);
  return ms;
}

/** 0.95, or a percentile "p95", "p99.9" → 0.95, 0.999. */
function parseQuantile(v: unknown, fail: (m: string) => never): number {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : '';
  const m = /^(p)?(\d+(?:\.\d+)?)$/.exec(text);
  let q = m ? Number(m[2]) : NaN;
  if (m?.[1]) q = q / 100;
  if (!m || !(q > 0 && q < 1)) return fail(`is ${JSON.stringify(v)}: give a quantile between 0 and 1 (0.95) or a percentile (p95).`);
  return Number(q.toFixed(6));
}

function parseNumber(v: unknown, fail: (m: string) => never): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) return fail(`is ${JSON.stringify(v)}: give a number.`);
  return n;
}

/** Label matchers for a selector: `{job: 'app', track: 'canary'}` → `job="app",track="canary"`. */
export function selectorFor(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new ConfigurationError(`"${k}" is not a Prometheus label name (letters, digits, _).`, { input: k });
      return `${k}=${JSON.stringify(v)}`;
    })
    .join(',');
}

/** Canary and stable selectors from shared labels plus a track label: `job="app",track="canary"`. */
export function trackSelectors(labels: Record<string, string>, track: { label?: string; canary?: string; stable?: string; baseline?: string } = {}): Selectors {
  const key = track.label ?? 'track';
  return {
    canary: selectorFor({ ...labels, [key]: track.canary ?? 'canary' }),
    stable: selectorFor({ ...labels, [key]: track.stable ?? 'stable' }),
    baseline: selectorFor({ ...labels, [key]: track.baseline ?? 'baseline' }),
  };
}

/**
 * A check's PromQL for one track. success-rate = 100 * non-error rate / all rate; latency = the
 * quantile of the duration histogram in ms; query = the user's text with {{selector}} and
 * {{window}} filled in. `windowSeconds` is the rate() window (whole seconds, at least 1).
 */
export function renderQuery(check: MetricCheck, selector: string, windowSeconds: number, names: MetricNames = DEFAULT_METRIC_NAMES): string {
  const w = `${Math.max(1, Math.round(windowSeconds))}s`;
  const sel = selector
    .trim()
    .replace(/^\{|\}$/g, '')
    .trim();
  const fixed = names.matchers?.trim() ?? '';
  const matchers = (...extra: string[]): string => `{${[sel, fixed, ...extra].filter((s) => s !== '').join(',')}}`;
  switch (check.template) {
    case 'success-rate':
      return (
        `100 * sum(rate(${names.requests}${matchers(`${names.codeLabel}!~${JSON.stringify(names.errorCodes)}`)}[${w}]))` +
        ` / sum(rate(${names.requests}${matchers()}[${w}]))`
      );
    case 'latency':
      return `${names.durationUnit === 'milliseconds' ? '' : '1000 * '}histogram_quantile(${check.quantile ?? 0.95}, sum by (le) (rate(${names.duration}_bucket${matchers()}[${w}])))`;
    case 'query':
      return (check.query ?? '').replace(/\{\{\s*selector\s*\}\}/g, sel).replace(/\{\{\s*window\s*\}\}/g, w);
  }
}

/** The unit a check's value is in, for messages and charts. */
export function checkUnit(check: MetricCheck): '%' | 'ms' | '' {
  return check.template === 'success-rate' ? '%' : check.template === 'latency' ? 'ms' : '';
}

/**
 * judge: compare — the margin of a Mann-Whitney check when `max-increase` is not set: 10 % of the
 * baseline. Two healthy containers of one image differ by a few per cent (placement, warm-up), and
 * with 4–8 samples a side a margin of 0 turns that into a "significant" rise (docs/decisions/0041).
 * The error rate's margin stays 0 points: its test is on counts, and 1 % against 0.3 % must abort.
 */
export const DEFAULT_COMPARE_MARGIN_PERCENT = 10;

/** judge: compare — the margin in effect: % of the baseline for samples, points of error rate for a success rate. */
export function compareMargin(check: MetricCheck): number {
  return check.maxIncrease ?? (check.template === 'success-rate' ? 0 : DEFAULT_COMPARE_MARGIN_PERCENT);
}

/** `>= 99%`, `<= 250ms`, `<= 5`, with `, at most 20% worse than stable` when set. */
export function describeThreshold(check: MetricCheck, against: 'stable' | 'baseline' = 'stable'): string {
  const unit = checkUnit(check);
  const base = `${check.comparison} ${formatNumber(check.threshold)}${unit}`;
  if (against === 'baseline') {
    // judge: compare — the margin of the statistical test (points of error rate for a success rate).
    const margin = compareMargin(check);
    return `${base}, not worse than the baseline${margin > 0 ? ` by more than ${formatNumber(margin)}${check.template === 'success-rate' ? ' points of errors' : '%'}` : ''}`;
  }
  return check.maxIncrease !== undefined ? `${base}, at most ${formatNumber(check.maxIncrease)}% worse than stable` : base;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toFixed(Math.abs(v) >= 100 ? 1 : 3)));
}
