import { describe, expect, it } from 'vitest';
import { analysisSeries, compare, judgeStep, valueOf, type Measurement, type Verdict } from '../../../src/metrics/analysis.js';
import type { MetricCheck, NoDataPolicy } from '../../../src/metrics/config.js';

const SR: MetricCheck = { name: 'success-rate', template: 'success-rate', threshold: 99, comparison: '>=' };
const LAT: MetricCheck = { name: 'latency', template: 'latency', threshold: 250, comparison: '<=', quantile: 0.95 };
const at = new Date('2026-01-01T00:00:00Z');
const m = (value: number | null, extra: Partial<Measurement> = {}): Measurement => ({ value, query: 'q', ...extra });

describe('judgeStep: one check', () => {
  const cases: Array<[string, MetricCheck, Measurement, NoDataPolicy, Verdict, RegExp]> = [
    ['success rate above the minimum', SR, m(99.5), 'fail', 'pass', /^99.5% >= 99%$/],
    ['success rate exactly the minimum', SR, m(99), 'fail', 'pass', /^99% >= 99%$/],
    ['success rate 95 % fails 99', SR, m(95), 'fail', 'fail', /^95% is not >= 99%$/],
    ['latency under the max', LAT, m(12.5), 'fail', 'pass', /^12.5ms <= 250ms$/],
    ['latency regression', LAT, m(487.5), 'fail', 'fail', /^487.5ms is not <= 250ms$/],
    ['latency +Inf (all in the last bucket)', LAT, m(Infinity), 'fail', 'fail', /Infinityms is not <= 250ms/],
    ['empty vector, no-data fail', SR, m(null), 'fail', 'fail', /^no data: the query returned an empty vector; no-data: fail makes it a failure$/],
    ['empty vector, no-data inconclusive', SR, m(null), 'inconclusive', 'inconclusive', /^no data: the query returned an empty vector; no-data: inconclusive/],
    ['empty vector, no-data pass', SR, m(null), 'pass', 'pass', /^no data: the query returned an empty vector; no-data: pass makes it a pass$/],
    ['NaN (0/0, no requests) is no data', SR, m(NaN), 'fail', 'fail', /^no data: the query returned NaN/],
    ['per-check no-data overrides the global', { ...SR, noData: 'pass' }, m(null), 'fail', 'pass', /no-data: pass/],
    ['a measurement error fails', SR, m(null, { error: 'Prometheus query failed: connection refused (ECONNREFUSED)' }), 'pass', 'fail', /connection refused/],
    ['custom query, strict >', { name: 'q', template: 'query', threshold: 1, comparison: '>' }, m(1), 'fail', 'fail', /^1 is not > 1$/],
    ['custom query, <', { name: 'q', template: 'query', threshold: 1, comparison: '<' }, m(0.5), 'fail', 'pass', /^0.5 < 1$/],
  ];
  it.each(cases)('%s', (_, check, measured, noData, verdict, reason) => {
    const step = judgeStep([check], [measured], { noData, at });
    expect(step.verdict).toBe(verdict);
    expect(step.results[0]!.verdict).toBe(verdict);
    expect(step.results[0]!.reason).toMatch(reason);
    expect(step.at).toBe('2026-01-01T00:00:00.000Z');
    expect(step.results[0]!.value === null || Number.isFinite(step.results[0]!.value) || step.results[0]!.value === Infinity).toBe(true);
  });

  it('reports NaN as null so the JSON output says no data', () => {
    expect(judgeStep([SR], [m(NaN)], { noData: 'pass' }).results[0]!.value).toBeNull();
  });
});

describe('judgeStep: max-increase against stable', () => {
  const lat20: MetricCheck = { ...LAT, maxIncrease: 20 };
  const sr1: MetricCheck = { ...SR, threshold: 90, maxIncrease: 1 };
  const cases: Array<[string, MetricCheck, Measurement, Verdict, RegExp]> = [
    ['latency within +20 %', lat20, m(110, { stableValue: 100 }), 'pass', /stable 100ms, canary \+10% vs stable \(within the allowed \+20%\)/],
    [
      'latency +50 % fails though under the max',
      lat20,
      m(150, { stableValue: 100 }),
      'fail',
      /^150ms <= 250ms; stable 100ms, canary \+50% vs stable \(beyond the allowed \+20%\)$/,
    ],
    ['latency at exactly +20 % passes', lat20, m(120, { stableValue: 100 }), 'pass', /within/],
    ['success rate 2 % lower than stable fails at 1 %', sr1, m(97.9, { stableValue: 99.9 }), 'fail', /canary -2.002% vs stable \(beyond the allowed -1%\)/],
    ['success rate higher than stable passes', sr1, m(100, { stableValue: 99 }), 'pass', /within/],
    [
      'stable without data: comparison skipped, said so',
      lat20,
      m(100, { stableValue: null }),
      'pass',
      /stable has no data, so the comparison with stable was skipped/,
    ],
    ['stable NaN: skipped too', lat20, m(100, { stableValue: NaN }), 'pass', /comparison with stable was skipped/],
    ['stable 0, canary above: fails', { ...LAT, maxIncrease: 20 }, m(1, { stableValue: 0 }), 'fail', /\+Infinity% vs stable/],
    ['threshold and comparison both fail: both said', lat20, m(400, { stableValue: 100 }), 'fail', /^400ms is not <= 250ms; stable 100ms, canary \+300%/],
  ];
  it.each(cases)('%s', (_, check, measured, verdict, reason) => {
    const r = judgeStep([check], [measured], { noData: 'fail' }).results[0]!;
    expect(r.verdict).toBe(verdict);
    expect(r.reason).toMatch(reason);
    expect(r).toHaveProperty('stableValue');
  });
});

