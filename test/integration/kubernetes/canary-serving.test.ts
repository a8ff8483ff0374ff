// The canary use case on Kubernetes as the composition root builds it — KubernetesTarget,
// PodRatioRouter, KubernetesRecord and the judged Prometheus analysis — under real load: the
// stand-in's pods run the fixture app as processes, its Service spreads requests over them, and a
// real Prometheus scrapes them with their track labels.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseMetricChecks, selectorFor, trackSelectors } from '../../../src/metrics/config.js';
import { analysisOptionsFromInputs } from '../../../src/metrics/from-inputs.js';
import { JudgedAnalyser } from '../../../src/metrics/judged-analyser.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { deployCanary } from '../../../src/release/canary.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';
import { KubernetesRecord } from '../../../src/targets/kubernetes/record.js';
import { KubernetesTarget } from '../../../src/targets/kubernetes/target.js';
import { PodRatioRouter } from '../../../src/traffic/kubernetes/pod-ratio.js';
import { startServingStage, type ServingStage } from '../../support/k8s-standin/stage.js';
import { startLoad } from '../../support/load.js';

const TRACK = 'deploy-kit.dev/track';
const CHECKS = parseMetricChecks(
  [
    { name: 'success-rate', template: 'success-rate', min: 99 },
    { name: 'latency', template: 'latency', quantile: 0.95, max: 1000 },
  ],
  'test',
);

let stage: ServingStage;

beforeAll(async () => {
  stage = await startServingStage();
}, 60_000);
afterAll(async () => {
  await stage?.stop();
});

/** The canary of `name` as deploy-canary's factory builds it, with analysis settings read like the inputs. */
function canary(name: string, image: string, o: { baseline?: boolean; judge?: 'threshold' | 'compare'; steps: number[]; intervalMs: number }) {
  const { kubectl } = stage;
  const values: Record<string, string> = { judge: o.judge ?? 'threshold', baseline: String(o.baseline ?? false), 'sample-window': '2s' };
  const analysis = analysisOptionsFromInputs(
    new Inputs(
      (n) => values[n] ?? '',
      new SecretRegistry(),
      () => undefined,
      '/ws',
    ),
    { intervalMs: o.intervalMs, windowMs: o.intervalMs },
  );
  const labels = { app: name };
  const analyser = new JudgedAnalyser(new PrometheusClient(stage.prometheus.url, { timeoutMs: 3000, attempts: 2 }), {
    checks: CHECKS,
    selectors: trackSelectors(labels),
    ...(analysis.baseline ? { baselineSelector: selectorFor({ ...labels, track: 'baseline' }) } : {}),
    windowSeconds: o.intervalMs / 1000,
    noData: 'fail',
    steps: o.steps.length,
    intervalMs: o.intervalMs,
    analysis,
  });
  const log = memoryLogger();
  const deps = {
    target: new KubernetesTarget({ kubectl, baseline: analysis.baseline }),
    router: new PodRatioRouter({ kubectl, deployment: name, timeoutMs: 60_000 }),
    record: new KubernetesRecord(kubectl),
    log,
  };
  const run = deployCanary(deps, {
    service: name,
    image,
    plan: { steps: o.steps, intervalMs: o.intervalMs, failureLimit: 1, promoteAfterLastStep: false },
    healthTimeoutMs: 60_000,
    analyser,
    dryRun: false,
  });
  return { run, log };
}

const template = (name: string): string => JSON.stringify(stage.standin.get('Deployment', name)!.spec.template);

