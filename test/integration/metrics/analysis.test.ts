// The analysis engine against a real Prometheus scraping real fixture containers each second:
// a stable track, a good canary, one with 5 % errors, one 400 ms slow, and one without traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseStep } from '../../../src/metrics/analysis.js';
import { parseMetricChecks, renderQuery, trackSelectors, type Selectors } from '../../../src/metrics/config.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { HttpTransportError } from '../../../src/http/client.js';
import { startFixtureContainer, type FixtureContainer } from '../../support/fixture-app.js';
import { startLoad } from '../../support/load.js';
import { freePort } from '../../support/ports.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

const WINDOW_SECONDS = 5;
const TRACKS = {
  stable: { errorRate: 0, latencyMs: 0 },
  good: { errorRate: 0, latencyMs: 0 },
  bad: { errorRate: 0.05, latencyMs: 0 },
  slow: { errorRate: 0, latencyMs: 400 },
  idle: { errorRate: 0, latencyMs: 0 },
} as const;
type Track = keyof typeof TRACKS;

const CHECKS = parseMetricChecks(
  [
    { name: 'success-rate', min: 99, 'max-increase': '1%' },
    { name: 'latency', quantile: 'p95', max: '250ms' },
  ],
  'metrics',
);
const selectors = (canary: Track): Selectors => ({
  canary: trackSelectors({ job: 'app' }, { canary }).canary,
  stable: trackSelectors({ job: 'app' }).stable,
});

describe('analyseStep against real Prometheus', () => {
  const containers: Partial<Record<Track, FixtureContainer>> = {};
  let prom: TestPrometheus | undefined;
  let client: PrometheusClient;
  let measuredAt: Date;

  beforeAll(async () => {
    const started = Promise.all(
      (Object.keys(TRACKS) as Track[]).map(async (track) => {
        containers[track] = await startFixtureContainer({ version: track, ...TRACKS[track] });
      }),
    );
    const promStarted = startPrometheus().then((p) => (prom = p));
    await Promise.all([started, promStarted]);
    await prom!.setTargets((Object.keys(TRACKS) as Track[]).map((track) => ({ address: containers[track]!.address, labels: { job: 'app', track } })));
    client = new PrometheusClient(prom!.url);
    // Steady traffic to every track but `idle` for a window and a bit (the last scrape lands ≤ 1 s later).
    const loads = (['stable', 'good', 'bad', 'slow'] as Track[]).map((t) => startLoad(`${containers[t]!.url}/api/orders`, { rps: 20 }));
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 1.5) * 1000));
    measuredAt = new Date();
    await new Promise((r) => setTimeout(r, 1200));
    const results = await Promise.all(loads.map((l) => l.stop()));
    for (const r of results) expect(r.byStatus[0] ?? 0).toBe(0);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...Object.values(containers).map((c) => c.stop()), prom?.stop()]);
  });

  it('a good canary passes both checks, with the stable comparison', async () => {
    const a = await analyseStep(client, CHECKS, selectors('good'), { windowSeconds: WINDOW_SECONDS, noData: 'fail', time: measuredAt });
    expect(a.results.map((r) => [r.name, r.verdict, r.reason])).toEqual([
      ['success-rate', 'pass', expect.stringMatching(/^100% >= 99%; stable 100%, canary \+0% vs stable \(within the allowed -1%\)$/)],
      ['latency', 'pass', expect.stringMatching(/^[\d.]+ms <= 250ms$/)],
    ]);
    expect(a.verdict).toBe('pass');
    // No added latency: p95 lies in a low bucket (≤ 100 ms leaves room for a loaded CI machine), far from the 400 ms track.
    expect(a.results[1]!.value).toBeLessThanOrEqual(100);
    expect(a.at).toBe(measuredAt.toISOString());
  });

  it('5 % errors fail success-rate >= 99', async () => {
    const a = await analyseStep(client, CHECKS, selectors('bad'), { windowSeconds: WINDOW_SECONDS, noData: 'fail', time: measuredAt });
    const sr = a.results[0]!;
    expect(sr.verdict).toBe('fail');
    expect(sr.value).toBeGreaterThan(93);
    expect(sr.value).toBeLessThan(97);
    expect(sr.stableValue).toBe(100);
    expect(sr.reason).toMatch(/^9\d(\.\d+)?% is not >= 99%; stable 100%, canary -\d(\.\d+)?% vs stable \(beyond the allowed -1%\)$/);
    expect(a.results[1]!.verdict).toBe('pass');
    expect(a.verdict).toBe('fail');
  });

  it('a latency regression (400 ms vs p95 <= 250 ms) fails latency only', async () => {
    const a = await analyseStep(client, CHECKS, selectors('slow'), { windowSeconds: WINDOW_SECONDS, noData: 'fail', time: measuredAt });
    expect(a.results[0]!.verdict).toBe('pass');
    const lat = a.results[1]!;
    expect(lat.verdict).toBe('fail');
    // 400 ms lands in the (0.25 s, 0.5 s] bucket: p95 ≈ 487.5 ms; a busy machine pushes some past 0.5 s.
    expect(lat.value).toBeGreaterThan(400);
    expect(lat.value).toBeLessThan(2500);
    expect(lat.reason).toMatch(/^\d+(\.\d+)?ms is not <= 250ms$/);
    expect(a.verdict).toBe('fail');
  });

  it.each([
    ['fail', 'fail'],
    ['inconclusive', 'inconclusive'],
    ['pass', 'pass'],
  ] as const)('no traffic (NaN) and no series (empty vector) with no-data: %s → %s', async (policy, verdict) => {
    const idle = await analyseStep(client, CHECKS, selectors('idle'), { windowSeconds: WINDOW_SECONDS, noData: policy, time: measuredAt });
    expect(idle.verdict).toBe(verdict);
    for (const r of idle.results) {
      expect(r.verdict).toBe(verdict);
      expect(r.value).toBeNull();
      expect(r.reason).toMatch(new RegExp(`^no data: the query returned NaN .*no-data: ${policy}`));
    }
    const absent = await analyseStep(client, CHECKS, selectors('nonexistent' as Track), { windowSeconds: WINDOW_SECONDS, noData: policy, time: measuredAt });
    expect(absent.verdict).toBe(verdict);
    expect(absent.results[0]!.reason).toMatch(new RegExp(`^no data: the query returned an empty vector; no-data: ${policy}`));
  });

  it("validate() accepts the templates and rejects bad PromQL with Prometheus's own message", async () => {
    for (const check of CHECKS) await client.validate(renderQuery(check, selectors('good').canary, WINDOW_SECONDS), check.name);
    const [custom] = parseMetricChecks([{ name: 'queue depth', query: 'sum(rate(http_requests_total{ {{selector}} }[{{window}}])', max: 5 }], 'metrics');
    const bad = renderQuery(custom!, 'job="app"', 5);
    const err = await client.validate(bad, custom!.name).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).message).toBe(
      `metrics check "queue depth": Prometheus rejects the query: 1:47: parse error: unclosed left parenthesis. Query: ${bad}`,
    );
    expect((err as ConfigurationError).input).toBe('queue depth');
    await expect(client.validate('rate(http_requests_total[0s])', 'zero')).rejects.toThrow(/duration must be greater than 0/);
  });

  it('a custom query with several series fails with advice; a scalar is fine', async () => {
    const checks = parseMetricChecks(
      [
        { name: 'per-instance', query: 'up{job="app"}', min: 1 },
        { name: 'scalar', query: 'scalar(sum(up{ {{selector}} }))', min: 1, 'no-data': 'fail' },
      ],
      'metrics',
    );
    const a = await analyseStep(client, checks, selectors('good'), { windowSeconds: WINDOW_SECONDS, noData: 'fail', time: measuredAt });
    expect(a.results[0]!.verdict).toBe('fail');
    expect(a.results[0]!.reason).toMatch(/^the query returned 5 series .*aggregate it to one value/);
    expect(a.results[1]).toMatchObject({ verdict: 'pass', value: 1 });
  });

  it("a query that parses but fails when evaluated fails its check with Prometheus's reason", async () => {
    const [check] = parseMetricChecks([{ name: 'many-to-many', query: 'up{job="app"} + on() up{job="app"}', max: 1 }], 'metrics');
    await client.validate(renderQuery(check!, '', 5), check!.name); // it parses
    const a = await analyseStep(client, [check!], selectors('good'), { windowSeconds: WINDOW_SECONDS, noData: 'pass', time: measuredAt });
    expect(a.verdict).toBe('fail');
    expect(a.results[0]!.reason).toMatch(/^Prometheus query failed: .*many-to-many matching not allowed/);
  });

  it('an aborted signal stops the analysis with the abort reason (not a verdict)', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled by the runner'));
    await expect(analyseStep(client, CHECKS, selectors('good'), { windowSeconds: WINDOW_SECONDS, noData: 'fail', signal: ac.signal })).rejects.toThrow(
      'cancelled by the runner',
    );
  });

  it('ready() passes on a live Prometheus', async () => {
    await expect(client.ready()).resolves.toBeUndefined();
  });
});

