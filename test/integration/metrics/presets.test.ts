// Every metrics preset against a real Prometheus scraping services that expose each library's
// own series (names, labels, status form, buckets): the pre-flight accepts the right preset and
// refuses the wrong one with the series and the fix; the templates measure the right values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseStep } from '../../../src/metrics/analysis.js';
import { DEFAULT_METRIC_NAMES, parseMetricChecks, renderQuery, type Selectors } from '../../../src/metrics/config.js';
import { assertJudgeable, preflightTrack } from '../../../src/metrics/preflight.js';
import { presetByName, resolveMetricNames } from '../../../src/metrics/presets.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { STYLES, startInstrumentedApp, type InstrumentationStyle, type InstrumentedApp } from '../../support/instrumented-app.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

const WINDOW = 5;
const CHECKS = parseMetricChecks(
  [
    { name: 'success-rate', min: 99 },
    { name: 'latency', quantile: 'p95', max: '250ms' },
  ],
  'metrics',
);

/** How each instrumentation tells canary from stable: a scrape label for apps, the backend for proxies. */
function selectors(style: string): Selectors {
  const job = `job="presets",style="${style}"`;
  switch (style) {
    case 'ingress-nginx':
      return { canary: `${job},service="app-canary"`, stable: `${job},service="app"` };
    case 'istio':
      return { canary: `${job},destination_workload="app-canary"`, stable: `${job},destination_workload="app"` };
    case 'traefik':
      return { canary: `${job},service="app-canary@docker"`, stable: `${job},service="app@docker"` };
    default:
      return { canary: `${job},track="canary"`, stable: `${job},track="stable"` };
  }
}

