// Prometheus conditions against a real Prometheus scraping the fixture app (containers): the
// shorthands' PromQL runs for real, and a watch turns RED within one interval of the breach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatesDocument } from '../../../src/gates/document.js';
import { evaluateGates } from '../../../src/gates/probe.js';
import { sleep } from '../../../src/util/sleep.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { watchGates } from '../../../src/release/gates-watch.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { parseYamlWithLines } from '../../../src/runtime/yaml.js';
import { startFixtureContainer, type FixtureContainer } from '../../support/fixture-app.js';
import { startLoad, type Load } from '../../support/load.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

let good: FixtureContainer | undefined;
let bad: FixtureContainer | undefined;
let prom: TestPrometheus | undefined;
let client: PrometheusClient;
const loads: Load[] = [];

beforeAll(async () => {
  await Promise.all([
    startFixtureContainer({ version: '1.0.0' }).then((c) => (good = c)),
    startFixtureContainer({ version: '2.0.0', errorRate: 0.5, latencyMs: 300 }).then((c) => (bad = c)),
    startPrometheus().then((p) => (prom = p)),
  ]);
  await prom!.setTargets([{ address: good!.address, labels: { job: 'app', track: 'stable' } }]);
  client = new PrometheusClient(prom!.url);
  loads.push(startLoad(`${good!.url}/api/items`, { rps: 20 }));
  await sleep(3000);
}, 180_000);
afterAll(async () => {
  await Promise.all(loads.map((l) => l.stop()));
  await Promise.all([good?.stop(), bad?.stop(), prom?.stop()]);
});

function plan(yaml: string) {
  const { value, lineOf } = parseYamlWithLines(yaml, 'gates.yml');
  return parseGatesDocument(value, { source: 'gates.yml', lineOf, env: {}, workspace: '/tmp', prometheusConfigured: true });
}

const GATES = `gates:
  - name: gate-a
    checks:
      - { name: error rate, prometheus: { error-rate: 'job="app"', window: 5s }, max: 1% }
      - { name: p95, prometheus: { latency: p95, selector: 'job="app"', window: 5s }, max: 200ms }
      - { name: targets, prometheus: { targets-up: 'job="app"' } }
      - { name: alerts, prometheus: no-firing-alerts }
      - { name: ratio as written, prometheus: 'sum(rate(http_requests_total{code=~"5.."}[5s])) / sum(rate(http_requests_total[5s]))', max: 0.01 }
      - { name: nothing, prometheus: 'sum(rate(http_requests_total{job="nope"}[5s]))', max: 1 }
      - { name: nothing allowed, prometheus: 'sum(rate(http_requests_total{job="nope"}[5s]))', max: 1, no-data: pass }
`;

describe('gates on a real Prometheus with the fixture app', () => {
  it('a healthy app: the shorthands measure it GREEN; no data is RED unless no-data: pass', async () => {
    const { gates } = plan(GATES);
    for (const c of gates[0]!.conditions) if (c.kind === 'prometheus') await client.validate(c.query, c.label);
    const e = await evaluateGates(gates, { prometheus: client }, new AbortController().signal);
    const by = Object.fromEntries(e.gates[0]!.conditions.map((c) => [c.name, c]));
    expect(by['error rate']).toMatchObject({ verdict: 'pass', measured: '0 %' });
    expect(by.p95!.verdict).toBe('pass');
    expect(by.targets).toMatchObject({ verdict: 'pass', measured: '1/1 up' });
    expect(by.alerts!.verdict).toBe('pass');
    expect(by['ratio as written']!.verdict).toBe('pass');
    expect(by.nothing).toMatchObject({ verdict: 'fail', measured: 'no data' });
    expect(by['nothing allowed']!.verdict).toBe('pass');
  });

  it('a query Prometheus rejects is a configuration error quoting Prometheus', async () => {
    const { gates } = plan(`gates:\n  - name: g\n    checks:\n      - { name: broken, prometheus: 'sum(rate(x[1m])', max: 1 }\n`);
    const c = gates[0]!.conditions[0]!;
    await expect(client.validate((c as { query: string }).query, c.label)).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('a watch turns RED within one interval of the breach (the error rate of a bad version)', async () => {
    const { gates } = plan(`gates:
  - name: gate-a
    checks:
      - { name: error rate, prometheus: { error-rate: 'job="app"', window: 3s }, max: 1% }
      - { name: targets, prometheus: { targets-up: 'job="app"' } }
`);
    const intervalMs = 2000;
    let breachAt = 0;
    const controller = new AbortController();
    const result = await watchGates(
      { evaluate: (signal) => evaluateGates(gates, { prometheus: client }, signal) },
      { now: () => Date.now(), sleep },
      {
        windowMs: 120_000,
        intervalMs,
        failureLimit: 1,
        signal: controller.signal,
        onEvaluation: (_e, i) => {
          if (i === 1) {
            // The bad version starts taking traffic: the breach is when Prometheus can first see it.
            void prom!.setTargets([
              { address: good!.address, labels: { job: 'app', track: 'stable' } },
              { address: bad!.address, labels: { job: 'app', track: 'canary' } },
            ]);
            loads.push(startLoad(`${bad!.url}/api/items`, { rps: 20 }));
            breachAt = Date.now();
          }
        },
      },
    );
    expect(result.status).toBe('RED');
    expect(result.evaluations.slice(0, 2).every((e) => e.gates[0]!.status === 'GREEN')).toBe(true);
    expect(result.breaches.map((b) => b.condition)).toContain('error rate');
    const redAt = Date.parse(result.evaluations.at(-1)!.at);
    // Prometheus needs a scrape (1 s) and the new target's first samples; the watch needs at most one interval more.
    expect(redAt - breachAt).toBeLessThan(intervalMs + 8000);
    expect(result.evaluations.length).toBeLessThan(10);
  });
});