describe('an unreachable Prometheus', () => {
  it('ready() is a clear configuration error; analysis fails every check; validate() says refused', async () => {
    const port = await freePort();
    const client = new PrometheusClient(`http://127.0.0.1:${port}`, { attempts: 2, timeoutMs: 2000 });
    const ready = await client.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ready).toBeInstanceOf(ConfigurationError);
    expect((ready as Error).message).toBe(
      `prometheus-url: Prometheus at http://127.0.0.1:${port} cannot answer a query: connection refused (ECONNREFUSED). Check the URL and that Prometheus is reachable from the runner.`,
    );
    const a = await analyseStep(client, CHECKS, selectors('good'), { windowSeconds: 5, noData: 'pass' });
    expect(a.verdict).toBe('fail');
    for (const r of a.results)
      expect(r.reason).toMatch(/^Prometheus query failed: Prometheus at http:\/\/127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)/);
    await expect(client.validate('up', 'x')).rejects.toBeInstanceOf(HttpTransportError);
    // Not cached as a failure: once Prometheus is there, validate works.
    const prom = await startPrometheus({ port });
    try {
      await expect(client.validate('up', 'x')).resolves.toBeUndefined();
    } finally {
      await prom.stop();
    }
  });

  it('a URL that is not Prometheus (wrong path) is said plainly', async () => {
    const prom = await startPrometheus();
    try {
      const client = new PrometheusClient(`${prom.url}/not-here`);
      await expect(client.ready()).rejects.toThrow(/cannot answer a query: not a Prometheus API answer: HTTP 404/);
      await expect(client.validate('up', 'x')).rejects.toThrow(
        new ConfigurationError(
          `prometheus-url: ${prom.url}/not-here does not answer like Prometheus (not a Prometheus API answer: HTTP 404 404 page not found). Check the URL.`,
          {
            input: 'prometheus-url',
          },
        ),
      );
    } finally {
      await prom.stop();
    }
  });
});
