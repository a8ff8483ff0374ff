import { describe, expect, it } from 'vitest';
import { readSettings, parseRollingServices, type CanaryDeploySettings, type RollingSettings } from '../../../actions/deploy-canary/settings.js';
import { DEFAULT_HISTORY_LIMIT } from '../../../src/record/history.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';
import type { ComposeTargetSettings, KubernetesTargetSettings, TargetSettings } from '../../../actions/shared/deployment.js';
import { kubeconfigSecrets } from '../../../actions/shared/kubernetes.js';

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

const noMask = (): void => undefined;

/** The compose settings of a run (the union narrowed). */
function composeOf(settings: { target: TargetSettings }): ComposeTargetSettings {
  if (settings.target.kind !== 'compose') throw new Error(`expected compose, got ${settings.target.kind}`);
  return settings.target;
}

function kubernetesOf(settings: { target: TargetSettings }): KubernetesTargetSettings {
  if (settings.target.kind !== 'kubernetes') throw new Error(`expected kubernetes, got ${settings.target.kind}`);
  return settings.target;
}

/** Settings of a canary deploy (the union narrowed; anything else fails the test). */
function readCanary(i: Inputs): CanaryDeploySettings {
  const settings = readSettings(i, '/ws', noMask);
  if (settings.strategy !== 'canary' || settings.action !== 'deploy') throw new Error(`expected a canary deploy, got ${settings.strategy}/${settings.action}`);
  return settings;
}