describe('metrics presets against real Prometheus and each library’s series', () => {
  let prom: TestPrometheus | undefined;
  let client: PrometheusClient;
  const apps: InstrumentedApp[] = [];
  // Extra shapes for the refusals: FastAPI with status codes ungrouped, Spring without its histogram.
  const EXTRA = [
    { style: 'prometheus-fastapi-instrumentator' as const, id: 'fastapi-ungrouped', groupStatusCodes: false },
    { style: 'spring-boot' as const, id: 'spring-nohist', histogram: false },
  ];

  beforeAll(async () => {
    const started: Array<Promise<unknown>> = [startPrometheus().then((p) => (prom = p))];
    const targets: Array<{ address: string; labels: Record<string, string> }> = [];
    for (const style of STYLES) {
      for (const track of ['stable', 'canary'] as const) {
        started.push(
          startInstrumentedApp(style, {
            rps: 20,
            errorRate: track === 'canary' ? 0.2 : 0,
            latencyMs: track === 'canary' ? 400 : 20,
            backend: track === 'canary' ? 'app-canary' : 'app',
          }).then((app) => {
            apps.push(app);
            targets.push({ address: app.address, labels: { job: 'presets', style, track } });
          }),
        );
      }
    }
    for (const extra of EXTRA) {
      started.push(
        startInstrumentedApp(extra.style, { errorRate: 0.1, ...extra }).then((app) => {
          apps.push(app);
          targets.push({ address: app.address, labels: { job: 'presets', style: extra.id, track: 'stable' } });
        }),
      );
    }
    await Promise.all(started);
    await prom!.setTargets(targets);
    client = new PrometheusClient(prom!.url);
    // A full window of scrapes and a bit.
    await new Promise((r) => setTimeout(r, (WINDOW + 2) * 1000));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...apps.map((a) => a.stop()), prom?.stop()]);
  });

  it.each(STYLES)('%s: the pre-flight accepts both tracks with its preset', async (style) => {
    const names = presetByName(style).names;
    const sel = selectors(style);
    expect(await preflightTrack(client, CHECKS, sel.stable, { names })).toEqual([]);
    expect(await preflightTrack(client, CHECKS, sel.canary, { names, track: 'canary' })).toEqual([]);
  });

  it.each(STYLES)('%s: success rate and p95 latency read the right values per track', async (style) => {
    const names = presetByName(style).names;
    const sel = selectors(style);
    const canary = await analyseStep(client, CHECKS, sel, { windowSeconds: WINDOW, noData: 'fail', names, requireSeries: true });
    const stable = await analyseStep(
      client,
      CHECKS,
      { canary: sel.stable, stable: sel.stable },
      { windowSeconds: WINDOW, noData: 'fail', names, requireSeries: true },
    );
    const [cSuccess, cLatency] = canary.results;
    const [sSuccess, sLatency] = stable.results;
    expect(stable.verdict, JSON.stringify(stable.results)).toBe('pass');
    expect(sSuccess!.value).toBeCloseTo(100, 6);
    expect(sLatency!.value).toBeLessThanOrEqual(100);
    expect(canary.verdict).toBe('fail');
    expect(cSuccess!.verdict).toBe('fail');
    expect(cSuccess!.value).toBeGreaterThan(70);
    expect(cSuccess!.value).toBeLessThan(90);
    expect(cLatency!.verdict).toBe('fail');
    expect(cLatency!.value).toBeGreaterThan(300);
  });

  it('the bug this fixes: the default query over FastAPI series says 100 % for a 20 %-error canary; the pre-flight refuses it', async () => {
    const sel = selectors('prometheus-fastapi-instrumentator');
    const naive = await client.query(renderQuery(CHECKS[0]!, sel.canary, WINDOW));
    expect(naive[0]!.value).toBeCloseTo(100, 6);
    const problems = await preflightTrack(client, CHECKS, sel.stable, { names: DEFAULT_METRIC_NAMES });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.problem).toMatch(/have no "code" label/);
    expect(problems[0]!.found[0]).toMatch(/^http_requests_total\{.*status="2xx"/);
    expect(problems[0]!.fix).toBe('the status is in "status" (classes such as 5xx): set metrics-preset: prometheus-fastapi-instrumentator');
    const err = await assertJudgeable(client, CHECKS, sel.stable, { names: DEFAULT_METRIC_NAMES }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).message).toMatch(
      /^The metrics cannot judge this canary, so it was not started:\n- success-rate \(stable\): .*Found: http_requests_total\{/,
    );
  });

  it('another library’s metric names: the fix names the preset the series look like', async () => {
    const problems = await preflightTrack(client, CHECKS, selectors('prometheus-flask-exporter').stable, { names: DEFAULT_METRIC_NAMES });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.checks).toEqual(['success-rate', 'latency']);
    expect(problems[0]!.problem).toBe('no http_requests_total series match {job="presets",style="prometheus-flask-exporter",track="stable"}');
    expect(problems[0]!.found).toContain('flask_http_request_total');
    expect(problems[0]!.fix).toMatch(/set metrics-preset: prometheus-flask-exporter$/);
  });

  it('FastAPI with should_group_status_codes=False: the values are codes, the fix says status-form: code', async () => {
    const names = presetByName('prometheus-fastapi-instrumentator').names;
    const problems = await preflightTrack(client, CHECKS, 'job="presets",style="fastapi-ungrouped",track="stable"', { names });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.problem).toMatch(/"status" has the values "200", "500", which are not a status class such as 5xx/);
    expect(problems[0]!.fix).toBe('set status-form: code (the values are codes such as 500)');
    // …and with the override the check reads them.
    const fixed = resolveMetricNames(presetByName('prometheus-fastapi-instrumentator'), { statusForm: 'code' });
    expect(await preflightTrack(client, CHECKS.slice(0, 1), 'job="presets",style="fastapi-ungrouped",track="stable"', { names: fixed })).toEqual([]);
  });

  it('Spring Boot without percentiles-histogram: the latency check is refused with the property to set', async () => {
    const names = presetByName('spring-boot').names;
    const problems = await preflightTrack(client, CHECKS, 'job="presets",style="spring-nohist",track="stable"', { names });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.checks).toEqual(['latency']);
    expect(problems[0]!.found).toEqual(['http_server_requests_seconds_count', 'http_server_requests_seconds_max', 'http_server_requests_seconds_sum']);
    expect(problems[0]!.fix).toMatch(/percentiles-histogram\.http\.server\.requests=true/);
  });

  it('Istio: both reporters count each request; the preset counts it once', async () => {
    const sel = selectors('istio').stable;
    const all = await client.query(`sum(rate(istio_requests_total{${sel}}[${WINDOW}s]))`);
    const once = await client.query(`sum(rate(istio_requests_total{${sel},${presetByName('istio').names.matchers}}[${WINDOW}s]))`);
    expect(all[0]!.value).toBeCloseTo(2 * once[0]!.value, 6);
    expect(once[0]!.value).toBeGreaterThan(15);
    expect(once[0]!.value).toBeLessThan(25);
  });

  it('no canary series after a step: no data, never a pass — even with no-data: pass', async () => {
    const names = presetByName('default').names;
    const sel: Selectors = { canary: 'job="presets",style="default",track="missing"', stable: selectors('default').stable };
    const failed = await analyseStep(client, CHECKS, sel, { windowSeconds: WINDOW, noData: 'pass', names, requireSeries: true });
    expect(failed.verdict).toBe('fail');
    for (const r of failed.results)
      expect(r.reason).toMatch(/^no data: no series at all match \{job="presets",style="default",track="missing"\}.*missing series never pass/);
    const paused = await analyseStep(client, CHECKS, sel, { windowSeconds: WINDOW, noData: 'inconclusive', names, requireSeries: true });
    expect(paused.verdict).toBe('inconclusive');
    // Without the series check, no-data: pass would have passed it: the reason the check exists.
    const unchecked = await analyseStep(client, CHECKS, sel, { windowSeconds: WINDOW, noData: 'pass', names });
    expect(unchecked.verdict).toBe('pass');
  });
});

// Keep the style list and the presets in step.
describe('styles and presets', () => {
  it('every fixture style is a preset', () => {
    for (const style of STYLES as readonly InstrumentationStyle[]) expect(presetByName(style).name).toBe(style);
  });
});
