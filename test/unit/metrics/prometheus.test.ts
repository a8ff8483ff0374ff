import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { PrometheusClient, PrometheusError, normaliseBaseUrl, parseSampleValue, toSamples } from '../../../src/metrics/prometheus.js';

describe('parseSampleValue', () => {
  it.each([
    ['1', 1],
    ['99.5', 99.5],
    ['1e3', 1000],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['NaN', NaN],
  ])('%s', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });
  it.each([[''], ['abc'], [undefined]])('%j is not a sample', (text) => {
    expect(() => parseSampleValue(text)).toThrow(PrometheusError);
  });
});

describe('toSamples', () => {
  it('reads a vector and a scalar', () => {
    expect(toSamples({ status: 'success', data: { resultType: 'vector', result: [{ metric: { track: 'canary' }, value: [1, '99'] }] } })).toEqual([
      { labels: { track: 'canary' }, value: 99 },
    ]);
    expect(toSamples({ status: 'success', data: { resultType: 'scalar', result: [1, '2'] } })).toEqual([{ labels: {}, value: 2 }]);
  });
  it('refuses a range vector with a message that says why', () => {
    expect(() => toSamples({ status: 'success', data: { resultType: 'matrix', result: [] } })).toThrow(
      /returned a matrix result; an analysis query must return an instant vector or a scalar/,
    );
  });
});

describe('normaliseBaseUrl / constructor', () => {
  it.each([
    ['http://prom:9090/', 'http://prom:9090', undefined],
    ['https://x.example/prometheus//', 'https://x.example/prometheus', undefined],
    ['http://user:p%40ss@prom:9090', 'http://prom:9090', `Basic ${Buffer.from('user:p@ss').toString('base64')}`],
  ])('%s', (text, base, authorization) => {
    expect(normaliseBaseUrl(text, 'prometheus-url')).toEqual({ base, authorization });
  });
  it.each([
    ['prom:9090/x', /prometheus-url must be an http/],
    ['not a url', /prometheus-url is "not a url", which is not a URL/],
    ['ftp://prom', /must be an http:\/\/ or https:\/\/ URL/],
    ['http://prom:9090/?x=1', /must not have a query string/],
  ])('%s is a configuration error', (text, message) => {
    expect(() => new PrometheusClient(text)).toThrow(ConfigurationError);
    expect(() => new PrometheusClient(text)).toThrow(message);
  });
});
