/**
 * A gates file (parsed YAML) → typed gates. Validated whole before any request: every mistake is a
 * ConfigurationError naming the gate, the check and the field, with the YAML line when known.
 *
 *   gates:
 *     - name: gate-a
 *       description: …
 *       checks:
 *         - { name, url, expect, … }                       HTTP: a smoke-test check, same grammar
 *         - { name, prometheus: <PromQL | shorthand>, max | min | equals, no-data }
 *         - { name, github: { approvals | checks | code-scanning | dependabot | environment } }
 *         - { name, grafana: { url, token, datasource, query, from } }
 */
import { parseCheck, validateBaseUrl, type ChecksDocumentOptions } from '../checks/document.js';
import { CHECK_KEYS } from '../checks/document.js';
import { userPattern } from '../checks/expectations.js';
import { describeValue, expectObject, expectString, fail, int, type Obj } from '../checks/fields.js';
import { substituteEnv } from '../checks/substitute.js';
import { SEVERITIES, type Severity } from '../github/commit-state.js';
import { ConfigurationError } from '../runtime/errors.js';
import { assertKnownKeys, closest, parseDuration, parseEnum } from '../runtime/parse.js';
import type { LineOf } from '../runtime/yaml.js';
import type { UserPattern } from '../util/user-pattern.js';
import type { Condition, Gate, GatesPlan, GitHubCondition, GitHubRule, GrafanaCondition, PrometheusCondition } from './types.js';

export interface GatesDocumentOptions {
  /** Names the document in messages: the file path as given, or `the gates input`. */
  source: string;
  file?: string;
  lineOf?: LineOf;
  /** Resolves the HTTP checks' relative URLs. */
  baseUrl?: string;
  env: Record<string, string | undefined>;
  workspace: string;
  /** Prometheus checks need it. */
  prometheusConfigured: boolean;
}

export const GATES_DOCUMENT_KEYS = ['gates'] as const;
export const GATE_KEYS = ['name', 'description', 'checks'] as const;
export const PROMETHEUS_KEYS = ['name', 'prometheus', 'max', 'min', 'equals', 'no-data'] as const;
export const PROMETHEUS_SHORTHAND_KEYS = ['query', 'error-rate', 'latency', 'targets-up', 'no-firing-alerts', 'selector', 'window'] as const;
export const GITHUB_KEYS = ['name', 'github'] as const;
export const GITHUB_RULE_KEYS = ['approvals', 'checks', 'name', 'code-scanning', 'dependabot', 'environment'] as const;
export const GRAFANA_KEYS = ['name', 'grafana'] as const;
export const GRAFANA_FIELD_KEYS = ['url', 'token', 'datasource', 'query', 'from'] as const;
const KINDS = ['url', 'prometheus', 'github', 'grafana'] as const;

/** A gate's checks retry nothing by default: a gate samples the state now (the watch repeats it). */
const HTTP_DEFAULTS = { timeoutMs: 0, requestTimeoutMs: 10_000 };

type Path = Array<string | number>;

/** A mistake at a place in the document: the place becomes the YAML line of the message. */
class AtPath extends Error {
  constructor(
    readonly path: Path,
    readonly error: ConfigurationError,
  ) {
    super(error.message);
  }
}

function at<T>(path: Path, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigurationError) throw new AtPath(path, err);
    throw err;
  }
}

export function parseGatesDocument(value: unknown, options: GatesDocumentOptions): GatesPlan {
  try {
    return parseDocument(value, options);
  } catch (err) {
    if (err instanceof AtPath) {
      const line = options.lineOf?.(err.path);
      throw new ConfigurationError(`${options.source}${line ? ` (line ${line})` : ''}: ${err.error.message}`, {
        input: err.error.input,
        file: options.file,
        line,
      });
    }
    if (err instanceof ConfigurationError) throw new ConfigurationError(`${options.source}: ${err.message}`, { input: err.input, file: options.file });
    throw err;
  }
}

