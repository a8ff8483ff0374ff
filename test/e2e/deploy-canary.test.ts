import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.js';
import { ensureUnhealthyImage, serviceContainers, startCanaryStage, type CanaryStage } from '../support/compose.js';
import { ensureFixtureAppVersion } from '../support/fixture-app.js';
import { startLoad } from '../support/load.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';

// The rate() window spans more than one interval, so a late scrape on a busy machine is not "no data".
const FAST = { steps: '25,50,100', interval: '3s', 'analysis-window': '5s' };

async function historyOf(stage: CanaryStage): Promise<Array<{ result: string; services: Array<{ image: string }> }>> {
  const file = `${stage.project.dir}/.deploy-kit/${stage.project.project}.history.json`;
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { entries: never[] }).entries : [];
}

describe('deploy-canary bundle on compose + nginx + Prometheus (real)', () => {
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
      ensureFixtureAppVersion('dc-1'),
      ensureFixtureAppVersion('dc-2'),
      ensureFixtureAppVersion('dc-bad', { errorRate: 0.05 }),
    ]);
    prometheus = await startPrometheus({});
  }, 240_000);
  afterAll(async () => {
    for (const s of stages) await s.stop();
    await prometheus?.stop();
  });

  it('promotes a good version: stable runs it, nginx serves it 100%, the canary is gone, the record says so', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 40 });
    // Prometheus ignores credentials it does not ask for; the password is a secret all the same.
    const withPassword = s.inputs['prometheus-url']!.replace('http://', 'http://reader:pr0m-s3cret-pw@');
    const run = await runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: good2, 'prometheus-url': withPassword }, timeoutMs: 150_000 });
    const seen = await load.stop();
    // No request through nginx got a 5xx during the canary and the promotion. (A keep-alive connection
    // to an nginx worker retired by a reload can be reset under the client: allowed for 0.5%.)
    expect(Object.keys(seen.byStatus).filter((c) => Number(c) >= 500)).toEqual([]);
    expect(seen.byStatus[200]).toBeGreaterThanOrEqual(seen.sent * 0.995);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(run.outputs.image).toBe(good2);
    expect(run.outputs['previous-image']).toBe(good1);
    const analysis = JSON.parse(run.outputs.analysis!) as Array<{ weight: number; verdict: string; metrics: Array<{ name: string; value: number }> }>;
    expect(analysis.map((a) => [a.weight, a.verdict])).toEqual([
      [25, 'pass'],
      [50, 'pass'],
      [100, 'pass'],
    ]);
    // Prometheus's ratio of identical counters can carry float noise (99.99999999999999).
    expect(analysis[0]!.metrics.find((m) => m.name === 'success-rate')!.value).toBeCloseTo(100, 6);
    expect(await s.nginx.sample(20)).toEqual({ 'dc-2': 20 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(run.summary).toContain('xychart-beta');
    expect(run.summary).toMatch(/\| 1 \| 25% \| success-rate \| 100 \|/);
    expect((await historyOf(s)).map((e) => [e.result, e.services[0]!.image])).toEqual([['promoted', good2]]);
    // The Prometheus URL is read as a secret: masked whole and by its password, and never shown.
    expect(run.masked).toContain(withPassword);
    expect(run.masked).toContain('pr0m-s3cret-pw');
    for (const text of [run.log.replace(/^::add-mask::.*$/gm, ''), run.summary, JSON.stringify(run.outputs)]) expect(text).not.toContain('pr0m-s3cret-pw');
    // The post step after a main that finished has nothing to do.
    const post = await runAction('deploy-canary', { post: true, state: run.state, inputs: s.inputs, timeoutMs: 60_000 });
    expect(post.exitCode).toBe(0);
    expect(post.log).toContain('The canary finished in the main step: nothing to clean up.');
  }, 180_000);

  it('aborts a version with 5% 5xx: outputs, summary and record say so; stable keeps serving; the job fails', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 50 });
    const run = await runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: bad }, timeoutMs: 150_000 });
    await load.stop();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('aborted');
    expect(run.outputs.image).toBe(good1);
    expect(run.errors.join('\n')).toMatch(
      /Canary of app aborted: analysis failed at 25%: success-rate: .*Traffic is back on stable and the canary was removed/,
    );
    const analysis = JSON.parse(run.outputs.analysis!) as Array<{
      weight: number;
      verdict: string;
      metrics: Array<{ name: string; value: number; verdict: string }>;
    }>;
    expect(analysis).toHaveLength(1);
    expect(analysis[0]!.metrics.find((m) => m.name === 'success-rate')).toMatchObject({ verdict: 'fail' });
    expect(run.summary).toMatch(/Canary of app: aborted/);
    expect(run.summary).toMatch(/Traffic was back on stable \d+ ms after the failing verdict/);
    expect(await s.nginx.sample(20)).toEqual({ 'dc-1': 20 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(await s.project.compose(['config'])).toContain(`image: ${good1}`);
    expect((await historyOf(s)).map((e) => [e.result, e.services[0]!.image])).toEqual([['aborted', bad]]);
  }, 180_000);

  it('aborts a canary that never becomes healthy: no traffic ever reached it', async () => {
    const s = await stage();
    const sick = await ensureUnhealthyImage(good2);
    const run = await runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: sick }, timeoutMs: 150_000 });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('aborted');
    expect(run.errors.join('\n')).toMatch(/aborted: the canary did not start: app-canary is not healthy: its health check reports unhealthy/);
    expect(JSON.parse(run.outputs.analysis!)).toEqual([]);
    expect(await s.nginx.sample(10)).toEqual({ 'dc-1': 10 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
  }, 180_000);

  it('pauses at a last step below 100%, then a later run with action: promote finishes it', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 40 });
    const first = await runAction('deploy-canary', { inputs: { ...s.inputs, steps: '30', interval: '3s', image: good2 }, timeoutMs: 120_000 });
    expect(first.errors).toEqual([]);
    expect(first.outputs.result).toBe('paused');
    const split = await s.nginx.sample(100);
    // The load generator shares nginx's round robin, so the sample is close to, not exactly, 30.
    expect(split['dc-2']).toBeGreaterThanOrEqual(20);
    expect(split['dc-2']).toBeLessThanOrEqual(40);
    const second = await runAction('deploy-canary', { inputs: { ...s.inputs, action: 'promote', 'prometheus-url': '' }, timeoutMs: 120_000 });
    await load.stop();
    expect(second.errors).toEqual([]);
    expect(second.outputs.result).toBe('promoted');
    expect(await s.nginx.sample(20)).toEqual({ 'dc-2': 20 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    const third = await runAction('deploy-canary', { inputs: { ...s.inputs, action: 'abort' }, timeoutMs: 60_000 });
    expect(third.exitCode).toBe(1);
    expect(third.errors.join('\n')).toMatch(/No canary of app is running: nothing to abort/);
  }, 180_000);

  it('post step after SIGTERM mid-canary: traffic 100% on stable, canary removed, record says aborted (cancelled)', async () => {
    const s = await stage();
    const main = await runAction('deploy-canary', {
      inputs: { ...s.inputs, steps: '50,100', interval: '30s', image: good2 },
      timeoutMs: 120_000,
      onSpawn: (child, output) => {
        const timer = setInterval(() => {
          if (output().includes('Step 1/2: 50% of traffic on the canary')) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 100);
        child.once('close', () => clearInterval(timer));
      },
    });
    expect(main.exitCode).not.toBe(0);
    expect(main.state.deploy).toBeTruthy();
    expect(main.state.finished).toBeUndefined();
    // Still mid-canary: the canary serves half the traffic until post runs.
    const mid = await s.nginx.sample(20);
    expect(mid['dc-2']).toBe(10);
    const post = await runAction('deploy-canary', { post: true, state: main.state, inputs: s.inputs, timeoutMs: 120_000 });
    expect(post.errors).toEqual([]);
    expect(post.exitCode).toBe(0);
    expect(post.log).toMatch(/Canary of app aborted \(cancelled\): traffic is 100%25 on stable/);
    expect(await s.nginx.sample(40)).toEqual({ 'dc-1': 40 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(await s.project.compose(['config'])).toContain(`image: ${good1}`);
    expect((await historyOf(s)).map((e) => e.result)).toEqual(['aborted (cancelled)']);
  }, 180_000);

  it('reports an nginx reload failure, aborts, and leaves stable serving with no canary', async () => {
    const s = await stage();
    const run = await runAction('deploy-canary', {
      inputs: { ...s.inputs, ...FAST, image: good2, 'nginx-reload-command': 'false' },
      timeoutMs: 120_000,
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('aborted');
    expect(run.errors.join('\n')).toMatch(/aborted: setting 25% failed: nginx reload failed \(false\)/);
    expect(await s.nginx.sample(20)).toEqual({ 'dc-1': 20 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
  }, 180_000);

  it('bad input touches nothing: unknown service, weights not increasing, interval 0, rejected PromQL, missing router settings', async () => {
    const s = await stage();
    const before = await readFile(s.nginx.upstreamFile, 'utf8');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ service: 'appp' }, /service: service "appp" is not defined .*Did you mean "app"\?/],
      [{ steps: '10,50,25' }, /steps: weights must increase/],
      [{ steps: '50,150' }, /steps: step 2 is 150%/],
      [{ interval: '0' }, /interval is 0ms: it must be above 0/],
      [{ 'compose-file': 'missing.yml' }, /compose-file: .*missing.yml does not exist/],
      [{ metrics: '- name: broken\n  query: sum(rate(http_requests_total[{{window}}])) by\n  max: 1' }, /metrics check "broken": Prometheus rejects the query/],
      [{ 'nginx-upstream-file': '' }, /nginx-upstream-file is required/],
      [{ 'stable-address': '' }, /stable-address is required/],
      [{ 'prometheus-url': 'http://127.0.0.1:9' }, /prometheus-url: Prometheus at \*\*\* cannot answer a query/],
    ];
    for (const [inputs, message] of cases) {
      const run = await runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: good2, ...inputs }, timeoutMs: 60_000 });
      expect(run.exitCode, JSON.stringify(inputs)).toBe(1);
      expect(run.errors.join('\n'), JSON.stringify(inputs)).toMatch(message);
      expect(run.log).not.toMatch(/this is a bug/);
    }
    const dry = await runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: good2, 'dry-run': true }, timeoutMs: 60_000 });
    expect(dry.errors).toEqual([]);
    expect(dry.outputs.result).toBe('planned');
    expect(dry.log).toMatch(/Plan: start app-canary with .*dc-2 beside .*dc-1; steps 25% → 50% → 100%/);
    expect(await readFile(s.nginx.upstreamFile, 'utf8')).toBe(before);
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(existsSync(`${s.project.dir}/.deploy-kit`)).toBe(false);
  }, 240_000);
});
