/**
 * deploy-canary's inputs, read and validated in full (pure parsing; no I/O) into one typed object:
 * a union on strategy and action, so each flow gets exactly the settings it needs.
 */
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import { parseMetricChecks, parseNoDataPolicy, trackSelectors, type MetricCheck, type NoDataPolicy, type Selectors } from '../../src/metrics/config.js';
import { analysisOptionsFromInputs, type AnalysisOptions } from '../../src/metrics/from-inputs.js';
import { parseVersionInput } from '../../src/db/version.js';
import { DEFAULT_HISTORY_LIMIT, type ReleaseDatabase } from '../../src/record/history.js';
import { parseImageReference } from '../../src/registry/reference.js';
import { parseSteps, validatePlan, type CanaryPlan } from '../../src/release/canary-plan.js';
import type { ComposeTargetOptions } from '../../src/targets/compose.js';
import type { ServiceImage } from '../../src/targets/target.js';
import { lockTimeoutFromInputs } from '../shared/project-lock.js';
import { composeOptionsFromInputs, nginxOptionsFromInputs, targetKind, type TargetSettings } from '../shared/deployment.js';
import {
  kubernetesConnectionFromInputs,
  kubernetesRouterFromInputs,
  manifestInputFromInputs,
  objectName,
  type KubernetesConnection,
} from '../shared/kubernetes.js';
import { workloadRef } from '../../src/targets/kubernetes/manifests.js';
import { readBlueGreen, refuseBlueGreenInputs, type BlueGreenSettings } from './blue-green-settings.js';

export type { BlueGreenSettings } from './blue-green-settings.js';

export const DEFAULT_METRICS = [
  { name: 'success-rate', template: 'success-rate', min: 99 },
  { name: 'latency', template: 'latency', quantile: 0.95, max: 1000 },
];

interface CommonSettings {
  /** Where it deploys; for a canary also its router (serialisable: the post step rebuilds from it). */
  target: TargetSettings;
  dryRun: boolean;
  healthTimeoutMs: number;
  historyLimit: number;
  /** How long to wait for another run's project lock (lock-timeout). */
  lockTimeoutMs: number;
  /** database-version and backup-path: what the record keeps of the release's database (both optional). */
  database?: ReleaseDatabase;
}

/** strategy: canary, action: deploy — start a canary and walk it through the steps. */
export interface CanaryDeploySettings extends CommonSettings {
  strategy: 'canary';
  action: 'deploy';
  service: string;
  image: string;
  plan: CanaryPlan;
  prometheusUrl: string;
  checks: MetricCheck[];
  noData: NoDataPolicy;
  selectors: Selectors;
  windowSeconds: number;
  analysis: AnalysisOptions;
}

/** strategy: canary, action: promote | abort — finish a canary an earlier run left paused. */
export interface CanaryFinishSettings extends CommonSettings {
  strategy: 'canary';
  action: 'promote' | 'abort';
  service: string;
}

/** strategy: rolling — services updated in order, each health-waited. */
export interface RollingSettings extends CommonSettings {
  strategy: 'rolling';
  action: 'deploy';
  rolling: ServiceImage[];
}

export type CanarySettings = CanaryDeploySettings | CanaryFinishSettings | RollingSettings | BlueGreenSettings;

/**
 * Reads and checks every input. `mask` hides secrets beyond the inputs' own (the kubeconfig's
 * credential lines) at once.
 */
