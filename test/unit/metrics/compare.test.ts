import { describe, expect, it } from 'vitest';
import { judgeMetric, type StepAnalysis, type MetricResult } from '../../../src/metrics/analysis.js';
import { compareErrorRates, compareSamples, type CompareSettings } from '../../../src/metrics/compare.js';
import type { MetricCheck } from '../../../src/metrics/config.js';
import { afterVerdict, combineMeasurements, measurementTimes, parseInconclusivePolicy, validateMeasurementPolicy } from '../../../src/metrics/measurements.js';
import { alphaForLook, informationFractions, type StepShares } from '../../../src/metrics/statistics.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';

const SR: MetricCheck = { name: 'success-rate', template: 'success-rate', threshold: 90, comparison: '>=' };
const LAT: MetricCheck = { name: 'latency', template: 'latency', threshold: 5000, comparison: '<=', quantile: 0.95 };
const THROUGHPUT: MetricCheck = { name: 'throughput', template: 'query', query: 'x', threshold: 0, comparison: '>=' };
const look = (k: number, of = 4): CompareSettings => ({ alpha: 0.05, spending: 'pocock', look: k, looks: of });

/** A deterministic "noisy" sample: base × (1 + jitter in ±j), from a fixed sequence. */
function noisy(n: number, base: number, j: number, seed = 1): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 16807) % 2147483647;
    return base * (1 + j * (2 * (x / 2147483647) - 1));
  });
}

describe('compareSamples (Mann-Whitney with a margin)', () => {
  it('a +30 % p95 over 12 samples each fails at the first look', () => {
    const r = compareSamples(LAT, noisy(12, 130, 0.1, 7), noisy(12, 100, 0.1, 3), look(1));
    expect(r.ok).toBe(false);
    expect(r.pValue!).toBeLessThan(alphaForLook(1, 4, 0.05));
    expect(r.alpha).toBeCloseTo(0.0178687, 6);
    expect(r.difference).toMatch(/^\+\d+(\.\d+)?ms \(\+\d+(\.\d+)?%\)$/);
    expect(r.reason).toMatch(/higher than the baseline by more than 10% \(Mann-Whitney p=.* < α=0\.018 at look 1 of 4\)/);
  });

  it('the same samples pass with max-increase: 50 % (the margin is in the null hypothesis)', () => {
    const r = compareSamples({ ...LAT, maxIncrease: 50 }, noisy(12, 130, 0.1, 7), noisy(12, 100, 0.1, 3), look(1));
    expect(r.ok).toBe(true);
    expect(r.reason).toMatch(/not shown to be higher than the baseline by more than 50%/);
  });

  // The healthy-canary bench's false abort (issue #13): two containers of one image, 4 samples a
  // side, the canary a few per cent slower on 15 of 16 pairs. With no margin that is "higher".
  const healthyCanary = [59.3, 58.1, 60.2, 57.6];
  const healthyBaseline = [56.8, 57.9, 55.4, 56.1];
  it('a few per cent between two healthy containers passes under the default 10 % margin', () => {
    const r = compareSamples(LAT, healthyCanary, healthyBaseline, look(1, 2));
    expect(r.ok).toBe(true);
    expect(r.reason).toMatch(/not shown to be higher than the baseline by more than 10%/);
  });

  it('max-increase: 0% restores the strict test, and that difference aborts', () => {
    const r = compareSamples({ ...LAT, maxIncrease: 0 }, healthyCanary, healthyBaseline, look(1, 2));
    expect(r.ok).toBe(false);
    expect(r.pValue!).toBeCloseTo(2 / 70, 9);
    expect(r.reason).toMatch(/higher than the baseline \(Mann-Whitney/);
  });

  it('+30 % over 4 samples a side still fails at the first of two looks with the default margin', () => {
    const r = compareSamples(LAT, noisy(4, 130, 0.05, 7), noisy(4, 100, 0.05, 3), look(1, 2));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/higher than the baseline by more than 10%/);
  });

  it('the error rate keeps a margin of 0 points by default', () => {
    expect(compareErrorRates(SR, { canaryRequests: 1000, canaryErrors: 12, baselineRequests: 1000, baselineErrors: 1 }, look(1, 2)).ok).toBe(false);
  });

  it('equal distributions pass; a better canary passes', () => {
    expect(compareSamples(LAT, noisy(20, 100, 0.2, 5), noisy(20, 100, 0.2, 9), look(4)).ok).toBe(true);
    expect(compareSamples(LAT, noisy(20, 60, 0.1, 5), noisy(20, 100, 0.1, 9), look(4)).ok).toBe(true);
  });

  it('lower is worse for a lower bound (min:): a drop fails', () => {
    const r = compareSamples(THROUGHPUT, noisy(10, 50, 0.05, 2), noisy(10, 100, 0.05, 4), look(2));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/lower than the baseline/);
  });

  it('fewer than 3 samples a side is no data; NaN samples (no requests) are left out', () => {
    const r = compareSamples(LAT, [1, 2, NaN, NaN], [1, 2, 3], look(1));
    expect(r.ok).toBeNull();
    expect(r.reason).toBe('no data to compare: 2 canary and 3 baseline samples (at least 3 each)');
  });

  it('a look beyond the plan has no alpha left: it cannot abort on statistics alone', () => {
    expect(compareSamples(LAT, noisy(25, 300, 0.01), noisy(25, 100, 0.01), look(5, 4)).ok).toBe(true);
  });
});