describe('judgeStep: several checks', () => {
  it.each([
    [['pass', 'pass'], 'pass'],
    [['pass', 'inconclusive'], 'inconclusive'],
    [['inconclusive', 'fail'], 'fail'],
    [[], 'pass'],
  ] as Array<[Verdict[], Verdict]>)('%j → %s', (verdicts, expected) => {
    const value = { pass: 100, fail: 0, inconclusive: null } as const;
    const checks = verdicts.map((_, i) => ({ ...SR, name: `c${i}` }));
    const step = judgeStep(
      checks,
      verdicts.map((v) => m(value[v])),
      { noData: 'inconclusive' },
    );
    expect(step.results.map((r) => r.verdict)).toEqual(verdicts);
    expect(step.verdict).toBe(expected);
  });

  it('refuses mismatched inputs', () => {
    expect(() => judgeStep([SR, LAT], [m(1)], { noData: 'fail' })).toThrow(/2 checks but 1/);
  });
});

describe('valueOf', () => {
  it.each([
    [[], { value: null }],
    [[{ labels: {}, value: 3 }], { value: 3 }],
    [[{ labels: {}, value: NaN }], { value: NaN }],
  ])('%j', (samples, expected) => {
    expect(valueOf(samples)).toEqual(expected);
  });

  it('several series are an error that says how to fix the query', () => {
    const r = valueOf([1, 2, 3, 4].map((i) => ({ labels: { instance: `h${i}` }, value: i })));
    expect(r.value).toBeNull();
    expect(r.error).toBe('the query returned 4 series ({instance="h1"}, {instance="h2"}, {instance="h3"}, …); aggregate it to one value, e.g. with sum(...)');
  });
});

describe('analysisSeries', () => {
  it('one label per step, values per metric, stable series where compared, NaN for no data', () => {
    const checks: MetricCheck[] = [SR, { ...LAT, maxIncrease: 20 }];
    const s1 = judgeStep(checks, [m(100), m(10, { stableValue: 9 })], { noData: 'fail' });
    const s2 = judgeStep(checks, [m(null), m(12, { stableValue: null })], { noData: 'fail' });
    expect(
      analysisSeries([
        { weight: 10, analysis: s1 },
        { weight: 50, analysis: s2 },
      ]),
    ).toEqual({
      labels: ['10%', '50%'],
      series: [
        { name: 'success-rate', metric: 'success-rate', track: 'canary', unit: '%', values: [100, NaN] },
        { name: 'latency', metric: 'latency', track: 'canary', unit: 'ms', values: [10, 12] },
        { name: 'latency (stable)', metric: 'latency', track: 'stable', unit: 'ms', values: [9, NaN] },
      ],
    });
  });

  it('no steps → empty chart data', () => {
    expect(analysisSeries([])).toEqual({ labels: [], series: [] });
  });
});

describe('compare', () => {
  it('treats float noise from Prometheus ratios as equal to the threshold', () => {
    expect(compare(99.99999999999999, '>=', 100)).toBe(true);
    expect(compare(100.00000000000001, '<=', 100)).toBe(true);
    expect(compare(99.99999999999999, '<', 100)).toBe(false);
    expect(compare(100.00000000000001, '>', 100)).toBe(false);
  });
  it('still tells real differences apart', () => {
    expect(compare(99.9, '>=', 100)).toBe(false);
    expect(compare(250.001, '<=', 250)).toBe(false);
    expect(compare(0.0000001, '>', 0)).toBe(true);
    expect(compare(99.5, '>', 99)).toBe(true);
  });
});

describe('compare with infinities', () => {
  it('+Inf latency is never within tolerance of a finite limit', () => {
    expect(compare(Infinity, '<=', 250)).toBe(false);
    expect(compare(Infinity, '>=', 99)).toBe(true);
  });
});