export function readSettings(inputs: Inputs, workspace: string, mask: (value: string) => void): CanarySettings {
  const action = inputs.choice('action', ['deploy', 'promote', 'abort'] as const, 'deploy');
  const strategy = inputs.choice('strategy', ['canary', 'rolling', 'blue-green'] as const, 'canary');
  const kind = targetKind(inputs);
  if (strategy === 'blue-green' && kind !== 'kubernetes') {
    throw new ConfigurationError(
      'strategy: blue-green needs target: kubernetes (two Deployments behind one Service); on compose use strategy: canary or rolling.',
      {
        input: 'strategy',
      },
    );
  }
  const kubernetes = kind === 'kubernetes' ? readKubernetes(inputs, mask) : undefined;
  const compose = kind === 'compose' ? composeOptionsFromInputs(inputs, workspace) : undefined;
  if (compose) refuseKubernetesInputs(inputs);
  const dryRun = inputs.boolean('dry-run', false);
  const healthTimeoutMs = inputs.duration('health-timeout', '2m', { min: 1000 });
  const historyLimit = inputs.integer('history-limit', DEFAULT_HISTORY_LIMIT, { min: 1, max: 10_000 });
  const image = inputs.string('image');
  if (image) parseImageReference(image, 'image');
  const database = readReleaseDatabase(inputs);
  const lockTimeoutMs = lockTimeoutFromInputs(inputs);
  const common = { dryRun, healthTimeoutMs, historyLimit, lockTimeoutMs, ...(database ? { database } : {}) };

  if (strategy === 'blue-green') {
    return readBlueGreen(inputs, { ...common, target: { kind: 'kubernetes', ...kubernetes! } }, { action, image, workspace, mask });
  }
  refuseBlueGreenInputs(inputs, strategy);

  if (strategy === 'rolling') {
    if (action !== 'deploy') {
      throw new ConfigurationError(
        `action: ${action} finishes a paused canary, but strategy is rolling (which deploys at once and leaves nothing to ${action}): use strategy: canary with action: ${action}, or action: deploy with strategy: rolling.`,
        { input: 'action' },
      );
    }
    if (kubernetes) {
      const manifestInput = manifestInputFromInputs(inputs);
      if (manifestInput) {
        if (inputs.has('deployment'))
          throw new ConfigurationError('Give manifests or deployment, not both: with manifests, the workloads are those the files hold.', {
            input: 'deployment',
          });
        // The workloads are known once the files are read (loadManifests, before anything is applied).
        return { ...common, target: { kind: 'kubernetes', ...kubernetes, manifestInput }, strategy, action, rolling: [] };
      }
      const rolling = parseRollingServices(inputs.list('deployment', { required: true }), image, 'deployment');
      for (const update of rolling) workloadName(update.service);
      return { ...common, target: { kind: 'kubernetes', ...kubernetes }, strategy, action, rolling };
    }
    return {
      ...common,
      target: { kind: 'compose', compose: compose! },
      strategy,
      action,
      rolling: parseRollingServices(inputs.list('services', { required: true }), image),
    };
  }

  if (kubernetes && inputs.has('manifests'))
    throw new ConfigurationError('manifests is for strategy: rolling; a canary takes deployment, container and image.', { input: 'manifests' });
  const service = kubernetes ? kubernetesDeployment(inputs) : inputs.string('service', { required: true });
  if (action === 'deploy' && !image)
    throw new ConfigurationError('Input required and not supplied: image. Give the new image to deploy as a canary.', { input: 'image' });
  const plan: CanaryPlan = {
    steps: parseSteps(inputs.string('steps', { default: '10,25,50,100' })),
    intervalMs: inputs.duration('interval', '1m'),
    failureLimit: inputs.integer('failure-limit', 1, { min: 1 }),
    promoteAfterLastStep: inputs.boolean('promote-after-steps', false),
  };
  validatePlan(plan);

  const metricsYaml = inputs.yaml('metrics');
  const checks = metricsYaml ? parseMetricChecks(metricsYaml.value, metricsYaml.label) : parseMetricChecks(DEFAULT_METRICS, 'the default metrics');
  const noData = parseNoDataPolicy(inputs.string('no-data', { default: 'fail' }), 'no-data');
  const prometheusUrl = inputs.secret('prometheus-url');
  const labels = parseLabels(inputs.list('metric-labels'));
  const trackLabel = inputs.string('track-label', { default: 'track' });
  const selectors = trackSelectors(labels, { label: trackLabel });
  const windowMs = inputs.has('analysis-window') ? inputs.duration('analysis-window', '1m', { min: 1000 }) : plan.intervalMs;
  const analysis = readAnalysis(inputs, plan.intervalMs, windowMs, checks.length > 0);
  const target: TargetSettings = kubernetes
    ? {
        kind: 'kubernetes',
        ...kubernetes,
        baseline: analysis.baseline,
        canaryReplicas: inputs.integer('canary-replicas', 1, { min: 1, max: 1000 }),
        router: kubernetesRouterFromInputs(inputs, service),
      }
    : composeCanaryTarget(inputs, compose!, service, workspace, action === 'deploy' && analysis.baseline);
  // Only a deploy analyses; promote and abort of a paused canary need no Prometheus (the inputs above are still checked).
  if (action !== 'deploy') return { ...common, target, strategy, action, service };
  if (checks.length > 0 && !prometheusUrl) {
    throw new ConfigurationError(
      'prometheus-url is required to analyse the canary: give the Prometheus base URL (or metrics: [] to walk the steps without analysis).',
      {
        input: 'prometheus-url',
      },
    );
  }
  return {
    ...common,
    target,
    strategy,
    action,
    service,
    image,
    plan,
    prometheusUrl,
    checks,
    noData,
    selectors,
    windowSeconds: Math.max(1, Math.round(windowMs / 1000)),
    analysis,
  };
}

