// judge: compare against a real Prometheus: canary and baseline series scraped each second, the
// counts and per-sample values read back (instant and range queries), and the statistical verdict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseStep } from '../../../src/metrics/analysis.js';
import { measureComparison } from '../../../src/metrics/compare.js';
import { parseMetricChecks } from '../../../src/metrics/config.js';
import { JudgedAnalyser } from '../../../src/metrics/judged-analyser.js';
import { presetByName } from '../../../src/metrics/presets.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { alphaForFraction, formatP, informationFractions } from '../../../src/metrics/statistics.js';
import { splitWeights } from '../../../src/traffic/router.js';
import { startInstrumentedApp, type InstrumentedApp } from '../../support/instrumented-app.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

const CHECKS = parseMetricChecks(
  [
    { name: 'success-rate', min: 50 },
    { name: 'latency', quantile: 'p95', max: '5s' },
  ],
  'metrics',
);
const TRACKS = {
  baseline: { errorRate: 0.003, latencyMs: 100 },
  good: { errorRate: 0.003, latencyMs: 100 },
  // The default buckets (0.1, 0.25, 0.5 s) squeeze latency: histogram_quantile interpolates inside a
  // bucket, so 100 → 160 ms moves the p95 estimate only 235 → 242 ms (+3 %, within the default 10 %
  // margin). 250 ms puts the canary's p95 in the next bucket (~475 ms).
  bad: { errorRate: 0.05, latencyMs: 250 },
} as const;
type Track = keyof typeof TRACKS;
const sel = (track: Track): string => `job="cmp",track="${track}"`;
const SETTINGS = { alpha: 0.05, spending: 'pocock' as const, look: 1, looks: 4 };

