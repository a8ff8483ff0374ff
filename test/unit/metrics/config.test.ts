import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import {
  DEFAULT_METRIC_NAMES,
  describeThreshold,
  parseMetricChecks,
  renderQuery,
  selectorFor,
  trackSelectors,
  type MetricCheck,
} from '../../../src/metrics/config.js';

const parse = (yaml: string): MetricCheck[] => parseMetricChecks(parseYaml(yaml, 'metrics'), 'metrics');

function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return err as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseMetricChecks: accepted shapes', () => {
  const cases: Array<[string, string, MetricCheck[]]> = [
    [
      'templates by name, bare numbers',
      `- name: success-rate\n  min: 99\n- name: latency\n  max: 250`,
      [
        { name: 'success-rate', template: 'success-rate', threshold: 99, comparison: '>=' },
        { name: 'latency', template: 'latency', threshold: 250, comparison: '<=', quantile: 0.95 },
      ],
    ],
    [
      'metrics: wrapper, units, percentile, max-increase, no-data',
      `metrics:\n  - name: ok\n    template: success-rate\n    min: "99.5%"\n    no-data: inconclusive\n  - name: p99\n    template: latency\n    quantile: p99\n    max: 1s\n    max-increase: 20%`,
      [
        { name: 'ok', template: 'success-rate', threshold: 99.5, comparison: '>=', noData: 'inconclusive' },
        { name: 'p99', template: 'latency', threshold: 1000, comparison: '<=', quantile: 0.99, maxIncrease: 20 },
      ],
    ],
    [
      'custom query with max, min, threshold+comparison',
      `- name: queue\n  query: sum(jobs{ {{selector}} })\n  max: 5\n- name: hits\n  query: sum(rate(hits{ {{ selector }} }[{{window}}]))\n  min: 1\n- name: ratio\n  query: vector(1)\n  threshold: 0.5\n  comparison: ">"`,
      [
        { name: 'queue', template: 'query', query: 'sum(jobs{ {{selector}} })', threshold: 5, comparison: '<=' },
        { name: 'hits', template: 'query', query: 'sum(rate(hits{ {{ selector }} }[{{window}}]))', threshold: 1, comparison: '>=' },
        { name: 'ratio', template: 'query', query: 'vector(1)', threshold: 0.5, comparison: '>' },
      ],
    ],
    [
      'quantile as 0.9 and as p95',
      `- {name: a, template: latency, quantile: 0.9, max: 100}\n- {name: b, template: latency, quantile: p95, max: "1.5s"}`,
      [
        { name: 'a', template: 'latency', threshold: 100, comparison: '<=', quantile: 0.9 },
        { name: 'b', template: 'latency', threshold: 1500, comparison: '<=', quantile: 0.95 },
      ],
    ],
    ['empty', ``, []],
    ['empty list under metrics', `metrics: []`, []],
  ];
  it.each(cases)('%s', (_, yaml, expected) => {
    expect(parse(yaml)).toEqual(expected);
  });
});

describe('parseMetricChecks: mistakes name the entry and the field', () => {
  const cases: Array<[string, string, RegExp, string]> = [
    ['not a list', `success-rate: 99`, /unknown key "success-rate"/, 'metrics'],
    ['a scalar', `"99"`, /give a list of checks/, 'metrics'],
    ['entry not a mapping', `- success-rate`, /metrics\[0\] must be a mapping/, 'metrics.metrics[0]'],
    [
      'typo in a key',
      `- name: latency\n  max: 250\n  quantil: 0.9`,
      /metrics\[0\] \("latency"\) has an unknown key "quantil". Did you mean "quantile"\?/,
      'metrics: metrics[0] ("latency")',
    ],
    ['missing name', `- template: latency\n  max: 250`, /metrics\[0\]: name is missing/, 'metrics.metrics[0].name'],
    ['unknown template', `- name: x\n  template: latncy\n  max: 1`, /template is "latncy".*Did you mean "latency"/, 'metrics: metrics[0] ("x"): template'],
    ['no template, no query', `- name: errors\n  max: 1`, /metrics\[0\] \("errors"\): template is missing/, 'metrics.metrics[0].template'],
    ['no threshold', `- name: success-rate`, /threshold is missing: give min: 99/, 'metrics.metrics[0].threshold'],
    ['two bounds', `- name: latency\n  min: 1\n  max: 250`, /max cannot be given with min/, 'metrics.metrics[0].max'],
    ['success rate over 100', `- name: success-rate\n  min: 101`, /min is 101%: it cannot be over 100%/, 'metrics.metrics[0].min'],
    ['success rate as text', `- name: success-rate\n  min: high`, /min is "high": give a percentage/, 'metrics.metrics[0].min'],
    ['success rate with max', `- name: success-rate\n  max: 1`, /max does not fit a success rate/, 'metrics.metrics[0].max'],
    ['latency zero', `- name: latency\n  max: 0`, /the latency bound must be more than 0/, 'metrics.metrics[0].max'],
    ['latency garbage', `- name: latency\n  max: fast`, /max is "fast": give a latency/, 'metrics.metrics[0].max'],
    ['latency with min', `- name: latency\n  min: 10`, /min does not fit a latency/, 'metrics.metrics[0].min'],
    ['quantile out of range', `- name: latency\n  quantile: 1.5\n  max: 10`, /quantile is 1.5/, 'metrics.metrics[0].quantile'],
    [
      'quantile on success-rate',
      `- name: success-rate\n  quantile: 0.9\n  min: 99`,
      /quantile only applies to template: latency/,
      'metrics.metrics[0].quantile',
    ],
    ['comparison on a template', `- name: latency\n  max: 10\n  comparison: "<"`, /comparison is fixed for latency/, 'metrics.metrics[0].comparison'],
    ['threshold without comparison', `- name: q\n  query: vector(1)\n  threshold: 1`, /comparison is missing/, 'metrics.metrics[0].comparison'],
    [
      'bad comparison',
      `- name: q\n  query: vector(1)\n  threshold: 1\n  comparison: "=>"`,
      /comparison is "=>": use one of >=, <=, >, </,
      'metrics: metrics[0] ("q"): comparison',
    ],
    ['query threshold not a number', `- name: q\n  query: vector(1)\n  max: lots`, /max is "lots": give a number/, 'metrics.metrics[0].max'],
    ['empty query', `- name: q\n  template: query\n  max: 1`, /query is missing/, 'metrics.metrics[0].query'],
    ['quantile 95 without p', `- name: latency\n  quantile: 95\n  max: 10`, /quantile is 95/, 'metrics.metrics[0].quantile'],
    ['query on a template', `- name: latency\n  template: latency\n  query: up\n  max: 1`, /query is for custom checks/, 'metrics.metrics[0].query'],
    [
      'unknown placeholder',
      `- name: q\n  query: up{ {{selectr}} }\n  max: 1`,
      /uses \{\{selectr\}\}.*Did you mean \{\{selector\}\}/,
      'metrics.metrics[0].query',
    ],
    ['bad max-increase', `- name: latency\n  max: 10\n  max-increase: lots`, /max-increase is "lots"/, 'metrics.metrics[0].max-increase'],
    [
      'bad no-data',
      `- name: latency\n  max: 10\n  no-data: ignore`,
      /no-data is "ignore": use one of fail, inconclusive, pass/,
      'metrics: metrics[0] ("latency"): no-data',
    ],
    ['duplicate names', `- name: latency\n  max: 10\n- name: latency\n  max: 20`, /metrics\[1\] repeats the name "latency"/, 'metrics.metrics[1].name'],
    ['bad name', `- name: "a{b}"\n  template: latency\n  max: 10`, /name is "a\{b\}"/, 'metrics.metrics[0].name'],
  ];
  it.each(cases)('%s', (_, yaml, message, input) => {
    const err = configError(() => parse(yaml));
    expect(err.message).toMatch(message);
    expect(err.message.startsWith('metrics')).toBe(true);
    expect(err.input).toBe(input);
  });
});

