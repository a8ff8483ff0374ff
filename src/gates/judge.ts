/** Pure: what was measured → each condition's verdict, each gate's status, the run's status. */
import type { CheckResult } from '../checks/types.js';
import type { CommitCheck, PullApprovals, SecurityAlert, Severity } from '../github/commit-state.js';
import { SEVERITIES } from '../github/commit-state.js';
import { compare } from '../metrics/analysis.js';
import { formatNumber } from '../metrics/config.js';
import type { Sample } from '../metrics/prometheus.js';
import { errorMessage } from '../runtime/errors.js';
import type { ConditionResult, GateResult, GateStatus, GitHubCondition, GrafanaCondition, HttpCondition, PrometheusCondition } from './types.js';

/** Shows a value in the condition's unit: a ratio as %, seconds as ms or s. */
export function formatValue(value: number, unit: PrometheusCondition['unit']): string {
  if (unit === 'ratio') return `${formatNumber(value * 100)} %`;
  if (unit === 'seconds') return value < 1 ? `${formatNumber(value * 1000)} ms` : `${formatNumber(value)} s`;
  return formatNumber(value);
}

export function describePrometheusThreshold(c: PrometheusCondition): string {
  if (c.rule === 'all-up') return 'every series = 1';
  if (c.rule === 'none-firing') return 'no firing alert';
  const op = c.comparison === '==' ? '=' : c.comparison === '<=' ? '≤' : '≥';
  return `${op} ${formatValue(c.threshold!, c.unit)}`;
}

function series(s: Sample): string {
  const labels = Object.entries(s.labels)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `{${labels}}`;
}

/** A Prometheus condition from the query's samples, or from the error that stopped the query. */
export function judgePrometheus(c: PrometheusCondition, outcome: { samples: Sample[] } | { error: string }): ConditionResult {
  const threshold = describePrometheusThreshold(c);
  const result = (verdict: 'pass' | 'fail', measured: string, value: number | null, reason: string): ConditionResult => ({
    name: c.name,
    kind: 'prometheus',
    verdict,
    measured,
    value,
    threshold,
    reason,
  });
  if ('error' in outcome) return result('fail', 'error', null, `Prometheus query failed: ${outcome.error}`);
  const samples = outcome.samples;
  if (c.rule === 'none-firing') {
    if (samples.length === 0) return result('pass', 'none firing', 0, 'no alert is firing');
    const names = [...new Set(samples.map((s) => s.labels.alertname ?? series(s)))];
    return result('fail', `${samples.length} firing`, samples.length, `firing: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`);
  }
  const data = samples.filter((s) => !Number.isNaN(s.value));
  if (data.length === 0) {
    const what = samples.length === 0 ? 'no data (the query returned no series)' : 'no data (the query returned NaN: no requests in the window?)';
    return c.noDataPass
      ? result('pass', 'no data', null, `${what}; no-data: pass`)
      : result('fail', 'no data', null, `${what}; set no-data: pass to accept it`);
  }
  if (c.rule === 'all-up') {
    const down = data.filter((s) => s.value !== 1);
    const up = data.length - down.length;
    return down.length === 0
      ? result('pass', `${up}/${data.length} up`, up, `all ${data.length} targets up`)
      : result('fail', `${up}/${data.length} up`, up, `down: ${down.slice(0, 5).map(series).join(', ')}${down.length > 5 ? ', …' : ''}`);
  }
  if (data.length > 1) {
    return result(
      'fail',
      `${data.length} series`,
      null,
      `the query returned ${data.length} series (${data.slice(0, 3).map(series).join(', ')}); aggregate it to one value, e.g. with sum(...)`,
    );
  }
  const value = data[0]!.value;
  const shown = formatValue(value, c.unit);
  const ok = c.comparison === '==' ? compare(value, '<=', c.threshold!) && compare(value, '>=', c.threshold!) : compare(value, c.comparison!, c.threshold!);
  return result(ok ? 'pass' : 'fail', shown, value, ok ? `${shown} ${threshold}` : `${shown} is not ${threshold}`);
}

/** An HTTP condition from the smoke-test engine's result. */
export function judgeHttp(c: HttpCondition, r: CheckResult): ConditionResult {
  const measured = [r.status !== undefined ? `HTTP ${r.status}` : 'no answer', r.latencyMs !== undefined ? `${Math.round(r.latencyMs)} ms` : '']
    .filter(Boolean)
    .join(', ');
  return {
    name: c.name,
    kind: 'http',
    verdict: r.passed ? 'pass' : 'fail',
    measured,
    threshold: `${c.check.method} ${c.check.url} as expected`,
    reason: r.passed ? 'as expected' : (r.error ?? r.reasons.join('; ')),
  };
}

/** The facts a GitHub condition needs, fetched by src/gates/probe. */
export type GitHubFacts =
  | { rule: 'approvals'; pull: PullApprovals | undefined; sha: string }
  | { rule: 'checks'; checks: CommitCheck[]; sha: string }
  | { rule: 'code-scanning' | 'dependabot'; alerts: SecurityAlert[] }
  | { rule: 'environment'; exists: boolean; waiting: boolean }
  | { rule: 'error'; error: string };