function parseDocument(value: unknown, options: GatesDocumentOptions): GatesPlan {
  if (typeof value === 'string') {
    fail(
      'the document',
      `is the text "${value}", not gates: if it is a file path, the file does not exist (check the path); otherwise give "gates:" with a list.`,
    );
  }
  const doc = at([], () => expectObject(value, 'the document', 'gates: [ … ]'));
  at([], () => assertKnownKeys(doc, GATES_DOCUMENT_KEYS, 'the document'));
  const list = doc.gates;
  if (!Array.isArray(list)) at(['gates'], () => fail('gates', `must be a list of gates (- name: …, checks: […]), not ${describeValue(list)}.`));
  if ((list as unknown[]).length === 0) at(['gates'], () => fail('gates', 'is empty: add at least one gate.'));
  if (options.baseUrl !== undefined) validateBaseUrl(options.baseUrl, 'the base-url input');

  const secrets: string[] = [];
  const names = new Map<string, number>();
  const gates = (list as unknown[]).map((raw, i) => {
    const gate = parseGate(raw, i, options, secrets);
    const before = names.get(gate.name);
    if (before !== undefined)
      at(['gates', i, 'name'], () =>
        fail(`gates[${i}] ("${gate.name}")`, `has the same name as gates[${before}]: give each gate its own name (names key the outputs).`),
      );
    names.set(gate.name, i);
    return gate;
  });
  return { gates, secrets: [...new Set(secrets)] };
}

function parseGate(raw: unknown, i: number, options: GatesDocumentOptions, secrets: string[]): Gate {
  const path: Path = ['gates', i];
  const obj = at(path, () => expectObject(raw, `gates[${i}]`, 'name, description, checks'));
  const name = obj.name === undefined ? undefined : at([...path, 'name'], () => expectString(obj.name, `gates[${i}] name`).trim());
  const label = name === undefined ? `gates[${i}]` : `gates[${i}] ("${name}")`;
  at(path, () => assertKnownKeys(obj, GATE_KEYS, label));
  if (name === undefined) at(path, () => fail(label, 'has no name: add name: gate-a (names key the outputs and the incident).'));
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(name!)) at([...path, 'name'], () => fail(label, 'name: use letters, digits, spaces, ".", "_" and "-".'));
  const description = obj.description === undefined ? undefined : at([...path, 'description'], () => expectString(obj.description, `${label} description`));
  if (obj.checks === undefined) at(path, () => fail(label, 'has no checks: add checks: with at least one check.'));
  if (!Array.isArray(obj.checks)) at([...path, 'checks'], () => fail(`${label} checks`, `must be a list of checks, not ${describeValue(obj.checks)}.`));
  const list = obj.checks as unknown[];
  if (list.length === 0) at([...path, 'checks'], () => fail(`${label} checks`, 'is empty: a gate needs at least one check.'));
  const seen = new Map<string, number>();
  const conditions = list.map((c, j) => {
    const condition = parseCondition(c, j, [...path, 'checks', j], label, options, secrets);
    const before = seen.get(condition.name);
    if (before !== undefined)
      at([...path, 'checks', j], () => fail(condition.label, `has the same name as checks[${before}]: give each check of a gate its own name.`));
    seen.set(condition.name, j);
    return condition;
  });
  return { name: name!, ...(description !== undefined ? { description } : {}), conditions };
}

function parseCondition(raw: unknown, j: number, path: Path, gate: string, options: GatesDocumentOptions, secrets: string[]): Condition {
  const obj = at(path, () => expectObject(raw, `${gate} checks[${j}]`, 'an HTTP check (url: …), prometheus:, github: or grafana:'));
  const kinds = KINDS.filter((k) => obj[k] !== undefined);
  const name = obj.name === undefined ? undefined : at([...path, 'name'], () => expectString(obj.name, `${gate} checks[${j}] name`).trim());
  const label = `${gate} checks[${j}]${name !== undefined ? ` ("${name}")` : ''}`;
  if (kinds.length === 0) {
    const near = Object.keys(obj)
      .map((k) => closest(k, KINDS))
      .find(Boolean);
    const unknown = Object.keys(obj).filter((k) => k !== 'name');
    const has = unknown.length ? ` (it has ${unknown.map((k) => `"${k}"`).join(', ')})` : '';
    at(path, () =>
      fail(label, `says neither url (an HTTP check), prometheus, github nor grafana${has}: give one of them.${near ? ` Did you mean "${near}"?` : ''}`),
    );
  }
  if (kinds.length > 1) at(path, () => fail(label, `has ${kinds.join(' and ')}: one check does one thing; split it into ${kinds.length} checks.`));
  switch (kinds[0]) {
    case 'prometheus':
      if (!options.prometheusConfigured)
        at([...path, 'prometheus'], () =>
          fail(label, 'is a Prometheus check, but the prometheus-url input is not set: set it to your Prometheus, e.g. http://prometheus:9090.'),
        );
      return parsePrometheus(obj, path, label, name);
    case 'github':
      return parseGitHub(obj, path, label, name);
    case 'grafana':
      return parseGrafana(obj, path, label, name, options, secrets);
    default:
      return parseHttp(raw, j, path, gate, options, secrets);
  }
}

