// baseline: true on compose (issue #13), with the deploy-canary bundle against real components:
// docker-compose runs stable, canary and `<service>-baseline` (the stable image, started fresh with
// the canary), nginx splits the traffic three ways, Prometheus scrapes each track, and judge:
// compare compares the canary with the baseline.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.js';
import { runProgram } from '../../src/exec/run.js';
import { alphaForFraction, informationFractions } from '../../src/metrics/statistics.js';
import { parseUpstream } from '../../src/traffic/nginx-upstream.js';
import { splitWeights } from '../../src/traffic/router.js';
import { serviceContainers, startCanaryStage, type CanaryStage } from '../support/compose.js';
import { ensureFixtureAppVersion } from '../support/fixture-app.js';
import { startLoad } from '../support/load.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';

// Compare needs at least 3 latency samples a side per look: 2 s samples in an 10 s interval.
const COMPARE = { judge: 'compare', steps: '10,50,100', interval: '10s', 'analysis-window': '5s', 'sample-window': '2s' };

/** Requests a fixture container has answered so far (its own counter, read from its /metrics). */
async function served(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
  const text = await res.text();
  return [...text.matchAll(/^http_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function imageOf(project: string, service: string): Promise<string[]> {
  const ids = await serviceContainers(project, service);
  if (!ids.length) return [];
  const out = await runProgram('docker', ['inspect', '-f', '{{.Config.Image}}', ...ids], { timeoutMs: 30_000 });
  return out.stdout.trim().split('\n');
}

describe('deploy-canary with baseline: true on compose + nginx + Prometheus (real)', () => {
  let prometheus: TestPrometheus;
  let good1: string;
  let good2: string;
  let bad: string;
  const stages: CanaryStage[] = [];
  const stage = async (): Promise<CanaryStage> => {
    const s = await startCanaryStage({ stableImage: good1, prometheus });
    stages.push(s);
    return s;
  };

  beforeAll(async () => {
    [good1, good2, bad] = await Promise.all([
      ensureFixtureAppVersion('bl-1'),
      ensureFixtureAppVersion('bl-2'),
      ensureFixtureAppVersion('bl-bad', { errorRate: 0.05 }),
    ]);
    prometheus = await startPrometheus({});
  }, 240_000);
  afterAll(async () => {
    for (const s of stages) await s.stop();
    await prometheus?.stop();
  });

  it('runs the baseline with the stable image at the canary weight (10/10/80 in nginx and in requests served), compares against it, removes it on promote', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 50 });
    const during: {
      upstream?: string;
      baselineImage?: string[];
      at1?: Record<string, number>;
      at2?: Record<string, number>;
    } = {};
    const snapshot = async (): Promise<Record<string, number>> => ({
      stable: await served(s.project.stablePort),
      canary: await served(s.canaryPort),
      baseline: await served(s.baselinePort),
    });
    const watching: Array<Promise<void>> = [];
    const run = await runAction('deploy-canary', {
      inputs: { ...s.inputs, ...COMPARE, image: good2 },
      timeoutMs: 240_000,
      onSpawn: (child, output) => {
        const timer = setInterval(() => {
          if (!during.upstream && output().includes('Step 1/3: 10% of traffic on the canary, 10% on the baseline (app-baseline), 80% on stable')) {
            during.upstream = 'pending';
            watching.push(
              (async () => {
                during.upstream = await readFile(s.nginx.upstreamFile, 'utf8');
                during.baselineImage = await imageOf(s.project.project, 'app-baseline');
                during.at1 = await snapshot();
              })(),
            );
          }
          if (!during.at2 && output().includes('Step 2/3:')) {
            during.at2 = {};
            watching.push(snapshot().then((x) => void (during.at2 = x)));
            clearInterval(timer);
          }
        }, 50);
        child.once('close', () => clearInterval(timer));
      },
    });
    await Promise.all(watching);
    await load.stop();
    expect(run.errors).toEqual([]);
    expect(run.outputs.result).toBe('promoted');

    // During the analysis: the baseline ran the stable image, nginx served 80/10/10 …
    expect(during.baselineImage).toEqual([good1]);
    expect(parseUpstream(during.upstream!)?.servers.map((x) => [x.track, x.weight])).toEqual([
      ['stable', 80],
      ['canary', 10],
      ['baseline', 10],
    ]);
    // … and the containers answered requests in that proportion over step 1 (counted by each of them).
    const step1 = Object.fromEntries(Object.entries(during.at2!).map(([k, v]) => [k, v - during.at1![k]!]));
    const total = step1.stable! + step1.canary! + step1.baseline!;
    expect(total).toBeGreaterThan(300);
    expect(step1.canary! / total).toBeGreaterThan(0.07);
    expect(step1.canary! / total).toBeLessThan(0.13);
    expect(step1.baseline! / total).toBeGreaterThan(0.07);
    expect(step1.baseline! / total).toBeLessThan(0.13);
    expect(Math.abs(step1.canary! - step1.baseline!)).toBeLessThanOrEqual(Math.max(5, total * 0.02));

    // Compared with the baseline, per step: canary, control, difference, p-value / bound.
    const analysis = JSON.parse(run.outputs.analysis!) as Array<{
      weight: number;
      verdict: string;
      metrics: Array<{ name: string; control: number | null; pValue: number | null }>;
    }>;
    expect(analysis.map((a) => [a.weight, a.verdict])).toEqual([
      [10, 'pass'],
      [50, 'pass'],
      [100, 'pass'],
    ]);
    expect(analysis[0]!.metrics.find((m) => m.name === 'success-rate')!.control).toBeCloseTo(100, 6);
    expect(run.summary).toContain('| Step | Weight | Metric | Canary | Control | Difference | p-value (α) / bound |');
    expect(run.summary).toMatch(/\| Baseline \| app-baseline \(.*bl-1.*\): removed \|/);

    // Promoted: stable runs the new image alone; baseline and canary are gone, and so is their server in nginx.
    expect(await serviceContainers(s.project.project, 'app-baseline')).toEqual([]);
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(parseUpstream(await readFile(s.nginx.upstreamFile, 'utf8'))?.servers.map((x) => x.track)).toEqual(['stable']);
    expect(await s.nginx.sample(20)).toEqual({ 'bl-2': 20 });
  }, 300_000);

  it('aborts a canary with 5% 5xx compared with the baseline; traffic back on stable, baseline and canary removed', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 50 });
    // The absolute bound (min) is set low, so what aborts is the statistical comparison with the baseline.
    const metrics = '- name: success-rate\n  min: 80\n- name: latency\n  quantile: p95\n  max: 5s\n';
    const run = await runAction('deploy-canary', { inputs: { ...s.inputs, ...COMPARE, metrics, image: bad }, timeoutMs: 240_000 });
    await load.stop();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('aborted');
    expect(run.errors.join('\n')).toMatch(/Canary of app aborted: analysis failed at \d+%: success-rate: .*baseline/);
    const analysis = JSON.parse(run.outputs.analysis!) as Array<{
      step: number;
      verdict: string;
      metrics: Array<{ name: string; verdict: string; pValue: number; alpha?: number; reason: string }>;
    }>;
    // Alpha is spent by the plan's information (10, 50, 100 % with the baseline's shares), each check by its own basis.
    const shares = [10, 50, 100].map((w) => ({ canary: w, control: splitWeights(w, true).baseline }));
    const levels = analysis.flatMap((step) =>
      step.metrics.filter((m) => m.alpha !== undefined).map((m) => ({ step: step.step, name: m.name, alpha: m.alpha! })),
    );
    expect(levels.map((l) => l.name)).toContain('success-rate');
    for (const l of levels) {
      const fractions = informationFractions(shares, 1, l.name === 'success-rate' ? 'counts' : 'samples');
      expect(l.alpha).toBeCloseTo(alphaForFraction(l.step, fractions, 0.05), 12);
    }
    const failed = analysis.at(-1)!.metrics.find((m) => m.name === 'success-rate')!;
    expect(failed.verdict).toBe('fail');
    expect(failed.pValue).toBeLessThan(failed.alpha!);
    expect(failed.reason).toMatch(/baseline/);
    expect(run.summary).toMatch(/\| Baseline \| app-baseline .*: removed \|/);
    expect(await serviceContainers(s.project.project, 'app-baseline')).toEqual([]);
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(parseUpstream(await readFile(s.nginx.upstreamFile, 'utf8'))?.servers.map((x) => x.track)).toEqual(['stable']);
    expect(await s.nginx.sample(20)).toEqual({ 'bl-1': 20 });
  }, 300_000);

  it('post step after SIGTERM mid-canary removes the baseline with the canary', async () => {
    const s = await stage();
    const main = await runAction('deploy-canary', {
      inputs: { ...s.inputs, ...COMPARE, steps: '25,100', interval: '30s', image: good2 },
      timeoutMs: 120_000,
      onSpawn: (child, output) => {
        const timer = setInterval(() => {
          if (output().includes('Step 1/2: 25% of traffic on the canary, 25% on the baseline')) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 100);
        child.once('close', () => clearInterval(timer));
      },
    });
    expect(main.exitCode).not.toBe(0);
    expect(await serviceContainers(s.project.project, 'app-baseline')).toHaveLength(1);
    const mid = await s.nginx.sample(40);
    expect(mid['bl-2']).toBe(10);
    expect(mid['bl-1']).toBe(30);
    const post = await runAction('deploy-canary', { post: true, state: main.state, inputs: s.inputs, timeoutMs: 120_000 });
    expect(post.errors).toEqual([]);
    expect(post.summary).toMatch(/\| Baseline \| app-baseline removed \|/);
    expect(await serviceContainers(s.project.project, 'app-baseline')).toEqual([]);
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(await s.nginx.sample(20)).toEqual({ 'bl-1': 20 });
  }, 300_000);

  it('inconclusive: pause leaves a canary whose check has no data paused, baseline beside it; action: abort removes both', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 30 });
    // The app exports no such counter: an empty vector on every track, i.e. no data (never a pass).
    const metrics = '- name: success-rate\n  min: 80\n- name: queue-errors\n  query: sum(rate(queue_errors_total{ {{selector}} }[{{window}}]))\n  max: 1\n';
    const first = await runAction('deploy-canary', {
      inputs: { ...s.inputs, ...COMPARE, steps: '25,100', metrics, 'no-data': 'inconclusive', inconclusive: 'pause', image: good2 },
      timeoutMs: 240_000,
    });
    expect(first.errors).toEqual([]);
    expect(first.outputs.result, first.log.slice(-3000)).toBe('paused');
    const analysis = JSON.parse(first.outputs.analysis!) as Array<{ weight: number; verdict: string; metrics: Array<{ name: string; verdict: string }> }>;
    expect(analysis.map((a) => [a.weight, a.verdict])).toEqual([[25, 'inconclusive']]);
    expect(analysis[0]!.metrics.find((m) => m.name === 'queue-errors')!.verdict).toBe('inconclusive');
    expect(first.log).toMatch(/inconclusive: pause leaves the canary here for a human/);
    expect(first.summary).toMatch(/\| Baseline \| app-baseline .*: still running beside the paused canary \|/);
    expect(await serviceContainers(s.project.project, 'app-baseline')).toHaveLength(1);
    expect(parseUpstream(await readFile(s.nginx.upstreamFile, 'utf8'))?.servers.map((x) => [x.track, x.weight])).toEqual([
      ['stable', 50],
      ['canary', 25],
      ['baseline', 25],
    ]);
    const abort = await runAction('deploy-canary', { inputs: { ...s.inputs, action: 'abort' }, timeoutMs: 240_000 });
    await load.stop();
    expect(abort.errors).toEqual([]);
    expect(abort.exitCode, `${abort.durationMs} ms: ${abort.log.slice(-2000)}`).toBe(0);
    expect(abort.summary).toMatch(/\| Baseline \| app-baseline .*: removed \|/);
    expect(await serviceContainers(s.project.project, 'app-baseline')).toEqual([]);
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(await s.nginx.sample(20)).toEqual({ 'bl-1': 20 });
  }, 420_000);
});