export function judgeGitHub(c: GitHubCondition, facts: GitHubFacts): ConditionResult {
  const g = c.github;
  const base = { name: c.name, kind: 'github' as const };
  if (facts.rule === 'error') return { ...base, verdict: 'fail', measured: 'error', threshold: describeGitHubRule(c), reason: `GitHub API: ${facts.error}` };
  const threshold = describeGitHubRule(c);
  const out = (ok: boolean, measured: string, reason: string): ConditionResult => ({ ...base, verdict: ok ? 'pass' : 'fail', measured, threshold, reason });
  if (g.rule === 'approvals' && facts.rule === 'approvals') {
    if (!facts.pull) return out(false, 'no pull request', `commit ${facts.sha.slice(0, 7)} was not merged through a pull request, so nobody approved it`);
    const n = facts.pull.approvedBy.length;
    const who = n > 0 ? ` (${facts.pull.approvedBy.join(', ')})` : '';
    return out(
      n >= g.min,
      `${n} approval${n === 1 ? '' : 's'}`,
      `PR #${facts.pull.number} has ${n} approval${n === 1 ? '' : 's'}${who}${n >= g.min ? '' : `, fewer than ${g.min}`}: ${facts.pull.url}`,
    );
  }
  if (g.rule === 'checks' && facts.rule === 'checks') {
    let relevant: typeof facts.checks;
    try {
      relevant = g.filter ? facts.checks.filter((k) => g.filter!.test(k.name)) : facts.checks;
    } catch (err) {
      return out(false, 'error', `the check-name filter: ${errorMessage(err)}`);
    }
    const bad = relevant.filter((k) => !k.green);
    if (relevant.length === 0)
      return out(false, 'no checks', `no check run or status${g.filter ? ` matching /${g.filter.source}/` : ''} on commit ${facts.sha.slice(0, 7)}`);
    return out(
      bad.length === 0,
      `${relevant.length - bad.length}/${relevant.length} green`,
      bad.length === 0
        ? `all ${relevant.length} checks green`
        : `not green: ${bad
            .slice(0, 5)
            .map((k) => `${k.name} (${k.state})`)
            .join(', ')}${bad.length > 5 ? ', …' : ''}`,
    );
  }
  if ((g.rule === 'code-scanning' || g.rule === 'dependabot') && (facts.rule === 'code-scanning' || facts.rule === 'dependabot')) {
    const above = facts.alerts.filter((a) => severityRank(a.severity) > severityRank(g.maxSeverity));
    const worst = facts.alerts.reduce<Severity | undefined>(
      (w, a) => (w === undefined || severityRank(a.severity) > severityRank(w) ? a.severity : w),
      undefined,
    );
    return out(
      above.length === 0,
      facts.alerts.length === 0 ? 'no open alerts' : `${facts.alerts.length} open, worst ${worst}`,
      above.length === 0
        ? `no open ${g.rule} alert above ${g.maxSeverity}`
        : `${above.length} open ${g.rule} alert${above.length === 1 ? '' : 's'} above ${g.maxSeverity}: ${above
            .slice(0, 3)
            .map((a) => `#${a.number} ${a.severity} ${a.title} (${a.url})`)
            .join('; ')}`,
    );
  }
  if (g.rule === 'environment' && facts.rule === 'environment') {
    if (!facts.exists) return out(false, 'missing', `environment ${g.environment} does not exist in the repository`);
    return out(
      !facts.waiting,
      facts.waiting ? 'waiting for approval' : 'satisfied',
      facts.waiting ? `this run waits for a reviewer of ${g.environment}` : `${g.environment} protection rules satisfied`,
    );
  }
  throw new Error(`judgeGitHub: facts for ${facts.rule} given to a ${g.rule} condition`);
}

export function describeGitHubRule(c: GitHubCondition): string {
  const g = c.github;
  switch (g.rule) {
    case 'approvals':
      return `≥ ${g.min} approvals`;
    case 'checks':
      return g.filter ? `checks /${g.filter.source}/ green` : 'all checks green';
    case 'code-scanning':
    case 'dependabot':
      return `no open alert above ${g.maxSeverity}`;
    case 'environment':
      return `${g.environment} protection satisfied`;
  }
}

function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** What the Grafana probe saw. */
export interface GrafanaFacts {
  health: { ok: boolean; detail: string };
  /** With a query: how many data points came back (undefined: no query configured). */
  points?: number;
  queryError?: string;
}

export function judgeGrafana(c: GrafanaCondition, f: GrafanaFacts): ConditionResult {
  const threshold = c.query ? 'healthy, and the query returns data' : 'healthy';
  const base = { name: c.name, kind: 'grafana' as const, threshold };
  if (!f.health.ok) return { ...base, verdict: 'fail', measured: 'unhealthy', reason: `Grafana ${c.url}/api/health: ${f.health.detail}` };
  if (!c.query) return { ...base, verdict: 'pass', measured: 'healthy', reason: f.health.detail };
  if (f.queryError) return { ...base, verdict: 'fail', measured: 'query failed', reason: `Grafana query on datasource ${c.datasource}: ${f.queryError}` };
  const n = f.points ?? 0;
  return n > 0
    ? { ...base, verdict: 'pass', measured: `${n} points`, reason: `the query returned ${n} data points` }
    : {
        ...base,
        verdict: 'fail',
        measured: 'no data',
        reason: `the query on datasource ${c.datasource} returned no data: dashboards built on it show nothing`,
      };
}

export function gateStatus(conditions: ConditionResult[]): GateStatus {
  return conditions.every((c) => c.verdict === 'pass') ? 'GREEN' : 'RED';
}

export function runStatus(gates: GateResult[]): GateStatus {
  return gates.every((g) => g.status === 'GREEN') ? 'GREEN' : 'RED';
}