function parseHttp(raw: unknown, j: number, path: Path, gate: string, options: GatesDocumentOptions, secrets: string[]): Condition {
  const checkOptions: ChecksDocumentOptions = {
    source: gate,
    file: options.file,
    baseUrl: options.baseUrl,
    env: options.env,
    workspace: options.workspace,
    defaults: HTTP_DEFAULTS,
  };
  try {
    const check = parseCheck(raw, j, checkOptions, {}, secrets);
    return { kind: 'http', name: check.name, label: `${gate} ${check.label}`, check };
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    // The smoke grammar names the field (`checks[1] ("x") expect.status`): point at its line.
    const field = (err.input ?? '').split(' ').pop()?.split('.')[0] ?? '';
    const fieldPath = (CHECK_KEYS as readonly string[]).includes(field) ? [...path, field] : path;
    throw new AtPath(fieldPath, new ConfigurationError(`${gate} ${err.message}`, { input: err.input }));
  }
}

function parsePrometheus(obj: Obj, path: Path, label: string, name: string | undefined): PrometheusCondition {
  at(path, () => assertKnownKeys(obj, PROMETHEUS_KEYS, label));
  const where = `${label} prometheus`;
  const spec = obj.prometheus;
  let shorthand: Obj;
  if (typeof spec === 'string' && (spec.trim() === 'targets-up' || spec.trim() === 'no-firing-alerts')) shorthand = { [spec.trim()]: true };
  else if (typeof spec === 'string') shorthand = { query: spec };
  else
    shorthand = at([...path, 'prometheus'], () =>
      expectObject(spec, where, 'a PromQL query, or { error-rate: \'job="app"\' }, { latency: p95 }, targets-up, no-firing-alerts'),
    );
  const p = [...path, 'prometheus'];
  at(p, () => assertKnownKeys(shorthand, PROMETHEUS_SHORTHAND_KEYS, where));
  const forms = (['query', 'error-rate', 'latency', 'targets-up', 'no-firing-alerts'] as const).filter((k) => shorthand[k] !== undefined);
  if (forms.length !== 1)
    at(p, () => fail(where, `must have exactly one of query, error-rate, latency, targets-up, no-firing-alerts (it has ${forms.join(', ') || 'none'}).`));
  const form = forms[0]!;
  const text = (v: unknown, key: string): string =>
    v === true || v === null || v === '' ? '' : at([...p, key], () => expectString(v, `${where}.${key}`)).trim();
  const selector = shorthand.selector === undefined ? '' : text(shorthand.selector, 'selector');
  const windowText = shorthand.window === undefined ? '5m' : text(shorthand.window, 'window');
  const windowMs = at([...p, 'window'], () => parseDuration(windowText, `${where}.window`, { maxMs: Infinity }));
  if (windowMs < 1000) at([...p, 'window'], () => fail(`${where}.window`, `is ${windowText}: a rate() window must be at least 1s.`));
  const win = promDuration(windowMs);
  const matchers = (...parts: string[]): string => {
    const inner = parts
      .map((s) => s.trim().replace(/^\{|\}$/g, ''))
      .filter((s) => s !== '')
      .join(',');
    return inner === '' ? '' : `{${inner}}`;
  };
  const thresholdKeys = (['max', 'min', 'equals'] as const).filter((k) => obj[k] !== undefined);
  const noDataPass =
    obj['no-data'] === undefined ? false : at([...path, 'no-data'], () => parseEnum(String(obj['no-data']), `${label} no-data`, ['fail', 'pass'])) === 'pass';
  const base = { kind: 'prometheus' as const, label, noDataPass };

  if (form === 'targets-up' || form === 'no-firing-alerts') {
    if (thresholdKeys.length > 0) at([...path, thresholdKeys[0]!], () => fail(label, `has ${thresholdKeys[0]}, but ${form} needs no threshold: remove it.`));
    const filter = text(shorthand[form], form);
    if (shorthand.selector !== undefined)
      at([...p, 'selector'], () => fail(`${where}.selector`, `is not used by ${form}: write the label filter as ${form}: 'job="app"'.`));
    const query = form === 'targets-up' ? `up${matchers(filter)}` : `ALERTS${matchers('alertstate="firing"', filter)}`;
    return { ...base, name: name ?? form, query, rule: form === 'targets-up' ? 'all-up' : 'none-firing', unit: '' };
  }
  if (thresholdKeys.length !== 1) {
    at(path, () =>
      fail(
        label,
        thresholdKeys.length === 0
          ? 'has no threshold: add max:, min: or equals:.'
          : `has ${thresholdKeys.join(' and ')}: give one threshold per check (split it into two checks).`,
      ),
    );
  }
  const key = thresholdKeys[0]!;
  const comparison = key === 'max' ? '<=' : key === 'min' ? '>=' : '==';
  const raw = obj[key];
  const tp = [...path, key];
  if (form === 'error-rate') {
    const selectorText = text(shorthand['error-rate'], 'error-rate');
    const query = `sum(rate(http_requests_total${matchers(selectorText, 'code=~"5.."')}[${win}])) / sum(rate(http_requests_total${matchers(selectorText)}[${win}]))`;
    return { ...base, name: name ?? 'error rate', query, rule: 'threshold', comparison, threshold: at(tp, () => ratio(raw, `${label} ${key}`)), unit: 'ratio' };
  }
  if (form === 'latency') {
    const quantile = at([...p, 'latency'], () => parseQuantile(shorthand.latency, `${where}.latency`));
    const query = `histogram_quantile(${quantile}, sum by (le) (rate(http_request_duration_seconds_bucket${matchers(selector)}[${win}])))`;
    return {
      ...base,
      name: name ?? `p${Number((quantile * 100).toFixed(3))} latency`,
      query,
      rule: 'threshold',
      comparison,
      threshold: at(tp, () => seconds(raw, `${label} ${key}`)),
      unit: 'seconds',
    };
  }
  const query = text(shorthand.query, 'query');
  if (query === '') at(p, () => fail(where, 'is empty: give a PromQL query.'));
  if (shorthand.selector !== undefined || shorthand.window !== undefined)
    at(p, () => fail(where, 'has selector or window, which only the shorthands use: write them into the query.'));
  return { ...base, name: name ?? query, query, rule: 'threshold', comparison, threshold: at(tp, () => number(raw, `${label} ${key}`)), unit: '' };
}

