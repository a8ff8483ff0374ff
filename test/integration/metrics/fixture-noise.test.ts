// The fixture app's noise, which bench/canary.mjs relies on: a random latency jitter around
// LATENCY_MS and histogram buckets set by BUCKETS — checked on a real container.
import { afterAll, describe, expect, it } from 'vitest';
import { startFixtureContainer, type FixtureContainer } from '../../support/fixture-app.js';

describe('fixture app latency jitter and buckets (real container)', () => {
  let app: FixtureContainer | undefined;
  afterAll(async () => app?.stop());

  it('spreads each request over LATENCY_MS ± LATENCY_JITTER_MS and counts it in the BUCKETS given', async () => {
    const buckets = [0.02, 0.03, 0.04, 0.05, 0.06, 0.07];
    app = await startFixtureContainer({ latencyMs: 40, jitterMs: 20, buckets });
    const took: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const res = await fetch(`${app.url}/api/x`);
      await res.arrayBuffer();
      took.push(performance.now() - t0);
    }
    took.sort((a, b) => a - b);
    // Uniform over 20..60 ms (plus the round trip): both ends are reached, not one fixed delay.
    expect(took[0]!).toBeGreaterThanOrEqual(19);
    expect(took[0]!).toBeLessThan(35);
    expect(took.at(-1)!).toBeGreaterThan(48);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const counts = buckets.map((le) => Number(new RegExp(`http_request_duration_seconds_bucket\\{le="${le}"\\} (\\d+)`).exec(text)?.[1]));
    expect(counts.every(Number.isFinite)).toBe(true);
    // Cumulative, and several buckets in between hold requests (a timer late on a busy machine may pass 70 ms).
    expect(Number(/http_request_duration_seconds_bucket\{le="\+Inf"\} (\d+)/.exec(text)?.[1])).toBe(60);
    expect(counts.at(-1)).toBeGreaterThanOrEqual(54);
    expect(counts[0]).toBeLessThan(10);
    expect(new Set(counts).size).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
