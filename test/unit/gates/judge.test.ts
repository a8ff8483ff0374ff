import { describe, expect, it } from 'vitest';
import { gateStatus, judgeGitHub, judgeGrafana, judgePrometheus, runStatus } from '../../../src/gates/judge.js';
import type { GitHubCondition, GrafanaCondition, PrometheusCondition } from '../../../src/gates/types.js';

const prom = (over: Partial<PrometheusCondition> = {}): PrometheusCondition => ({
  kind: 'prometheus',
  name: 'error rate',
  label: 'g',
  query: 'q',
  rule: 'threshold',
  comparison: '<=',
  threshold: 0.01,
  unit: 'ratio',
  noDataPass: false,
  ...over,
});
const gh = (github: GitHubCondition['github']): GitHubCondition => ({ kind: 'github', name: 'x', label: 'g', github });

describe('judgePrometheus', () => {
  it('a ratio under max passes, over fails, shown in %', () => {
    expect(judgePrometheus(prom(), { samples: [{ labels: {}, value: 0.004 }] })).toMatchObject({ verdict: 'pass', measured: '0.4 %', threshold: '≤ 1 %' });
    expect(judgePrometheus(prom(), { samples: [{ labels: {}, value: 0.2 }] })).toMatchObject({ verdict: 'fail', reason: '20 % is not ≤ 1 %' });
  });
  it('min and equals; float noise at the threshold counts as equal', () => {
    expect(judgePrometheus(prom({ comparison: '>=', threshold: 100, unit: '' }), { samples: [{ labels: {}, value: 99.99999999999999 }] }).verdict).toBe('pass');
    expect(judgePrometheus(prom({ comparison: '==', threshold: 3, unit: '' }), { samples: [{ labels: {}, value: 3 }] }).verdict).toBe('pass');
    expect(judgePrometheus(prom({ comparison: '==', threshold: 3, unit: '' }), { samples: [{ labels: {}, value: 2 }] }).verdict).toBe('fail');
  });
  it('latency in seconds is shown in ms', () => {
    expect(judgePrometheus(prom({ unit: 'seconds', threshold: 1 }), { samples: [{ labels: {}, value: 0.25 }] })).toMatchObject({
      verdict: 'pass',
      measured: '250 ms',
      threshold: '≤ 1 s',
    });
  });
  it('no data is RED unless no-data: pass; NaN is no data', () => {
    expect(judgePrometheus(prom(), { samples: [] })).toMatchObject({ verdict: 'fail', measured: 'no data' });
    expect(judgePrometheus(prom(), { samples: [{ labels: {}, value: NaN }] })).toMatchObject({ verdict: 'fail', measured: 'no data' });
    expect(judgePrometheus(prom({ noDataPass: true }), { samples: [] }).verdict).toBe('pass');
  });
  it('several series fail with a hint to aggregate; a query error fails', () => {
    const r = judgePrometheus(prom(), {
      samples: [
        { labels: { a: '1' }, value: 0 },
        { labels: { a: '2' }, value: 0 },
      ],
    });
    expect(r).toMatchObject({ verdict: 'fail' });
    expect(r.reason).toMatch(/aggregate it/);
    expect(judgePrometheus(prom(), { error: 'timeout' })).toMatchObject({ verdict: 'fail', reason: 'Prometheus query failed: timeout' });
  });
  it('targets-up: every series 1; names those down', () => {
    const c = prom({ rule: 'all-up', comparison: undefined, threshold: undefined, unit: '' });
    expect(judgePrometheus(c, { samples: [{ labels: { instance: 'a' }, value: 1 }] })).toMatchObject({ verdict: 'pass', measured: '1/1 up' });
    const r = judgePrometheus(c, {
      samples: [
        { labels: { instance: 'a' }, value: 1 },
        { labels: { __name__: 'up', instance: 'b' }, value: 0 },
      ],
    });
    expect(r).toMatchObject({ verdict: 'fail', measured: '1/2 up', reason: 'down: {instance="b"}' });
  });
  it('no-firing-alerts: empty passes (not no-data), any firing fails naming the alerts', () => {
    const c = prom({ rule: 'none-firing', comparison: undefined, threshold: undefined, unit: '' });
    expect(judgePrometheus(c, { samples: [] }).verdict).toBe('pass');
    expect(judgePrometheus(c, { samples: [{ labels: { alertname: 'HighErrorRate' }, value: 1 }] })).toMatchObject({
      verdict: 'fail',
      reason: 'firing: HighErrorRate',
    });
  });
});

