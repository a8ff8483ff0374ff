import { describe, expect, it } from 'vitest';
import { DEFAULT_METRIC_NAMES, renderQuery, type MetricCheck } from '../../../src/metrics/config.js';
import { assessStatusLabel, formatSeries, joinMatchers, preflightError } from '../../../src/metrics/preflight.js';
import { PRESETS, PRESET_NAMES, presetByName, presetsMatching, resolveMetricNames } from '../../../src/metrics/presets.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { STYLES } from '../../support/instrumented-app.js';

const SR: MetricCheck = { name: 'success-rate', template: 'success-rate', threshold: 99, comparison: '>=' };
const LAT: MetricCheck = { name: 'latency', template: 'latency', threshold: 250, comparison: '<=', quantile: 0.95 };
const series = (...labels: Array<Record<string, string>>) => labels.map((l) => ({ labels: { __name__: 'http_requests_total', job: 'app', ...l }, value: 1 }));

describe('presets', () => {
  it('has the presets the README lists, each with a status label and a histogram', () => {
    // The fixture styles of the integration test are exactly the presets.
    expect(PRESET_NAMES).toEqual(STYLES);
    for (const p of PRESETS) {
      expect(p.names.codeLabel).toMatch(/^[a-z_]+$/);
      expect(p.names.duration).not.toMatch(/_bucket$/);
    }
  });

  it('refuses an unknown preset with the list and the nearest name', () => {
    expect(() => presetByName('fastapi-instrumentator')).toThrow(ConfigurationError);
    expect(() => presetByName('istoi')).toThrow(/metrics-preset is "istoi": give one of default, .*\(did you mean istio\?\)/);
    expect(presetByName(' Traefik ').name).toBe('traefik');
  });

  it('renders each preset’s queries: status label and form, fixed matchers, histogram unit', () => {
    const fastapi = presetByName('prometheus-fastapi-instrumentator').names;
    expect(renderQuery(SR, 'track="canary"', 30, fastapi)).toBe(
      '100 * sum(rate(http_requests_total{track="canary",status!~"5xx"}[30s])) / sum(rate(http_requests_total{track="canary"}[30s]))',
    );
    expect(renderQuery(LAT, 'track="canary"', 30, fastapi)).toBe(
      '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_highr_seconds_bucket{track="canary"}[30s])))',
    );
    const istio = presetByName('istio').names;
    expect(renderQuery(SR, 'destination_workload="app-canary"', 60, istio)).toBe(
      '100 * sum(rate(istio_requests_total{destination_workload="app-canary",reporter="destination",response_code!~"5..|0"}[60s])) / sum(rate(istio_requests_total{destination_workload="app-canary",reporter="destination"}[60s]))',
    );
    expect(renderQuery(LAT, 'x="y"', 60, istio)).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{x="y",reporter="destination"}[60s])))',
    );
    expect(renderQuery(SR, 'x="y"', 60, presetByName('spring-boot').names)).toContain(
      'http_server_requests_seconds_count{x="y",uri!~"/actuator.*",status!~"5.."}',
    );
    expect(renderQuery(SR, 'x="y"', 60, presetByName('express-prom-bundle').names)).toContain('http_request_duration_seconds_count{x="y",status_code!~"5.."}');
  });

  it('overrides: names checked, a status form change changes the error pattern', () => {
    const names = resolveMetricNames(presetByName('prometheus-fastapi-instrumentator'), { statusForm: 'code', duration: 'my_latency_seconds_bucket' });
    expect(names).toMatchObject({ codeLabel: 'status', statusForm: 'code', errorCodes: '5..', duration: 'my_latency_seconds' });
    expect(() => resolveMetricNames(presetByName('default'), { codeLabel: 'status-code' }, { codeLabel: 'status-label' })).toThrow(
      /status-label is "status-code", which is not a Prometheus label name/,
    );
  });

  it('recognises a preset from the metric names Prometheus has', () => {
    expect(presetsMatching(['flask_http_request_total', 'process_cpu_seconds_total']).map((p) => p.name)).toEqual(['prometheus-flask-exporter']);
    expect(presetsMatching(['http_request_duration_seconds_bucket']).map((p) => p.name)).toEqual(['express-prom-bundle']);
    expect(presetsMatching(['traefik_service_requests_total']).map((p) => p.name)).toEqual(['traefik']);
  });
});

