import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusAnalyser } from '../../../src/metrics/analyser.js';
import { parseMetricChecks, trackSelectors } from '../../../src/metrics/config.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { runCanary } from '../../../src/release/canary.js';
import { ComposeTarget } from '../../../src/targets/compose.js';
import { NginxRouter } from '../../../src/traffic/nginx.js';
import { serviceContainers, startCanaryStage, type CanaryStage } from '../../support/compose.js';
import { ensureFixtureAppVersion } from '../../support/fixture-app.js';
import { startLoad } from '../../support/load.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

const CHECKS = parseMetricChecks(
  [
    { name: 'success-rate', min: 99 },
    { name: 'latency', quantile: 0.95, max: 1000 },
  ],
  'test',
);

function canaryRun(s: CanaryStage, prometheusUrl: string, image: string) {
  const target = new ComposeTarget({
    files: [s.project.file],
    project: s.project.project,
    baseDir: s.project.dir,
    flavor: s.project.flavor,
    routing: { stableAddress: s.project.stableAddress, canaryPort: s.canaryPort },
  });
  const router = new NginxRouter({
    upstreamFile: s.nginx.upstreamFile,
    upstreamName: s.nginx.upstreamName,
    stableAddress: s.project.stableAddress,
    reload: s.nginx.reload,
  });
  const client = new PrometheusClient(prometheusUrl, { timeoutMs: 2000, attempts: 1 });
  const selectors = trackSelectors({ scenario: s.scenario });
  const log = memoryLogger();
  const run = runCanary(
    { target, router, log },
    {
      plan: { steps: [25, 50, 100], intervalMs: 3000, failureLimit: 1, promoteAfterLastStep: false },
      service: 'app',
      image,
      healthTimeoutMs: 60_000,
      analyser: new PrometheusAnalyser(client, { checks: CHECKS, selectors, windowSeconds: 5, noData: 'fail' }),
    },
  );
  return { run, log, target };
}

describe('canary analysis with real Prometheus, nginx and compose', () => {
  let prometheus: TestPrometheus;
  let good: string;
  let errors5: string;
  let slow: string;
  const stages: CanaryStage[] = [];

  beforeAll(async () => {
    [good, errors5, slow] = await Promise.all([
      ensureFixtureAppVersion('ca-1'),
      ensureFixtureAppVersion('ca-bad', { errorRate: 0.05 }),
      ensureFixtureAppVersion('ca-slow', { latencyMs: 1500 }),
    ]);
    prometheus = await startPrometheus({});
  }, 240_000);
  afterAll(async () => {
    for (const s of stages) await s.stop();
    await prometheus?.stop();
  });

  it('aborts a version with 5% 5xx at the first analysis; traffic goes back on stable after the verdict and before clean-up ends', async () => {
    const s = await startCanaryStage({ stableImage: good, prometheus });
    stages.push(s);
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 50 });
    const { run } = canaryRun(s, prometheus.url, errors5);
    const outcome = await run;
    await new Promise((r) => setTimeout(r, 1000));
    const seen = await load.stop();
    expect(outcome.result).toBe('aborted');
    expect(outcome.steps).toHaveLength(1);
    expect(outcome.reason).toMatch(/analysis failed at 25%: success-rate: /);
    const rate = outcome.steps[0]!.analysis.results.find((r) => r.name === 'success-rate')!;
    expect(rate.verdict).toBe('fail');
    expect(rate.value).toBeLessThan(99);
    // Order, not speed: the verdict, then traffic on stable, then the end of clean-up (the time it takes is bench/canary.mjs's figure).
    expect(outcome.timings.stableAt!).toBeGreaterThanOrEqual(outcome.timings.verdictAt!);
    expect(outcome.timings.endedAt!).toBeGreaterThanOrEqual(outcome.timings.stableAt!);
    // Requests that started after traffic was back on stable never reached the bad canary.
    const after = seen.timeline.filter((x) => x.t > outcome.timings.stableAt! + 100);
    expect(after.length).toBeGreaterThan(20);
    expect(after.filter((x) => x.status >= 500)).toEqual([]);
    expect(seen.byStatus[500] ?? 0).toBeGreaterThan(0);
    expect(await s.nginx.sample(20)).toEqual({ 'ca-1': 20 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(await s.project.compose(['config'])).toContain(`image: ${good}`);
  }, 150_000);

  it('catches a latency regression (p95 above 1000 ms) and aborts', async () => {
    const s = await startCanaryStage({ stableImage: good, prometheus });
    stages.push(s);
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 30 });
    const { run } = canaryRun(s, prometheus.url, slow);
    const outcome = await run;
    await load.stop();
    expect(outcome.result).toBe('aborted');
    const latency = outcome.steps.at(-1)!.analysis.results.find((r) => r.name === 'latency')!;
    expect(latency.verdict).toBe('fail');
    expect(latency.value).toBeGreaterThan(1000);
    expect(await s.nginx.sample(10)).toEqual({ 'ca-1': 10 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
  }, 150_000);

  it('does not promote when Prometheus becomes unreachable mid-canary (the analysis fails, never passes silently)', async () => {
    const own = await startPrometheus({});
    const s = await startCanaryStage({ stableImage: good, prometheus: own });
    stages.push(s);
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 20 });
    const { run, log } = canaryRun(s, own.url, good.replace('ca-1', 'ca-1'));
    // Stop Prometheus once the first step is live.
    const stopper = (async () => {
      while (!log.lines.some((l) => l.includes('Step 1/3: 25%'))) await new Promise((r) => setTimeout(r, 100));
      await own.stop();
    })();
    const outcome = await run;
    await stopper;
    await load.stop();
    expect(outcome.result).toBe('aborted');
    expect(outcome.reason).toMatch(/Prometheus query failed/);
    expect(await s.nginx.sample(10)).toEqual({ 'ca-1': 10 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
  }, 150_000);
});