describe('judge: compare against real Prometheus', () => {
  let prom: TestPrometheus | undefined;
  let client: PrometheusClient;
  const apps: Partial<Record<Track, InstrumentedApp>> = {};
  let since: Date;
  let until: Date;

  beforeAll(async () => {
    const started: Array<Promise<unknown>> = [startPrometheus().then((p) => (prom = p))];
    for (const track of Object.keys(TRACKS) as Track[]) {
      started.push(startInstrumentedApp('default', { rps: 40, jitter: 0.3, ...TRACKS[track] }).then((a) => (apps[track] = a)));
    }
    await Promise.all(started);
    await prom!.setTargets((Object.keys(TRACKS) as Track[]).map((t) => ({ address: apps[t]!.address, labels: { job: 'cmp', track: t } })));
    client = new PrometheusClient(prom!.url);
    since = new Date();
    await new Promise((r) => setTimeout(r, 12_000));
    until = new Date(Date.now() - 1000); // the last scrape is in
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...Object.values(apps).map((a) => a.stop()), prom?.stop()]);
  });

  it('reads request and error counts since the start, and one latency sample per 2 s', async () => {
    const w = { since, until, sampleSeconds: 2 };
    const counts = (await measureComparison(client, CHECKS[0]!, { canary: sel('bad'), baseline: sel('baseline') }, w)).counts!;
    // ~40 rps for ~11 s; increase() extrapolates at the edges, so loosely.
    expect(counts.canaryRequests).toBeGreaterThan(250);
    expect(counts.canaryRequests).toBeLessThan(560);
    expect(counts.canaryErrors / counts.canaryRequests).toBeGreaterThan(0.03);
    expect(counts.canaryErrors / counts.canaryRequests).toBeLessThan(0.07);
    expect(counts.baselineErrors).toBeLessThanOrEqual(3);
    const lat = await measureComparison(client, CHECKS[1]!, { canary: sel('bad'), baseline: sel('baseline') }, w);
    expect(lat.canary!.length).toBeGreaterThanOrEqual(3);
    expect(lat.baseline!.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...lat.canary!)).toBeGreaterThan(Math.max(...lat.baseline!) * 0.9);
  });

  it('a 5 %-error, +150 % slower canary fails both checks at the first look; a healthy one passes', async () => {
    const compare = (track: Track) =>
      analyseStep(
        client,
        CHECKS,
        { canary: sel(track), stable: sel('baseline') },
        {
          windowSeconds: 4,
          noData: 'fail',
          time: until,
          requireSeries: true,
          compare: { baseline: sel('baseline'), since, sampleSeconds: 2, settings: SETTINGS },
        },
      );
    const bad = await compare('bad');
    expect(bad.verdict).toBe('fail');
    const [sr, lat] = bad.results;
    expect(sr!.reason).toMatch(/error rate higher than the baseline's \(two proportions p=/);
    expect(sr!.pValue!).toBeLessThan(sr!.alpha!);
    expect(sr!.baselineValue!).toBeGreaterThan(99);
    expect(sr!.bound).toMatch(/^error rate ≥ baseline \+/);
    expect(lat!.reason).toMatch(/higher than the baseline by more than 10% \(Mann-Whitney p=/);
    expect(lat!.difference).toMatch(/^\+/);

    const good = await compare('good');
    expect(good.verdict, JSON.stringify(good.results, null, 1)).toBe('pass');
    for (const r of good.results) expect(r.pValue!).toBeGreaterThanOrEqual(r.alpha!);
  });

  it('a baseline that is not scraped: no data, never a pass', async () => {
    const r = await analyseStep(
      client,
      CHECKS,
      { canary: sel('good'), stable: sel('baseline') },
      {
        windowSeconds: 4,
        noData: 'pass',
        time: until,
        requireSeries: true,
        compare: { baseline: 'job="cmp",track="nobody"', since, sampleSeconds: 2, settings: SETTINGS },
      },
    );
    expect(r.verdict).toBe('fail');
    expect(r.results[0]!.reason).toMatch(/^no data: baseline: no series at all match \{job="cmp",track="nobody"\}/);
  });

  it('JudgedAnalyser: validates the stable series, then judges looks against the baseline and combines them', async () => {
    const SHARES = [10, 25, 50, 100].map((w) => ({ canary: w, control: splitWeights(w, true).baseline }));
    const analysis = {
      names: presetByName('default').names,
      judge: 'compare' as const,
      control: 'baseline' as const,
      alpha: 0.05,
      spending: 'pocock' as const,
      sampleSeconds: 2,
      measurement: { count: 2, consecutiveErrors: 0 },
      inconclusive: 'continue' as const,
    };
    const make = (canary: Track, names = analysis.names) =>
      new JudgedAnalyser(client, {
        checks: CHECKS,
        selectors: { canary: sel(canary), stable: sel('baseline') },
        baselineSelector: sel('baseline'),
        windowSeconds: 4,
        noData: 'fail',
        steps: 4,
        shares: SHARES,
        intervalMs: 10_000,
        analysis: { ...analysis, names },
      });
    const bad = make('bad');
    await bad.validate();
    bad.begin(since);
    expect(bad.measurementOffsets).toEqual([5000, 10_000]);
    const looks = [await bad.measure({ index: 0, weight: 10 }, 0), await bad.measure({ index: 0, weight: 10 }, 1)];
    // Alpha is spent by each look's share of the plan's information, per basis (requests, samples).
    const level = (look: number, basis: 'counts' | 'samples'): string =>
      `α=${formatP(alphaForFraction(look, informationFractions(SHARES, 2, basis), 0.05))} at look ${look} of 8)`;
    expect(looks[0]!.results[0]!.reason).toContain(level(1, 'counts'));
    expect(looks[1]!.results[0]!.reason).toContain(level(2, 'counts'));
    expect(looks[1]!.results[1]!.reason).toContain(level(2, 'samples'));
    expect(level(2, 'counts')).not.toBe(level(2, 'samples'));
    const step = bad.combine(looks);
    expect(step.verdict).toBe('fail');
    expect(bad.describeFailure(step)).toMatch(/^success-rate: .*error rate higher.*; latency: .*higher than the baseline/);

    // The FastAPI preset over these series: refused before anything would start.
    const wrong = make('good', presetByName('prometheus-fastapi-instrumentator').names);
    const err = await wrong.validate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/success-rate \(stable\): 2 of 2 http_requests_total series have no "status" label/);
  });
});
