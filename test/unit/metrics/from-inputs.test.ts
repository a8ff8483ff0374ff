import { describe, expect, it } from 'vitest';
import { analysisOptionsFromInputs, lookOf, parseAlpha } from '../../../src/metrics/from-inputs.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';

const read = (values: Record<string, string>, plan = { intervalMs: 120_000, windowMs: 120_000 }) =>
  analysisOptionsFromInputs(
    new Inputs(
      (n) => values[n] ?? '',
      new SecretRegistry(),
      () => undefined,
      '/ws',
    ),
    plan,
  );

describe('analysis inputs', () => {
  it('defaults: the default preset, threshold judge, one measurement, errors not tolerated, continue', () => {
    expect(read({})).toEqual({
      preset: 'default',
      names: { requests: 'http_requests_total', duration: 'http_request_duration_seconds', codeLabel: 'code', errorCodes: '5..', statusForm: 'code' },
      judge: 'threshold',
      baseline: false,
      control: 'stable',
      alpha: 0.05,
      spending: 'pocock',
      sampleSeconds: 60,
      measurement: { count: 1, consecutiveErrors: 0 },
      inconclusive: 'continue',
    });
  });

  it('compare brings a baseline unless told otherwise; overrides and policies are read', () => {
    const o = read({
      'metrics-preset': 'prometheus-fastapi-instrumentator',
      'status-form': 'code',
      judge: 'compare',
      alpha: '1%',
      'alpha-spending': 'obrien-fleming',
      'sample-window': '20s',
      count: '3',
      'consecutive-errors': '2',
      inconclusive: 'pause',
    });
    expect(o).toMatchObject({ judge: 'compare', baseline: true, control: 'baseline', alpha: 0.01, spending: 'obrien-fleming', sampleSeconds: 20 });
    expect(o.names).toMatchObject({ codeLabel: 'status', statusForm: 'code', errorCodes: '5..' });
    expect(o.measurement).toEqual({ count: 3, consecutiveErrors: 2 });
    expect(read({ judge: 'compare', baseline: 'false' }).control).toBe('stable');
  });

  it('refuses what cannot work, naming the input', () => {
    const fails = (values: Record<string, string>, pattern: RegExp, input: string): void => {
      let err: unknown;
      try {
        read(values);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as ConfigurationError).message).toMatch(pattern);
      expect((err as ConfigurationError).input).toBe(input);
    };
    fails({ 'metrics-preset': 'fastapi' }, /metrics-preset is "fastapi"/, 'metrics-preset');
    fails({ judge: 'kayenta' }, /judge/, 'judge');
    fails({ alpha: '0.7' }, /alpha is "0.7"/, 'alpha');
    fails({ judge: 'compare', 'sample-window': '5m' }, /longer than the analysis window/, 'sample-window');
    fails({ judge: 'compare', count: '4', 'sample-window': '1m' }, /closer than the analysis window/, 'count');
    fails({ 'status-label': 'http-status' }, /status-label is "http-status"/, 'status-label');
    fails({ inconclusive: 'wait' }, /inconclusive/, 'inconclusive');
  });

  it('alpha and looks', () => {
    expect(parseAlpha('0.05')).toBe(0.05);
    expect(parseAlpha('.1')).toBe(0.1);
    expect(parseAlpha('2.5%')).toBe(0.025);
    expect(() => parseAlpha('0')).toThrow(ConfigurationError);
    expect(lookOf(0, 0, 4, 1)).toEqual({ look: 1, looks: 4 });
    expect(lookOf(2, 1, 4, 3)).toEqual({ look: 8, looks: 12 });
  });
});
