// What rate() window works with a 1 s scrape: rate() needs two samples inside the window, so
// short windows give no data at some instants. Measured here on a real Prometheus (seen: 1 s never,
// 2 s always on an idle machine); asserted from 3 s to leave room for one late scrape on a busy one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseStep } from '../../../src/metrics/analysis.js';
import { parseMetricChecks, renderQuery } from '../../../src/metrics/config.js';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { startFixtureContainer, type FixtureContainer } from '../../support/fixture-app.js';
import { startLoad } from '../../support/load.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus.js';

const MIN_RELIABLE_WINDOW_SECONDS = 3;

describe('rate() window vs a 1 s scrape', () => {
  let app: FixtureContainer | undefined;
  let bad: FixtureContainer | undefined;
  let prom: TestPrometheus | undefined;
  beforeAll(async () => {
    await Promise.all([
      startFixtureContainer({ version: 'window' }).then((c) => (app = c)),
      startFixtureContainer({ version: 'bad', errorRate: 0.05 }).then((c) => (bad = c)),
      startPrometheus().then((p) => (prom = p)),
    ]);
    await prom!.setTargets([
      { address: app!.address, labels: { job: 'app', track: 'canary' } },
      { address: bad!.address, labels: { job: 'app', track: 'bad' } },
    ]);
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), bad?.stop(), prom?.stop()]);
  });

  it('a 5 % canary fails a 5 s success-rate analysis within ~2 s of its first request', async () => {
    const client = new PrometheusClient(prom!.url);
    const checks = parseMetricChecks([{ name: 'success-rate', min: 99 }], 'metrics');
    const load = startLoad(`${bad!.url}/`, { rps: 20 });
    const started = Date.now();
    let detectedAfter: number | undefined;
    try {
      while (Date.now() - started < 10_000 && detectedAfter === undefined) {
        const a = await analyseStep(client, checks, { canary: 'job="app",track="bad"', stable: '' }, { windowSeconds: 5, noData: 'inconclusive' });
        if (a.verdict === 'fail') detectedAfter = Date.now() - started;
        else await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await load.stop();
    }
    console.log(`5 % errors at 20 rps: analysis (5 s window, 1 s scrape) failed ${detectedAfter} ms after the first request`);
    expect(detectedAfter).toBeDefined();
    expect(detectedAfter).toBeLessThan(4000);
  });

  it(`windows of ${MIN_RELIABLE_WINDOW_SECONDS} s and more always have data once traffic has run that long`, async () => {
    const load = startLoad(`${app!.url}/`, { rps: 20 });
    const loadStarted = Date.now();
    const client = new PrometheusClient(prom!.url);
    const [check] = parseMetricChecks([{ name: 'success-rate', min: 99 }], 'metrics');
    const windows = [1, 2, 3, 4, 5, 6];
    const withData = new Map(windows.map((w) => [w, 0]));
    const firstData = new Map<number, number>();
    let instants = 0;
    try {
      await new Promise((r) => setTimeout(r, 7000));
      // 40 instants spread over 4 s (a scrape every second: every phase of the scrape cycle is hit)
      const end = Date.now();
      for (let i = 0; i < 40; i++) {
        const time = new Date(end - 4000 + i * 100);
        instants++;
        await Promise.all(
          windows.map(async (w) => {
            const v = (await client.query(renderQuery(check!, 'job="app",track="canary"', w), { time }))[0]?.value;
            if (v !== undefined && !Number.isNaN(v)) withData.set(w, withData.get(w)! + 1);
          }),
        );
      }
      // How soon after traffic starts does each window give a value?
      for (let t = loadStarted; t <= loadStarted + 7000; t += 250) {
        for (const w of windows) {
          if (firstData.has(w)) continue;
          const v = (await client.query(renderQuery(check!, 'job="app",track="canary"', w), { time: new Date(t) }))[0]?.value;
          if (v !== undefined && !Number.isNaN(v)) firstData.set(w, t - loadStarted);
        }
      }
    } finally {
      await load.stop();
    }
    const table = windows.map((w) => `${w}s: data at ${withData.get(w)}/${instants} instants, first value ${firstData.get(w) ?? '-'} ms after traffic began`);
    console.log(`rate() window with a 1 s scrape:\n  ${table.join('\n  ')}`);
    for (const w of windows.filter((w) => w >= MIN_RELIABLE_WINDOW_SECONDS)) expect(withData.get(w)).toBe(instants);
    expect(withData.get(1)).toBeLessThan(instants);
  });
});
