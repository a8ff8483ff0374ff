import { describe, expect, it } from 'vitest';
import { readSettings, parseRollingServices, type CanaryDeploySettings, type RollingSettings } from '../../../actions/deploy-canary/settings.js';
import { DEFAULT_HISTORY_LIMIT } from '../../../src/record/history.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';

function inputs(values: Record<string, string>): { inputs: Inputs; masked: string[] } {
  const masked: string[] = [];
  return {
    inputs: new Inputs(
      (n) => values[n] ?? '',
      new SecretRegistry(),
      (f) => masked.push(f),
      '/ws',
    ),
    masked,
  };
}

/** Settings of a canary deploy (the union narrowed; anything else fails the test). */
function readCanary(i: Inputs): CanaryDeploySettings {
  const settings = readSettings(i, '/ws');
  if (settings.strategy !== 'canary' || settings.action !== 'deploy') throw new Error(`expected a canary deploy, got ${settings.strategy}/${settings.action}`);
  return settings;
}

function readRolling(i: Inputs): RollingSettings {
  const settings = readSettings(i, '/ws');
  if (settings.strategy !== 'rolling') throw new Error(`expected rolling, got ${settings.strategy}`);
  return settings;
}

const canary = {
  service: 'app',
  image: 'shop:2',
  'nginx-upstream-file': 'nginx/app.conf',
  'stable-address': '127.0.0.1:8080',
  'prometheus-url': 'http://u:pw-123@prom:9090',
};

describe('deploy-canary settings', () => {
  it('reads a canary with defaults: steps, interval as the window, default checks, router with the service as upstream', () => {
    const { inputs: i, masked } = inputs(canary);
    const s = readCanary(i);
    expect(s.plan).toEqual({ steps: [10, 25, 50, 100], intervalMs: 60_000, failureLimit: 1, promoteAfterLastStep: false });
    expect(s.windowSeconds).toBe(60);
    expect(s.checks.map((c) => [c.name, c.threshold])).toEqual([
      ['success-rate', 99],
      ['latency', 1000],
    ]);
    expect(s.router).toEqual({
      upstreamFile: '/ws/nginx/app.conf',
      upstreamName: 'app',
      stableAddress: '127.0.0.1:8080',
      reload: { kind: 'nginx', config: undefined, prefix: undefined },
    });
    expect(s.selectors).toEqual({ canary: 'track="canary"', stable: 'track="stable"', baseline: 'track="baseline"' });
    expect(s.analysis).toMatchObject({ judge: 'threshold', baseline: false, control: 'stable' });
    expect(s.compose).toMatchObject({ files: ['docker-compose.yml'], flavor: 'auto', baseDir: '/ws' });
    expect(masked).toContain('pw-123');
  });

  it('takes a reload command as an argument list and labels for the selectors', () => {
    const { inputs: i } = inputs({
      ...canary,
      'nginx-reload-command': 'docker exec  proxy nginx -s reload',
      'metric-labels': 'job=shop',
      'track-label': 'deployment',
    });
    const s = readCanary(i);
    expect(s.router.reload).toEqual({ kind: 'command', argv: ['docker', 'exec', 'proxy', 'nginx', '-s', 'reload'] });
    expect(s.selectors.canary).toBe('job="shop",deployment="canary"');
  });

  it('names what is missing or wrong', () => {
    expect(() => readSettings(inputs({ ...canary, image: '' }).inputs, '/ws')).toThrow(/image/);
    expect(() => readSettings(inputs({ ...canary, service: '' }).inputs, '/ws')).toThrow(/service/);
    expect(() => readSettings(inputs({ ...canary, 'prometheus-url': '' }).inputs, '/ws')).toThrow(/prometheus-url is required/);
    expect(readSettings(inputs({ ...canary, image: '', 'prometheus-url': '', action: 'promote' }).inputs, '/ws').action).toBe('promote');
    expect(() => readSettings(inputs({ ...canary, target: 'kubernetes' }).inputs, '/ws')).toThrow(/target: kubernetes is not supported yet/);
    expect(() => readSettings(inputs({ ...canary, 'failure-limit': '0' }).inputs, '/ws')).toThrow(/failure-limit/);
    expect(() => readSettings(inputs({ ...canary, 'metric-labels': 'job' }).inputs, '/ws')).toThrow(/metric-labels: "job" is not name=value/);
    expect(() => readSettings(inputs({ ...canary, 'compose-command': 'podman' }).inputs, '/ws')).toThrow(/compose-command/);
  });

  it('reads rolling services in order, each with its image or the image input', () => {
    expect(parseRollingServices(['backend=b:2', 'frontend'], 'f:2')).toEqual([
      { service: 'backend', image: 'b:2' },
      { service: 'frontend', image: 'f:2' },
    ]);
    expect(() => parseRollingServices(['frontend'], '')).toThrow(/services: "frontend" has no image/);
    const s = readRolling(inputs({ strategy: 'rolling', services: 'backend=b:2\nfrontend=f:2' }).inputs);
    expect(s.rolling.map((r) => r.service)).toEqual(['backend', 'frontend']);
  });

  it('refuses strategy: rolling with action: promote or abort, naming both inputs', () => {
    for (const action of ['promote', 'abort']) {
      expect(() => readSettings(inputs({ strategy: 'rolling', action, services: 'backend=b:2' }).inputs, '/ws')).toThrow(
        new RegExp(`action: ${action} .*strategy is rolling`),
      );
    }
  });

  it('a promote or abort needs neither an image nor Prometheus, and carries only what finishing a canary uses', () => {
    const settings = readSettings(inputs({ ...canary, image: '', 'prometheus-url': '', action: 'abort' }).inputs, '/ws');
    expect(settings).toMatchObject({ strategy: 'canary', action: 'abort', service: 'app' });
    expect(settings).not.toHaveProperty('checks');
  });

  it('judge: compare starts a baseline by default (compared against it); baseline: false compares with stable', () => {
    const withBaseline = readCanary(inputs({ ...canary, judge: 'compare', 'baseline-port': '9101', 'canary-port': '9100' }).inputs);
    expect(withBaseline.analysis).toMatchObject({ judge: 'compare', baseline: true, control: 'baseline' });
    expect(withBaseline.baselinePort).toBe(9101);
    const without = readCanary(inputs({ ...canary, judge: 'compare', baseline: 'false', 'baseline-port': '9101' }).inputs);
    expect(without.analysis).toMatchObject({ baseline: false, control: 'stable' });
    expect(without).not.toHaveProperty('baselinePort');
  });

  it('refuses a baseline the judge would not look at, and a baseline port equal to the canary port', () => {
    expect(() => readCanary(inputs({ ...canary, baseline: 'true' }).inputs)).toThrow(/baseline: true starts a baseline for judge: compare.*Set judge: compare/);
    expect(() => readCanary(inputs({ ...canary, judge: 'compare', 'canary-port': '9100', 'baseline-port': '9100' }).inputs)).toThrow(
      /baseline-port and canary-port are both 9100/,
    );
  });

  it('history-limit defaults to DEFAULT_HISTORY_LIMIT', () => {
    expect(readCanary(inputs(canary).inputs).historyLimit).toBe(DEFAULT_HISTORY_LIMIT);
  });
});