describe('compareErrorRates (two proportions)', () => {
  it('5 % vs 0.3 % over 300 requests each fails at the first look, with the bound', () => {
    const r = compareErrorRates(SR, { canaryRequests: 300, canaryErrors: 15, baselineRequests: 300, baselineErrors: 1 }, look(1));
    expect(r.ok).toBe(false);
    expect(r.canary).toBeCloseTo(95, 9);
    expect(r.baseline).toBeCloseTo(99.667, 3);
    expect(r.difference).toBe('-4.667 points');
    expect(r.bound).toMatch(/^error rate ≥ baseline \+\d+(\.\d+)? points \(98\.213% one-sided\)$/);
    expect(r.reason).toMatch(/^errors 15\/300 \(canary\) vs 1\/300 \(baseline\): error rate higher than the baseline's \(two proportions p=/);
  });

  it('0.3 % both sides passes; a margin of 5 points lets 5 % through', () => {
    expect(compareErrorRates(SR, { canaryRequests: 1000, canaryErrors: 3, baselineRequests: 1000, baselineErrors: 3 }, look(1)).ok).toBe(true);
    const wide = compareErrorRates({ ...SR, maxIncrease: 5 }, { canaryRequests: 300, canaryErrors: 15, baselineRequests: 300, baselineErrors: 1 }, look(1));
    expect(wide.ok).toBe(true);
    expect(wide.reason).toMatch(/by more than 5 points/);
  });

  it('no requests on a side is no data', () => {
    expect(compareErrorRates(SR, { canaryRequests: 0, canaryErrors: 0, baselineRequests: 10, baselineErrors: 0 }, look(1)).ok).toBeNull();
  });

  it('false aborts over a whole canary stay near alpha: 2000 simulated healthy canaries at 0.3 % errors', () => {
    // Each canary: 4 looks, cumulative counts, 200 more requests per side per look.
    let x = 42;
    const rand = (): number => ((x = (x * 16807) % 2147483647), x / 2147483647);
    let aborts = 0;
    for (let c = 0; c < 2000; c++) {
      const n = { canaryRequests: 0, canaryErrors: 0, baselineRequests: 0, baselineErrors: 0 };
      for (let k = 1; k <= 4; k++) {
        for (let i = 0; i < 200; i++) {
          n.canaryRequests++;
          n.baselineRequests++;
          if (rand() < 0.003) n.canaryErrors++;
          if (rand() < 0.003) n.baselineErrors++;
        }
        if (compareErrorRates(SR, n, look(k)).ok === false) {
          aborts++;
          break;
        }
      }
    }
    expect(aborts / 2000).toBeLessThan(0.05);
  });
});

describe('alpha spent by information (the plan 25, 50, 100 % with a baseline)', () => {
  const shares: StepShares[] = [
    { canary: 25, control: 25 },
    { canary: 50, control: 50 },
    { canary: 100, control: 0 },
  ];
  const information = { counts: informationFractions(shares, 1, 'counts'), samples: informationFractions(shares, 1, 'samples') };
  const byInfo = (k: number): CompareSettings => ({ ...look(k, 3), information });
  // The bench's 1 % canary at the second look, 50 rps, 30 s intervals: 11/1132 against 3/1132, p ≈ 0.022.
  const secondLook = { canaryRequests: 1132, canaryErrors: 11, baselineRequests: 1132, baselineErrors: 3 };

  it('the 1 % canary of the bench aborts at the second look; by look count it did not', () => {
    const counted = compareErrorRates(SR, secondLook, look(2, 3));
    expect(counted.ok).toBe(true);
    expect(counted.pValue!).toBeGreaterThan(counted.alpha);
    const informed = compareErrorRates(SR, secondLook, byInfo(2));
    expect(informed.ok).toBe(false);
    expect(informed.pValue!).toBeCloseTo(counted.pValue!, 12);
    expect(informed.alpha).toBeGreaterThan(informed.pValue!);
    expect(informed.reason).toMatch(/α=0\.023 at look 2 of 3\)$/);
  });

  it('latency spends by samples, not requests: look 1 gets 0.027', () => {
    const r = compareSamples(LAT, noisy(4, 130, 0.05), noisy(4, 100, 0.05, 7), byInfo(1));
    expect(r.alpha).toBeCloseTo(0.05 * Math.log(1 + (Math.E - 1) * (5 / 12)), 12);
    expect(r.ok).toBe(false);
  });

  it('2000 simulated healthy canaries of that plan at 0.3 % errors: false aborts stay below alpha', () => {
    // 50 rps, 30 s a step: 1500 requests shared as the plan says; the baseline gets none at 100 %.
    let x = 4242;
    const rand = (): number => ((x = (x * 16807) % 2147483647), x / 2147483647);
    const errors = (n: number): number => {
      let e = 0;
      for (let i = 0; i < n; i++) if (rand() < 0.003) e++;
      return e;
    };
    let aborts = 0;
    for (let c = 0; c < 2000; c++) {
      const n = { canaryRequests: 0, canaryErrors: 0, baselineRequests: 0, baselineErrors: 0 };
      for (let k = 1; k <= shares.length; k++) {
        const share = shares[k - 1]!;
        const nc = (1500 * share.canary) / 100;
        const nb = (1500 * share.control) / 100;
        n.canaryRequests += nc;
        n.canaryErrors += errors(nc);
        n.baselineRequests += nb;
        n.baselineErrors += errors(nb);
        if (compareErrorRates(SR, n, byInfo(k)).ok === false) {
          aborts++;
          break;
        }
      }
    }
    expect(aborts / 2000).toBeLessThan(0.05);
    expect(aborts).toBeGreaterThan(0);
  });
});