describe('judgeGitHub', () => {
  it('approvals 1 < 2 is RED naming the PR', () => {
    const r = judgeGitHub(gh({ rule: 'approvals', min: 2 }), {
      rule: 'approvals',
      sha: 'abc1234def',
      pull: { number: 42, url: 'https://github.example/acme/shop/pull/42', approvedBy: ['ana'] },
    });
    expect(r.verdict).toBe('fail');
    expect(r.measured).toBe('1 approval');
    expect(r.reason).toBe('PR #42 has 1 approval (ana), fewer than 2: https://github.example/acme/shop/pull/42');
  });
  it('a commit without a pull request is RED', () => {
    expect(judgeGitHub(gh({ rule: 'approvals', min: 1 }), { rule: 'approvals', sha: 'abc1234def', pull: undefined }).reason).toMatch(
      /abc1234 was not merged through a pull request/,
    );
  });
  it('checks: any not green is RED; the filter limits which count; none at all is RED', () => {
    const checks = [
      { name: 'ci/test', kind: 'check-run' as const, state: 'success', green: true },
      { name: 'lint', kind: 'status' as const, state: 'failure', green: false },
    ];
    expect(judgeGitHub(gh({ rule: 'checks' }), { rule: 'checks', checks, sha: 's' })).toMatchObject({ verdict: 'fail', reason: 'not green: lint (failure)' });
    expect(judgeGitHub(gh({ rule: 'checks', filter: /^ci\// }), { rule: 'checks', checks, sha: 's' }).verdict).toBe('pass');
    expect(judgeGitHub(gh({ rule: 'checks', filter: /^x/ }), { rule: 'checks', checks, sha: 's' }).verdict).toBe('fail');
  });
  it('a critical code-scanning alert is RED under max-severity high; a high one is not', () => {
    const alert = (severity: 'high' | 'critical') => ({ number: 7, severity, title: 'SQL injection', url: 'https://github.example/a/7' });
    const c = gh({ rule: 'code-scanning', maxSeverity: 'high' });
    expect(judgeGitHub(c, { rule: 'code-scanning', alerts: [alert('high')] }).verdict).toBe('pass');
    const r = judgeGitHub(c, { rule: 'code-scanning', alerts: [alert('critical')] });
    expect(r).toMatchObject({ verdict: 'fail', measured: '1 open, worst critical' });
    expect(r.reason).toContain('#7 critical SQL injection');
  });
  it('environment: missing or waiting for a reviewer is RED', () => {
    const c = gh({ rule: 'environment', environment: 'production' });
    expect(judgeGitHub(c, { rule: 'environment', exists: false, waiting: false }).verdict).toBe('fail');
    expect(judgeGitHub(c, { rule: 'environment', exists: true, waiting: true }).measured).toBe('waiting for approval');
    expect(judgeGitHub(c, { rule: 'environment', exists: true, waiting: false }).verdict).toBe('pass');
  });
  it('an API error is RED with the reason', () => {
    expect(judgeGitHub(gh({ rule: 'checks' }), { rule: 'error', error: 'Resource not accessible by integration' })).toMatchObject({
      verdict: 'fail',
      measured: 'error',
    });
  });
});

describe('judgeGrafana', () => {
  const c: GrafanaCondition = { kind: 'grafana', name: 'grafana', label: 'g', url: 'https://g', fromMs: 1000, datasource: 'p', query: 'up' };
  it('unhealthy, failed query, no data: RED; data: GREEN', () => {
    expect(judgeGrafana(c, { health: { ok: false, detail: 'HTTP 503' } }).verdict).toBe('fail');
    expect(judgeGrafana(c, { health: { ok: true, detail: 'healthy' }, queryError: 'bad' }).verdict).toBe('fail');
    expect(judgeGrafana(c, { health: { ok: true, detail: 'healthy' }, points: 0 }).measured).toBe('no data');
    expect(judgeGrafana(c, { health: { ok: true, detail: 'healthy' }, points: 12 }).verdict).toBe('pass');
    expect(judgeGrafana({ ...c, query: undefined, datasource: undefined }, { health: { ok: true, detail: 'healthy' } }).verdict).toBe('pass');
  });
});

describe('status', () => {
  it('a gate is GREEN only when all its conditions pass; the run only when every gate is', () => {
    const pass = { name: 'a', kind: 'http' as const, verdict: 'pass' as const, measured: '', threshold: '', reason: '' };
    expect(gateStatus([pass, pass])).toBe('GREEN');
    expect(gateStatus([pass, { ...pass, verdict: 'fail' }])).toBe('RED');
    expect(
      runStatus([
        { name: 'a', status: 'GREEN', conditions: [] },
        { name: 'b', status: 'RED', conditions: [] },
      ]),
    ).toBe('RED');
  });
});