function readRolling(i: Inputs): RollingSettings {
  const settings = readSettings(i, '/ws', noMask);
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
    expect(composeOf(s).router).toEqual({
      upstreamFile: '/ws/nginx/app.conf',
      upstreamName: 'app',
      stableAddress: '127.0.0.1:8080',
      reload: { kind: 'nginx', config: undefined, prefix: undefined },
    });
    expect(s.selectors).toEqual({ canary: 'track="canary"', stable: 'track="stable"', baseline: 'track="baseline"' });
    expect(s.analysis).toMatchObject({ judge: 'threshold', baseline: false, control: 'stable' });
    expect(composeOf(s).compose).toMatchObject({ files: ['docker-compose.yml'], flavor: 'auto', baseDir: '/ws' });
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
    expect(composeOf(s).router!.reload).toEqual({ kind: 'command', argv: ['docker', 'exec', 'proxy', 'nginx', '-s', 'reload'] });
    expect(s.selectors.canary).toBe('job="shop",deployment="canary"');
  });

  it('names what is missing or wrong', () => {
    expect(() => readSettings(inputs({ ...canary, image: '' }).inputs, '/ws', noMask)).toThrow(/image/);
    expect(() => readSettings(inputs({ ...canary, service: '' }).inputs, '/ws', noMask)).toThrow(/service/);
    expect(() => readSettings(inputs({ ...canary, 'prometheus-url': '' }).inputs, '/ws', noMask)).toThrow(/prometheus-url is required/);
    expect(readSettings(inputs({ ...canary, image: '', 'prometheus-url': '', action: 'promote' }).inputs, '/ws', noMask).action).toBe('promote');
    expect(() => readSettings(inputs({ ...canary, target: 'kubernetes' }).inputs, '/ws', noMask)).toThrow(
      /services|nginx-upstream-file is for target: compose/,
    );
    expect(() => readSettings(inputs({ ...canary, deployment: 'web' }).inputs, '/ws', noMask)).toThrow(/deployment is for target: kubernetes/);
    expect(() => readSettings(inputs({ ...canary, 'failure-limit': '0' }).inputs, '/ws', noMask)).toThrow(/failure-limit/);
    expect(() => readSettings(inputs({ ...canary, 'metric-labels': 'job' }).inputs, '/ws', noMask)).toThrow(/metric-labels: "job" is not name=value/);
    expect(() => readSettings(inputs({ ...canary, 'compose-command': 'podman' }).inputs, '/ws', noMask)).toThrow(/compose-command/);
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
      expect(() => readSettings(inputs({ strategy: 'rolling', action, services: 'backend=b:2' }).inputs, '/ws', noMask)).toThrow(
        new RegExp(`action: ${action} .*strategy is rolling`),
      );
    }
  });

  it('a promote or abort needs neither an image nor Prometheus, and carries only what finishing a canary uses', () => {
    const settings = readSettings(inputs({ ...canary, image: '', 'prometheus-url': '', action: 'abort' }).inputs, '/ws', noMask);
    expect(settings).toMatchObject({ strategy: 'canary', action: 'abort', service: 'app' });
    expect(settings).not.toHaveProperty('checks');
  });

  it('judge: compare starts a baseline by default (compared against it); baseline: false compares with stable', () => {
    const withBaseline = readCanary(inputs({ ...canary, judge: 'compare', 'baseline-port': '9101', 'canary-port': '9100' }).inputs);
    expect(withBaseline.analysis).toMatchObject({ judge: 'compare', baseline: true, control: 'baseline' });
    expect(composeOf(withBaseline)).toMatchObject({ baseline: true, baselinePort: 9101, canaryPort: 9100 });
    const without = readCanary(inputs({ ...canary, judge: 'compare', baseline: 'false', 'baseline-port': '9101' }).inputs);
    expect(without.analysis).toMatchObject({ baseline: false, control: 'stable' });
    expect(composeOf(without)).not.toHaveProperty('baselinePort');
    expect(composeOf(without)).not.toHaveProperty('baseline');
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

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: prod',
  '  cluster: { server: "https://k8s.example:6443" }',
  'users:',
  '- name: deployer',
  '  user:',
  '    token: s3cr3t-t0ken-value',
  'contexts:',
  '- name: prod',
  '  context: { cluster: prod, user: deployer, namespace: shop }',
  '- name: staging',
  '  context: { cluster: prod, user: deployer }',
  'current-context: prod',
  '',
].join('\n');

const k8s = { target: 'kubernetes', deployment: 'web', image: 'registry/web:2', 'prometheus-url': 'http://prom:9090' };

describe('deploy-canary settings on target: kubernetes', () => {
  it('reads the connection, the deployment and the pod-ratio router by default; the kubeconfig is masked line by line', () => {
    const masked: string[] = [];
    const s = readSettings(inputs({ ...k8s, kubeconfig: KUBECONFIG, context: 'staging', namespace: 'shop' }).inputs, '/ws', (v) => masked.push(v));
    if (s.strategy !== 'canary' || s.action !== 'deploy') throw new Error('expected a canary deploy');
    expect(s.service).toBe('web');
    const t = kubernetesOf(s);
    expect(t.connection).toMatchObject({ kubeconfig: { kind: 'contents' }, context: 'staging', namespace: 'shop' });
    expect(t.router).toEqual({ kind: 'pod-ratio' });
    expect(t.baseline).toBe(false);
    expect(t.canaryReplicas).toBe(1);
    expect(masked).toEqual(expect.arrayContaining([KUBECONFIG.trim(), 'token: s3cr3t-t0ken-value', 's3cr3t-t0ken-value']));
    expect(kubeconfigSecrets(KUBECONFIG)).not.toContain('apiVersion: v1');
  });

  it("without kubeconfig the job's KUBECONFIG is used", () => {
    expect(kubernetesOf(readCanary(inputs(k8s).inputs)).connection.kubeconfig).toEqual({ kind: 'job' });
  });

  it('each router gets the names it needs; service defaults to the deployment', () => {
    const router = (extra: Record<string, string>) => kubernetesOf(readCanary(inputs({ ...k8s, ...extra }).inputs)).router;
    expect(router({ 'traffic-router': 'smi' })).toEqual({ kind: 'smi', service: 'web' });
    expect(router({ 'traffic-router': 'ingress-nginx', ingress: 'shop', service: 'web-svc' })).toEqual({
      kind: 'ingress-nginx',
      ingress: 'shop',
      service: 'web-svc',
    });
    expect(router({ 'traffic-router': 'gateway-api', httproute: 'shop' })).toEqual({ kind: 'gateway-api', httproute: 'shop', service: 'web' });
    expect(() => router({ 'traffic-router': 'ingress-nginx' })).toThrow(/ingress is required for traffic-router: ingress-nginx/);
    expect(() => router({ 'traffic-router': 'gateway-api' })).toThrow(/httproute is required for traffic-router: gateway-api/);
    expect(() => router({ 'traffic-router': 'istio' })).toThrow(/traffic-router/);
  });

  it('baseline: true runs a baseline and compares with it', () => {
    const s = readCanary(inputs({ ...k8s, baseline: 'true', judge: 'compare', 'metric-labels': 'job=web' }).inputs);
    expect(kubernetesOf(s).baseline).toBe(true);
    expect(s.analysis.control).toBe('baseline');
    expect(s.selectors.baseline).toBe('job="web",track="baseline"');
  });

  it('names what is missing or wrong, with the fix', () => {
    const read = (extra: Record<string, string>) => () => readSettings(inputs({ ...k8s, ...extra }).inputs, '/ws', noMask);
    expect(read({ deployment: '' })).toThrow(/deployment is required for target: kubernetes/);
    expect(read({ deployment: 'Web App' })).toThrow(/deployment: "Web App" is not a Kubernetes object name/);
    expect(read({ kubeconfig: KUBECONFIG, context: 'nope' })).toThrow(/context: "nope" is not a context of the kubeconfig; it has "prod", "staging"/);
    expect(read({ kubeconfig: '/home/runner/.kube/config' })).toThrow(/kubeconfig takes the contents/);
    expect(read({ kubeconfig: 'just: text' })).toThrow(/does not look like a kubeconfig/);
    expect(read({ 'kubectl-version': 'latest' })).toThrow(/kubectl-version is "latest"/);
    expect(read({ steps: '50,25' })).toThrow(/steps/);
    expect(read({ 'stable-address': '127.0.0.1:80' })).toThrow(/stable-address is for target: compose/);
  });

  it('rolling takes the deployments in order, each name=image or with the image input', () => {
    const s = readRolling(inputs({ target: 'kubernetes', strategy: 'rolling', deployment: 'backend=r/b:2\nfrontend', image: 'r/f:2' }).inputs);
    expect(s.rolling).toEqual([
      { service: 'backend', image: 'r/b:2' },
      { service: 'frontend', image: 'r/f:2' },
    ]);
    expect(kubernetesOf(s).kind).toBe('kubernetes');
  });
});

describe('deploy-canary settings: strategy blue-green', () => {
  const bg = { target: 'kubernetes', strategy: 'blue-green', deployment: 'web', image: 'r/web:2' };

  it('reads names with their defaults, keep-previous (10m) and the checks resolved against preview-url', () => {
    const settings = readSettings(
      inputs({ ...bg, 'preview-url': 'http://preview.example.test', checks: '- name: health\n  url: /health\n' }).inputs,
      '/ws',
      noMask,
    );
    if (settings.strategy !== 'blue-green') throw new Error('expected blue-green');
    expect(settings.names).toEqual({ deployment: 'web', service: 'web', previewService: 'web-preview' });
    expect(settings.keepPreviousMs).toBe(600_000);
    expect(settings.checks.map((c) => c.url)).toEqual(['http://preview.example.test/health']);
    expect(kubernetesOf(settings).router).toBeUndefined();
  });

  it('refuses compose, canary-only inputs, a preview that is the live service, and its inputs with other strategies', () => {
    const read = (values: Record<string, string>) => () => readSettings(inputs(values).inputs, '/ws', noMask);
    expect(read({ ...bg, target: 'compose', service: 'app' })).toThrow(/strategy: blue-green needs target: kubernetes/);
    expect(read({ ...bg, service: 'web', 'preview-service': 'web' })).toThrow(/preview-service: "web" is the live service/);
    expect(read({ ...bg, 'keep-previous': 'soon' })).toThrow(/keep-previous is "soon", which is not a duration/);
    expect(read({ target: 'kubernetes', deployment: 'web', image: 'r/web:2', 'keep-previous': '5m' })).toThrow(/keep-previous is for strategy: blue-green/);
    expect(read({ ...bg, image: '' })).toThrow(/image/);
    expect(readSettings(inputs({ ...bg, image: '', action: 'abort' }).inputs, '/ws', noMask)).toMatchObject({ strategy: 'blue-green', action: 'abort' });
  });
});