describe('assessStatusLabel (pure)', () => {
  it('accepts codes for a code preset and classes for a class preset', () => {
    expect(assessStatusLabel(series({ code: '200' }, { code: '503' }), DEFAULT_METRIC_NAMES)).toBeUndefined();
    expect(assessStatusLabel(series({ status: '2xx' }, { status: '5xx' }), presetByName('prometheus-fastapi-instrumentator').names)).toBeUndefined();
    expect(assessStatusLabel(series({ response_code: '0' }, { response_code: '200' }), presetByName('istio').names)).toBeUndefined();
  });

  it('a missing label: names the label that holds the status and the preset that fits', () => {
    const r = assessStatusLabel(series({ handler: '/', method: 'GET', status: '2xx' }, { handler: '/', method: 'GET', status: '5xx' }), DEFAULT_METRIC_NAMES)!;
    expect(r.problem).toBe('2 of 2 http_requests_total series have no "code" label, so a success rate over them would count every request as a success');
    expect(r.found).toEqual(['http_requests_total{status="2xx"}', 'http_requests_total{status="5xx"}']);
    expect(r.fix).toBe('the status is in "status" (classes such as 5xx): set metrics-preset: prometheus-fastapi-instrumentator');
  });

  it('a missing label without a preset that fits: status-label (and status-form)', () => {
    const r = assessStatusLabel(series({ http_status: '200' }), { ...DEFAULT_METRIC_NAMES, requests: 'my_requests_total' })!;
    expect(r.fix).toBe('the status is in "http_status": set status-label: http_status');
    const none = assessStatusLabel(series({ route: '/a' }), DEFAULT_METRIC_NAMES)!;
    expect(none.fix).toBe('give the label that holds the HTTP status with status-label (the series carry job, route)');
  });

  it('values it cannot read: classes under a code preset, words anywhere', () => {
    const classes = assessStatusLabel(series({ code: '2xx' }, { code: '5xx' }), DEFAULT_METRIC_NAMES)!;
    expect(classes.problem).toBe('"code" has the values "2xx", "5xx", which are not a status code such as 500');
    expect(classes.fix).toBe('set status-form: class (the values are classes such as 5xx)');
    const words = assessStatusLabel(series({ code: '200' }, { code: 'SERVER_ERROR' }), DEFAULT_METRIC_NAMES)!;
    expect(words.problem).toBe('"code" has the value "SERVER_ERROR", which is not a status code such as 500');
    expect(words.found).toEqual(['http_requests_total{code="SERVER_ERROR"}']);
    expect(words.fix).toMatch(/reads codes \(500\) or classes \(5xx\) only/);
  });

  it('formats series and matchers; one error lists every problem', () => {
    expect(formatSeries({ __name__: 'm', b: '2', a: '1' })).toBe('m{a="1",b="2"}');
    expect(joinMatchers('{a="1"}', undefined, ' b="2" ', '')).toBe('a="1",b="2"');
    const err = preflightError([
      { checks: ['success-rate'], track: 'stable', problem: 'p1', found: ['x{}'], fix: 'f1' },
      { checks: ['latency'], track: 'stable', problem: 'p2', found: [], fix: 'f2' },
    ]);
    expect(err.input).toBe('metrics');
    expect(err.message).toBe(
      'The metrics cannot judge this canary, so it was not started:\n- success-rate (stable): p1. Found: x{}. Fix: f1.\n- latency (stable): p2. Fix: f2.',
    );
  });
});