describe('judgeMetric with a comparison', () => {
  const outcome = (ok: boolean | null) =>
    compareErrorRates(
      SR,
      ok === null
        ? { canaryRequests: 0, canaryErrors: 0, baselineRequests: 0, baselineErrors: 0 }
        : ok
          ? { canaryRequests: 100, canaryErrors: 0, baselineRequests: 100, baselineErrors: 0 }
          : { canaryRequests: 400, canaryErrors: 40, baselineRequests: 400, baselineErrors: 0 },
      look(1),
    );

  it('reports canary, baseline, difference, p-value, bound and the level; fails on the comparison', () => {
    const r = judgeMetric(SR, { query: 'q', value: 90, comparison: outcome(false) }, 'fail');
    expect(r).toMatchObject({ verdict: 'fail', value: 90, baselineValue: 100, difference: '-10 points', alpha: expect.any(Number) });
    expect(r.pValue).toBeLessThan(0.001);
    expect(r.bound).toMatch(/error rate ≥ baseline/);
    expect(r.threshold).toBe('>= 90%, not worse than the baseline');
    expect(r.stableValue).toBeUndefined();
  });

  it('the absolute bound still applies; no comparison data follows the no-data policy', () => {
    expect(judgeMetric(SR, { query: 'q', value: 80, comparison: outcome(true) }, 'fail').verdict).toBe('fail');
    expect(judgeMetric(SR, { query: 'q', value: 100, comparison: outcome(true) }, 'fail').verdict).toBe('pass');
    const none = judgeMetric(SR, { query: 'q', value: 100, comparison: outcome(null) }, 'inconclusive');
    expect(none.verdict).toBe('inconclusive');
    expect(none.reason).toMatch(/no data to compare: 0 canary and 0 baseline requests; no-data: inconclusive makes it inconclusive/);
  });
});

