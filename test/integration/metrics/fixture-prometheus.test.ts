// The test rig itself: two real fixture containers (stable and a 20 %-error canary) scraped by a
// real Prometheus through file_sd; a query sees the difference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { runProgram } from '../../../src/exec/run.js';
import { ensureFixtureAppVersion, startFixtureContainer, type FixtureContainer } from '../../support/fixture-app.js';
import { startLoad } from '../../support/load.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

async function instant(prom: TestPrometheus, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${prom.url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  expect(body.status).toBe('success');
  return body.data.result;
}

describe('fixture app + real prometheus', () => {
  let stable: FixtureContainer | undefined;
  let canary: FixtureContainer | undefined;
  let prom: TestPrometheus | undefined;

  beforeAll(async () => {
    // Each is kept as soon as it exists, so afterAll stops it even when another fails to start.
    await Promise.all([
      startFixtureContainer({ version: '1.0.0', errorRate: 0 }).then((c) => (stable = c)),
      startFixtureContainer({ version: '2.0.0', errorRate: 0.2 }).then((c) => (canary = c)),
      startPrometheus().then((p) => (prom = p)),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stable?.stop(), canary?.stop(), prom?.stop()]);
  });

  it('serves /health, /version and counts only app routes in /metrics', async () => {
    const health = await fetch(`${canary!.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok', version: '2.0.0' });
    expect(await (await fetch(`${canary!.url}/version`)).text()).toBe('2.0.0');
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) codes.push((await fetch(`${canary!.url}/api/items`)).status);
    expect(codes.filter((c) => c === 500)).toHaveLength(2);
    const metrics = await (await fetch(`${canary!.url}/metrics`)).text();
    expect(metrics).toContain('http_requests_total{code="500",method="GET"} 2');
    expect(metrics).toContain('http_requests_total{code="200",method="GET"} 8');
    expect(metrics).toContain('http_request_duration_seconds_count 10');
    expect(metrics).toContain('app_version_info{version="2.0.0"} 1');
  });

  it('prometheus scrapes both tracks and a query tells the 20 % canary from the stable', async () => {
    await prom!.setTargets([
      { address: stable!.address, labels: { job: 'app', track: 'stable' } },
      { address: canary!.address, labels: { job: 'app', track: 'canary' } },
    ]);
    const loads = [startLoad(`${stable!.url}/`, { rps: 40 }), startLoad(`${canary!.url}/api/x`, { rps: 40 })];
    await new Promise((r) => setTimeout(r, 5000));
    const [stableLoad, canaryLoad] = await Promise.all(loads.map((l) => l.stop()));
    expect(stableLoad!.byStatus[200]).toBe(stableLoad!.sent);
    expect(canaryLoad!.byStatus[500]).toBeGreaterThan(0);

    const q = '100 * sum by (track) (rate(http_requests_total{job="app",code!~"5.."}[5s])) / sum by (track) (rate(http_requests_total{job="app"}[5s]))';
    const rows = await instant(prom!, q);
    const byTrack = Object.fromEntries(rows.map((r) => [r.metric.track, Number(r.value[1])]));
    expect(byTrack.stable).toBe(100);
    expect(byTrack.canary).toBeGreaterThan(70);
    expect(byTrack.canary).toBeLessThan(90);
  });
});

describe('ensureFixtureAppVersion', () => {
  it('bakes VERSION, ERROR_RATE and LATENCY_MS into a tag; a second call reuses the image', async () => {
    const version = `t${randomBytes(4).toString('hex')}`;
    const tag = await ensureFixtureAppVersion(version, { errorRate: 0.5, latencyMs: 30 });
    expect(tag).toBe(`deploy-kit/fixture-app:${version}`);
    const app = await startFixtureContainer({ image: tag });
    try {
      const id = async (): Promise<string> => (await runProgram('docker', ['image', 'inspect', '-f', '{{.Id}}', tag])).stdout.trim();
      const before = await id();
      const started = Date.now();
      expect(await ensureFixtureAppVersion(version, { errorRate: 0.5, latencyMs: 30 })).toBe(tag);
      expect(await id()).toBe(before);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await (await fetch(`${app.url}/version`)).text()).toBe(version);
      const t0 = performance.now();
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await fetch(`${app.url}/`)).status);
      expect(codes).toEqual([500, 200, 500, 200]);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(4 * 30);
      const health = await runProgram('docker', ['inspect', '-f', '{{.State.Health.Status}}', app.name]);
      expect(['starting', 'healthy']).toContain(health.stdout.trim());
    } finally {
      await app.stop();
      await runProgram('docker', ['image', 'rm', tag], { allowFailure: true });
    }
  });

  it('HEALTH_FAIL=1 makes /health answer 503 and docker call the container unhealthy', async () => {
    const app = await startFixtureContainer({ healthFail: true });
    try {
      expect((await fetch(`${app.url}/health`).catch(() => undefined))?.status ?? 503).toBe(503);
      const deadline = Date.now() + 20_000;
      let status = '';
      while (Date.now() < deadline && status !== 'unhealthy') {
        status = (await runProgram('docker', ['inspect', '-f', '{{.State.Health.Status}}', app.name])).stdout.trim();
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe('unhealthy');
    } finally {
      await app.stop();
    }
  });
});