/** Compose: the nginx router, the canary's published port, and the baseline's (a deploy with baseline: true). */
function composeCanaryTarget(inputs: Inputs, compose: ComposeTargetOptions, service: string, workspace: string, baseline: boolean): TargetSettings {
  const canaryPort = inputs.optional('canary-port') ? inputs.integer('canary-port', 0, { min: 1, max: 65535 }) : undefined;
  const baselinePort = inputs.optional('baseline-port') ? inputs.integer('baseline-port', 0, { min: 1, max: 65535 }) : undefined;
  if (baselinePort !== undefined && baselinePort === canaryPort) {
    throw new ConfigurationError(
      `baseline-port and canary-port are both ${baselinePort}: give the baseline its own port (or leave it empty for docker to pick).`,
      {
        input: 'baseline-port',
      },
    );
  }
  return {
    kind: 'compose',
    compose,
    router: nginxOptionsFromInputs(inputs, service, workspace),
    ...(canaryPort !== undefined ? { canaryPort } : {}),
    ...(baseline ? { baseline: true, ...(baselinePort !== undefined ? { baselinePort } : {}) } : {}),
  };
}

/** The Kubernetes connection and container (target: kubernetes). */
function readKubernetes(inputs: Inputs, mask: (value: string) => void): { connection: KubernetesConnection; container?: string } {
  const connection = kubernetesConnectionFromInputs(inputs, mask);
  const container = inputs.optional('container');
  for (const name of ['services', 'nginx-upstream-file', 'stable-address'] as const) {
    if (inputs.has(name)) {
      throw new ConfigurationError(
        `${name} is for target: compose; on target: kubernetes ${name === 'services' ? 'name the Deployments in the deployment input' : 'traffic goes through traffic-router (pod-ratio, smi, ingress-nginx or gateway-api)'}.`,
        { input: name },
      );
    }
  }
  return { connection, ...(container ? { container: objectName(container, 'container') } : {}) };
}

/** `name` (a Deployment) or `statefulset/name`, each part a Kubernetes object name. */
function workloadName(ref: string): void {
  const { name } = workloadRef(ref);
  objectName(name, 'deployment');
}

function kubernetesDeployment(inputs: Inputs): string {
  const name = inputs.optional('deployment');
  if (!name) {
    throw new ConfigurationError(
      'deployment is required for target: kubernetes: give the stable Deployment the canary stands beside (the service input names the Kubernetes Service in front of it).',
      { input: 'deployment' },
    );
  }
  return objectName(name, 'deployment');
}

function refuseKubernetesInputs(inputs: Inputs): void {
  for (const name of ['kubeconfig', 'deployment', 'traffic-router', 'ingress', 'httproute'] as const) {
    if (inputs.has(name)) throw new ConfigurationError(`${name} is for target: kubernetes; with target: compose leave it out.`, { input: name });
  }
}

/**
 * The analysis options. A baseline (default with judge: compare) is what compare judges against, on
 * either target; the threshold judge has no use for one, and without checks nothing would look at it.
 */
function readAnalysis(inputs: Inputs, intervalMs: number, windowMs: number, analysed: boolean): AnalysisOptions {
  const analysis = analysisOptionsFromInputs(inputs, { intervalMs, windowMs });
  // Without checks nothing is judged: a baseline runs only when asked for in so many words (its objects rehearsed).
  if (!analysed) return { ...analysis, baseline: analysis.baseline && inputs.has('baseline'), control: 'stable' };
  if (analysis.baseline && analysis.judge !== 'compare') {
    throw new ConfigurationError(
      'baseline: true starts a baseline for judge: compare to compare the canary with; judge: threshold never looks at it. Set judge: compare, or leave baseline out.',
      { input: 'baseline' },
    );
  }
  return analysis;
}

export function parseRollingServices(items: string[], image: string, input = 'services'): ServiceImage[] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    const service = (eq < 0 ? item : item.slice(0, eq)).trim();
    const serviceImage = (eq < 0 ? image : item.slice(eq + 1)).trim();
    if (!service) throw new ConfigurationError(`${input}: "${item}" has no name; write name=image.`, { input });
    if (!serviceImage) throw new ConfigurationError(`${input}: "${service}" has no image; write ${service}=<image>, or give the image input.`, { input });
    parseImageReference(serviceImage, eq < 0 ? 'image' : input);
    return { service, image: serviceImage };
  });
}

export function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigurationError(`metric-labels: "${item}" is not name=value.`, { input: 'metric-labels' });
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** database-version (migrate-db's current-version) and backup-path (its backup-path), kept in the record for rollback. */
function readReleaseDatabase(inputs: Inputs): ReleaseDatabase | undefined {
  const version = parseVersionInput(inputs.optional('database-version'), 'database-version');
  const backup = inputs.optional('backup-path');
  if (backup && /[\r\n]/.test(backup))
    throw new ConfigurationError("backup-path is one file path: give migrate-db's backup-path output.", { input: 'backup-path' });
  if (!version && !backup) return undefined;
  return { ...(version ? { version } : {}), ...(backup ? { backup } : {}) };
}