describe('renderQuery', () => {
  const sr: MetricCheck = { name: 'sr', template: 'success-rate', threshold: 99, comparison: '>=' };
  const lat: MetricCheck = { name: 'lat', template: 'latency', threshold: 250, comparison: '<=', quantile: 0.99 };
  const cases: Array<[string, MetricCheck, string, number, string]> = [
    [
      'success-rate',
      sr,
      'job="app",track="canary"',
      30,
      '100 * sum(rate(http_requests_total{job="app",track="canary",code!~"5.."}[30s])) / sum(rate(http_requests_total{job="app",track="canary"}[30s]))',
    ],
    [
      'success-rate, empty selector, window rounded',
      sr,
      '',
      4.6,
      '100 * sum(rate(http_requests_total{code!~"5.."}[5s])) / sum(rate(http_requests_total{}[5s]))',
    ],
    [
      'latency with braces in the selector',
      lat,
      '{track="stable"}',
      10,
      '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{track="stable"}[10s])))',
    ],
    [
      'custom query placeholders',
      { name: 'q', template: 'query', threshold: 1, comparison: '<=', query: 'sum(rate(x{ {{ selector }} }[{{window}}])) + sum(y{ {{selector}} })' },
      'a="b"',
      7,
      'sum(rate(x{ a="b" }[7s])) + sum(y{ a="b" })',
    ],
  ];
  it.each(cases)('%s', (_, check, selector, window, expected) => {
    expect(renderQuery(check, selector, window)).toBe(expected);
  });

  it('uses configured metric names', () => {
    const q = renderQuery(sr, 's="1"', 5, { ...DEFAULT_METRIC_NAMES, requests: 'reqs', codeLabel: 'status', errorCodes: '5..|429' });
    expect(q).toBe('100 * sum(rate(reqs{s="1",status!~"5..|429"}[5s])) / sum(rate(reqs{s="1"}[5s]))');
  });
});

describe('selectors and thresholds', () => {
  it('builds track selectors with escaped values', () => {
    expect(trackSelectors({ job: 'app' })).toEqual({
      canary: 'job="app",track="canary"',
      stable: 'job="app",track="stable"',
      baseline: 'job="app",track="baseline"',
    });
    expect(trackSelectors({ job: 'a"b' }, { label: 'deployment', canary: 'c', stable: 's' }).canary).toBe('job="a\\"b",deployment="c"');
    expect(() => selectorFor({ 'bad-label': 'x' })).toThrow(ConfigurationError);
  });

  it.each([
    [{ name: 'a', template: 'success-rate', threshold: 99, comparison: '>=' }, '>= 99%'],
    [{ name: 'a', template: 'latency', threshold: 250, comparison: '<=', maxIncrease: 20 }, '<= 250ms, at most 20% worse than stable'],
    [{ name: 'a', template: 'query', threshold: 0.123456, comparison: '<' }, '< 0.123'],
  ] as Array<[MetricCheck, string]>)('describeThreshold %#', (check, text) => {
    expect(describeThreshold(check)).toBe(text);
  });
});