// Real processes, kubectl and Prometheus on a shared machine: generous deadlines.
describe('canary on Kubernetes with pods that serve, judged by the real Prometheus (stand-in)', { timeout: 180_000 }, () => {
  test('stand-in: a healthy canary with baseline: true is promoted; the baseline runs (and is scraped) during the analysis and is removed after', async () => {
    await stage.createApp('shop', 'registry.local/shop:1.0.0', { podLabels: { [TRACK]: 'stable' } });
    await stage.scraped({ app: 'shop', track: 'stable' });
    const load = startLoad(`${await stage.url('shop')}/api/orders`, { rps: 30, timeoutMs: 30_000 });
    const { run, log } = canary('shop', 'registry.local/shop:1.1.0', { baseline: true, judge: 'compare', steps: [34, 100], intervalMs: 10_000 });
    // While the steps run: the baseline Deployment on the stable image, its pods scraped as track="baseline".
    const seen: { baselineImage?: string; baselineScraped?: boolean } = {};
    const watcher = (async () => {
      while (!log.lines.some((l) => l.includes('Step 1/2'))) await new Promise((r) => setTimeout(r, 100));
      seen.baselineImage = stage.standin.get('Deployment', 'shop-baseline')?.spec.template.spec.containers[0].image;
      seen.baselineScraped = await stage.scraped({ app: 'shop', track: 'baseline' }, 8000).then(
        () => true,
        () => false,
      );
    })();
    const result = await run;
    await watcher;
    const answered = await load.stop();
    expect(result.kind).toBe('ran');
    if (result.kind !== 'ran') return;
    expect(result.outcome.result, `${result.outcome.reason ?? ''}\n${log.lines.join('\n')}`).toBe('promoted');
    expect(result.outcome.steps.map((s) => [s.weight, s.analysis.verdict])).toEqual([
      [34, 'pass'],
      [100, 'pass'],
    ]);
    expect(seen).toEqual({ baselineImage: 'registry.local/shop:1.0.0', baselineScraped: true });
    // Promoted: the stable template has the new image, canary and baseline are gone, the Service answers 1.1.0 only.
    expect(stage.standin.get('Deployment', 'shop')!.spec.template.spec.containers[0].image).toBe('registry.local/shop:1.1.0');
    expect(stage.standin.get('Deployment', 'shop-canary')).toBeUndefined();
    expect(stage.standin.get('Deployment', 'shop-baseline')).toBeUndefined();
    await stage.standin.until(() => stage.standin.list('Pod').every((p) => !p.metadata.name.startsWith('shop-baseline')), 10_000, 'baseline pods gone');
    expect(await stage.versions('shop', 12)).toEqual({ '1.1.0': 12 });
    // Nothing failed under load, through the canary, the promotion and the clean-up.
    expect(Object.keys(answered.byStatus)).toEqual(['200']);
    expect(answered.sent).toBeGreaterThan(100);
  });

  test('stand-in: a canary answering 5 % 5xx is aborted at the first step; traffic is back on stable and the stable template is untouched', async () => {
    await stage.createApp('cart', 'registry.local/cart:1.0.0', { podLabels: { [TRACK]: 'stable' } });
    await stage.scraped({ app: 'cart', track: 'stable' });
    const before = template('cart');
    const load = startLoad(`${await stage.url('cart')}/api/orders`, { rps: 40, timeoutMs: 30_000 });
    const { run, log } = canary('cart', 'registry.local/cart:1.1.0-5xx', { steps: [34, 100], intervalMs: 5000 });
    const result = await run;
    await new Promise((r) => setTimeout(r, 1000));
    const answered = await load.stop();
    expect(result.kind).toBe('ran');
    if (result.kind !== 'ran') return;
    expect(result.outcome.result, log.lines.join('\n')).toBe('aborted');
    expect(result.outcome.steps).toHaveLength(1);
    expect(result.outcome.reason).toMatch(/success-rate/);
    const rate = result.outcome.steps[0]!.analysis.results.find((r) => r.name === 'success-rate')!;
    expect(rate.verdict).toBe('fail');
    expect(rate.value).toBeLessThan(99);
    // The bad version really served: some 500s reached the load while it had its share of pods.
    expect(answered.byStatus[500] ?? 0).toBeGreaterThan(0);
    // Requests sent once traffic was back on stable never met the canary.
    const stableAt = result.outcome.timings.stableAt!;
    const after = answered.timeline.filter((x) => x.t > stableAt + 200);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((x) => x.status !== 200)).toEqual([]);
    expect(template('cart')).toBe(before);
    expect(stage.standin.get('Deployment', 'cart-canary')).toBeUndefined();
    expect(await stage.versions('cart', 12)).toEqual({ '1.0.0': 12 });
    // The record tells the abort.
    const history = JSON.parse(stage.standin.get('ConfigMap', 'deploy-kit-history')!.data['history.json']) as { entries: Array<{ result: string }> };
    expect(history.entries.at(-1)!.result).toBe('aborted');
  });
});
