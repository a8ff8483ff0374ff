// Reference values computed with SciPy 1.17 (scipy.stats.mannwhitneyu, norm) on this machine.
import { describe, expect, it } from 'vitest';
import {
  alphaForFraction,
  alphaForLook,
  alphaSpent,
  hodgesLehmann,
  informationFractions,
  mannWhitneyGreater,
  median,
  normalCdf,
  normalQuantile,
  normalSf,
  twoProportionsGreater,
} from '../../../src/metrics/statistics.js';

describe('normal distribution', () => {
  it('matches SciPy', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 7);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalSf(5) / 2.866515718791933e-7).toBeCloseTo(1, 5);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect([normalQuantile(0), normalQuantile(1), normalQuantile(2)]).toEqual([-Infinity, Infinity, NaN]);
  });
});

describe('Mann-Whitney U (one-sided: x greater)', () => {
  it('exact for small samples without ties', () => {
    const x = [12.1, 13.4, 11.9, 14.2, 13.3, 12.8, 15.1, 13.9];
    const y = [11.2, 12.0, 11.8, 12.5, 11.1, 12.9, 11.7, 12.2];
    const r = mannWhitneyGreater(x, y);
    expect(r).toMatchObject({ u: 56, method: 'exact' });
    expect(r.pValue).toBeCloseTo(0.005205905205905206, 12);
    expect(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).pValue).toBeCloseTo(1 / 20, 12);
    expect(mannWhitneyGreater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).pValue).toBeCloseTo(1 / 252, 12);
    expect(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).pValue).toBe(1);
  });

  it('normal approximation with ties and continuity correction', () => {
    const r = mannWhitneyGreater([1, 2, 2, 3, 3, 3, 4, 5, 6, 6, 30], [1, 1, 2, 2, 2, 3, 3, 4, 4, 5]);
    expect(r).toMatchObject({ u: 73.5, method: 'normal' });
    expect(r.pValue).toBeCloseTo(0.09876624671939149, 6);
  });

  it('normal approximation for large samples', () => {
    const a = [
      112.9, 114.5, 100.7, 92.4, 89.1, 100.3, 89.8, 85.6, 102.0, 101.3, 105.5, 90.9, 100.1, 99.4, 84.9, 105.4, 103.2, 123.9, 102.0, 98.6, 112.3, 102.0, 109.1,
      96.3, 102.2, 110.2, 107.0, 101.3, 89.2, 104.5, 100.8, 107.2, 102.2, 110.9, 99.5, 102.0, 106.7, 89.1, 96.0, 95.0,
    ];
    const b = [
      114.8, 94.1, 101.5, 101.2, 92.2, 79.5, 104.6, 90.9, 102.2, 81.9, 90.6, 107.6, 109.3, 82.0, 81.7, 94.6, 102.3, 96.6, 98.0, 85.1, 100.9, 106.2, 90.6, 80.7,
      87.4, 102.6, 77.7, 94.1, 85.1, 93.7, 92.6, 95.2, 110.0, 99.2, 108.3,
    ];
    const r = mannWhitneyGreater(a, b);
    expect(r.u).toBe(923.5);
    expect(r.pValue).toBeCloseTo(0.008928469652703918, 6);
  });

  it('no evidence from equal or empty samples', () => {
    expect(mannWhitneyGreater([5, 5, 5, 5, 5, 5], [5, 5, 5]).pValue).toBe(1);
    expect(mannWhitneyGreater([], [1]).pValue).toBeNaN();
  });

  it('Hodges-Lehmann shift and median', () => {
    expect(hodgesLehmann([11, 12, 13], [1, 2, 3])).toBe(10);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('two proportions with a margin (Agresti-Caffo)', () => {
  it('matches the formula computed independently', () => {
    const r = twoProportionsGreater(10, 500, 2, 500, 0, 0.05);
    expect(r.p1).toBe(0.02);
    expect(r.p2).toBe(0.004);
    expect(r.pValue).toBeCloseTo(0.01545835142749164, 8);
    expect(r.lowerBound).toBeCloseTo(0.0037902549995221593, 8);
    expect(twoProportionsGreater(10, 500, 2, 500, 0.01, 0.05).pValue).toBeCloseTo(0.21072496006930508, 7);
  });

  it('zero events on both sides are no evidence; no requests are no data', () => {
    expect(twoProportionsGreater(0, 1000, 0, 1000, 0, 0.05).pValue).toBeCloseTo(0.5, 6);
    expect(twoProportionsGreater(0, 0, 1, 10, 0, 0.05).pValue).toBeNaN();
  });
});

describe('alpha spending over the looks', () => {
  it('Pocock- and O’Brien-Fleming-type spending match SciPy at t = ¼ … 1', () => {
    const pocock = [0.01786870097543942, 0.031005725347913876, 0.04139944696214349, 0.05];
    const obf = [8.85754383214038e-5, 0.005574596680784415, 0.023625121317601198, 0.05];
    [0.25, 0.5, 0.75, 1].forEach((t, i) => {
      expect(alphaSpent(t, 0.05, 'pocock')).toBeCloseTo(pocock[i]!, 10);
      expect(alphaSpent(t, 0.05, 'obrien-fleming') / obf[i]!).toBeCloseTo(1, 5);
    });
  });

  it('the looks’ levels add up to alpha; looks beyond the plan get nothing', () => {
    for (const kind of ['pocock', 'obrien-fleming'] as const) {
      const levels = [1, 2, 3, 4, 5, 6].map((k) => alphaForLook(k, 6, 0.05, kind));
      expect(levels.reduce((s, v) => s + v, 0)).toBeCloseTo(0.05, 12);
      for (const l of levels) expect(l).toBeGreaterThan(0);
    }
    expect(alphaForLook(7, 6, 0.05)).toBe(0);
    expect(alphaForLook(0, 6, 0.05)).toBe(0);
    // Pocock spends more early than late: an early look can stop a bad canary.
    expect(alphaForLook(1, 4, 0.05)).toBeGreaterThan(alphaForLook(4, 4, 0.05));
  });
});

describe('alpha spent by information fraction', () => {
  // Steps 25, 50, 100 % with a baseline: it gets the canary's share, and nothing at 100 %.
  const withBaseline = [
    { canary: 25, control: 25 },
    { canary: 50, control: 50 },
    { canary: 100, control: 0 },
  ];

  it('requests: n₁n₂/(n₁+n₂) of the cumulative shares — 12.5, 37.5, 52.5 of 52.5', () => {
    const t = informationFractions(withBaseline, 1, 'counts');
    [5 / 21, 15 / 21, 1].forEach((v, i) => expect(t[i]).toBeCloseTo(v, 12));
  });

  it('samples: intervals in which each side took traffic — 0.5, 1, 1.2 of 1.2', () => {
    const t = informationFractions(withBaseline, 1, 'samples');
    [5 / 12, 10 / 12, 1].forEach((v, i) => expect(t[i]).toBeCloseTo(v, 12));
  });

  it('against stable (no baseline): stable’s share shrinks as the canary’s grows', () => {
    const t = informationFractions(
      [
        { canary: 25, control: 75 },
        { canary: 50, control: 50 },
        { canary: 100, control: 0 },
      ],
      1,
      'counts',
    );
    const info = [(25 * 75) / 100, (75 * 125) / 200, (175 * 125) / 300];
    info.forEach((v, i) => expect(t[i]).toBeCloseTo(v / info[2]!, 12));
  });

  it('count measurements per step are that many looks, each a share of the step', () => {
    const t = informationFractions(withBaseline, 2, 'counts');
    expect(t).toHaveLength(6);
    // Halfway through step 1 both sides have 12.5: information 6.25 of 52.5.
    expect(t[0]).toBeCloseTo(6.25 / 52.5, 12);
    expect(t[1]).toBeCloseTo(12.5 / 52.5, 12);
    expect(t[5]).toBe(1);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
  });

  it('equal shares at every step: the same levels as spending by look count', () => {
    const even = Array.from({ length: 4 }, () => ({ canary: 10, control: 10 }));
    for (const basis of ['counts', 'samples'] as const) {
      const t = informationFractions(even, 1, basis);
      for (let k = 1; k <= 4; k++) expect(alphaForFraction(k, t, 0.05)).toBeCloseTo(alphaForLook(k, 4, 0.05), 12);
    }
  });

  it('a plan that gives the control no traffic falls back to look / looks', () => {
    expect(
      informationFractions(
        [
          { canary: 100, control: 0 },
          { canary: 100, control: 0 },
        ],
        1,
        'counts',
      ),
    ).toEqual([0.5, 1]);
  });

  it('the levels add up to alpha; the second look of 25, 50, 100 spends 0.023 instead of 0.016', () => {
    for (const basis of ['counts', 'samples'] as const) {
      for (const kind of ['pocock', 'obrien-fleming'] as const) {
        const t = informationFractions(withBaseline, 2, basis);
        const levels = t.map((_, i) => alphaForFraction(i + 1, t, 0.05, kind));
        expect(levels.reduce((sum, v) => sum + v, 0)).toBeCloseTo(0.05, 12);
        for (const l of levels) expect(l).toBeGreaterThan(0);
      }
    }
    const t = informationFractions(withBaseline, 1, 'counts');
    expect(alphaForFraction(2, t, 0.05)).toBeCloseTo(0.05 * (Math.log(1 + (Math.E - 1) * (15 / 21)) - Math.log(1 + (Math.E - 1) * (5 / 21))), 12);
    expect(alphaForFraction(2, t, 0.05)).toBeGreaterThan(0.0225);
    expect(alphaForLook(2, 3, 0.05)).toBeLessThan(0.017);
    expect(alphaForFraction(4, t, 0.05)).toBe(0);
    expect(alphaForFraction(0, t, 0.05)).toBe(0);
  });
});