describe('count measurements per step, consecutive-errors, inconclusive', () => {
  const step = (...results: Array<Partial<MetricResult> & { verdict: MetricResult['verdict'] }>): StepAnalysis => ({
    verdict: results.some((r) => r.verdict === 'fail') ? 'fail' : 'pass',
    at: '2026-01-01T00:00:00.000Z',
    results: results.map((r) => ({ name: 'success-rate', query: 'q', value: 99, threshold: '>= 90%', reason: r.verdict, ...r })),
  });
  const ok = step({ verdict: 'pass' });
  const err = step({ verdict: 'fail', measurementError: true, value: null, reason: 'Prometheus query failed: refused' });
  const bad = step({ verdict: 'fail', value: 50, reason: '50% is not >= 90%' });

  it('a measured failure fails the step', () => {
    expect(combineMeasurements([ok, bad, ok], { count: 3, consecutiveErrors: 5 }).verdict).toBe('fail');
  });

  it('errors in a row up to the limit are tolerated; one more fails', () => {
    const tolerated = combineMeasurements([ok, err, err], { count: 3, consecutiveErrors: 2 });
    expect(tolerated.verdict).toBe('pass');
    expect(tolerated.results[0]!.reason).toBe('pass; 2 measurement errors tolerated (consecutive-errors: 2)');
    const failed = combineMeasurements([err, err, err], { count: 3, consecutiveErrors: 2 });
    expect(failed.verdict).toBe('fail');
    expect(failed.results[0]!.reason).toBe('3 measurement errors in a row (consecutive-errors: 2): Prometheus query failed: refused');
    expect(combineMeasurements([err, ok, err, ok, err], { count: 5, consecutiveErrors: 1 }).verdict).toBe('pass');
    expect(combineMeasurements([err], { count: 1, consecutiveErrors: 0 }).verdict).toBe('fail');
  });

  it('only tolerated errors and no measurement: inconclusive', () => {
    const r = combineMeasurements([err], { count: 1, consecutiveErrors: 1 });
    expect(r.verdict).toBe('inconclusive');
    expect(r.results[0]!.reason).toMatch(/^no data: 1 measurement error tolerated/);
  });

  it('times, validation, and what follows a verdict', () => {
    expect(measurementTimes(60_000, 3)).toEqual([20_000, 40_000, 60_000]);
    expect(() => validateMeasurementPolicy({ count: 10, consecutiveErrors: 0 }, 10_000, 5_000)).toThrow(/closer than the analysis window/);
    expect(() => validateMeasurementPolicy({ count: 0, consecutiveErrors: 0 }, 10_000, 5_000)).toThrow(ConfigurationError);
    expect(parseInconclusivePolicy('pause')).toBe('pause');
    expect(() => parseInconclusivePolicy('wait')).toThrow(ConfigurationError);
    expect(afterVerdict('inconclusive', 'pause')).toBe('pause');
    expect(afterVerdict('inconclusive', 'continue')).toBe('continue');
    expect(afterVerdict('fail', 'continue')).toBe('fail');
    expect(afterVerdict('pass', 'pause')).toBe('continue');
  });
});