/** Prometheus duration text for a rate() window: whole seconds (`90s`), or minutes when exact. */
function promDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

function number(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) fail(where, `is ${JSON.stringify(v)}: give a number.`);
  return n;
}

/** `0.01` or `1%` → 0.01. */
function ratio(v: unknown, where: string): number {
  if (typeof v === 'string' && v.trim().endsWith('%')) {
    const n = Number(v.trim().slice(0, -1));
    if (!Number.isFinite(n) || n < 0 || n > 100) fail(where, `is "${v}": give a percentage from 0% to 100%, or a ratio such as 0.01.`);
    return n / 100;
  }
  const n = number(v, where);
  if (n < 0 || n > 1) fail(where, `is ${n}: an error rate is a ratio from 0 to 1 (0.01 is 1 %), or write "1%".`);
  return n;
}

/** `1s`, `250ms`, or a bare number of seconds → seconds (histograms are in seconds). */
function seconds(v: unknown, where: string): number {
  if (typeof v === 'number') {
    if (v <= 0) fail(where, `is ${v}: a latency bound must be more than 0.`);
    return v;
  }
  if (typeof v !== 'string') fail(where, `must be a latency such as 1s or 250ms, not ${describeValue(v)}.`);
  const ms = parseDuration(v, where);
  if (ms <= 0) fail(where, `is ${v}: a latency bound must be more than 0.`);
  return ms / 1000;
}

/** 0.95, `p95`, `p99.9` → 0.95, 0.999. */
function parseQuantile(v: unknown, where: string): number {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : '';
  const m = /^(p)?(\d+(?:\.\d+)?)$/.exec(text);
  const q = m ? (m[1] ? Number(m[2]) / 100 : Number(m[2])) : NaN;
  if (!(q > 0 && q < 1)) fail(where, `is ${JSON.stringify(v)}: give a quantile between 0 and 1 (0.95) or a percentile (p95).`);
  return Number(q.toFixed(6));
}

function parseGitHub(obj: Obj, path: Path, label: string, name: string | undefined): GitHubCondition {
  at(path, () => assertKnownKeys(obj, GITHUB_KEYS, label));
  const where = `${label} github`;
  const p = [...path, 'github'];
  const spec = at(p, () => expectObject(obj.github, where, 'approvals: 2, checks: green, code-scanning: { max-severity: high }, …'));
  at(p, () => assertKnownKeys(spec, GITHUB_RULE_KEYS, where));
  const rules = (['approvals', 'checks', 'code-scanning', 'dependabot', 'environment'] as const).filter((k) => spec[k] !== undefined);
  if (rules.length !== 1)
    at(p, () =>
      fail(
        where,
        `must have exactly one of approvals, checks, code-scanning, dependabot, environment (it has ${rules.join(', ') || 'none'}): one rule per check.`,
      ),
    );
  const rule = rules[0]!;
  if (spec.name !== undefined && rule !== 'checks') at([...p, 'name'], () => fail(`${where}.name`, 'filters check names, so it goes with checks: green only.'));
  let github: GitHubRule;
  let fallbackName: string;
  switch (rule) {
    case 'approvals': {
      const min = at([...p, 'approvals'], () => int(spec.approvals, `${where}.approvals`, { min: 1, max: 100 }));
      github = { rule, min };
      fallbackName = `approvals ≥ ${min}`;
      break;
    }
    case 'checks': {
      if (spec.checks !== 'green')
        at([...p, 'checks'], () =>
          fail(`${where}.checks`, `is ${JSON.stringify(spec.checks)}: write checks: green (every check run and status on the commit succeeded).`),
        );
      let filter: UserPattern | undefined;
      if (spec.name !== undefined) {
        const source = at([...p, 'name'], () => expectString(spec.name, `${where}.name`));
        filter = at([...p, 'name'], () => userPattern(source, `${where}.name`));
      }
      github = filter ? { rule, filter } : { rule };
      fallbackName = filter ? `checks /${filter.source}/ green` : 'checks green';
      break;
    }
    case 'code-scanning':
    case 'dependabot': {
      const q = [...p, rule];
      const o = at(q, () => expectObject(spec[rule], `${where}.${rule}`, '{ max-severity: high }'));
      at(q, () => assertKnownKeys(o, ['max-severity'], `${where}.${rule}`));
      if (o['max-severity'] === undefined)
        at(q, () =>
          fail(`${where}.${rule}`, `has no max-severity: write { max-severity: ${rule === 'dependabot' ? 'high' : 'medium'} } (open alerts above it fail).`),
        );
      const maxSeverity = at([...q, 'max-severity'], () => parseEnum(String(o['max-severity']), `${where}.${rule}.max-severity`, SEVERITIES)) as Severity;
      github = { rule, maxSeverity };
      fallbackName = `${rule} ≤ ${maxSeverity}`;
      break;
    }
    case 'environment': {
      const environment = at([...p, 'environment'], () => expectString(spec.environment, `${where}.environment`).trim());
      github = { rule, environment };
      fallbackName = `environment ${environment}`;
      break;
    }
  }
  return { kind: 'github', name: name ?? fallbackName, label, github };
}

function parseGrafana(obj: Obj, path: Path, label: string, name: string | undefined, options: GatesDocumentOptions, secrets: string[]): GrafanaCondition {
  at(path, () => assertKnownKeys(obj, GRAFANA_KEYS, label));
  const where = `${label} grafana`;
  const p = [...path, 'grafana'];
  const spec = at(p, () => expectObject(obj.grafana, where, '{ url: https://grafana.example.com, token: ${{ env.GRAFANA_TOKEN }} }'));
  at(p, () => assertKnownKeys(spec, GRAFANA_FIELD_KEYS, where));
  const sub = (key: string): string | undefined => {
    if (spec[key] === undefined) return undefined;
    const s = at([...p, key], () => substituteEnv(expectString(spec[key], `${where}.${key}`), options.env, `${where}.${key}`));
    secrets.push(...s.values);
    return s.text.trim();
  };
  const url = sub('url');
  if (url === undefined) at(p, () => fail(where, 'has no url: give the Grafana address, e.g. url: https://grafana.example.com.'));
  at([...p, 'url'], () => validateBaseUrl(url!, `${where}.url`));
  const token = sub('token');
  if (token !== undefined) secrets.push(token);
  const datasource = sub('datasource');
  const query = sub('query');
  if ((datasource === undefined) !== (query === undefined))
    at(p, () => fail(where, 'needs datasource and query together: the query runs on that datasource (its uid).'));
  const fromText = spec.from === undefined ? '5m' : at([...p, 'from'], () => expectString(spec.from, `${where}.from`));
  const fromMs = at([...p, 'from'], () => parseDuration(fromText, `${where}.from`, { maxMs: Infinity }));
  return {
    kind: 'grafana',
    name: name ?? (query ? 'grafana data' : 'grafana health'),
    label,
    url: url!.replace(/\/+$/, ''),
    ...(token !== undefined ? { token } : {}),
    ...(datasource !== undefined ? { datasource, query } : {}),
    fromMs,
  };
}
