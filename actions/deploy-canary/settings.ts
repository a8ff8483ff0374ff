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
import { parseSteps, validatePlan, type CanaryPlan } from '../../src/release/canary-plan.js';
import type { ComposeTargetOptions } from '../../src/targets/compose.js';
import type { ServiceImage } from '../../src/targets/target.js';
import type { NginxRouterOptions } from '../../src/traffic/nginx.js';
import { parseImageReference } from '../../src/registry/reference.js';
import { composeOptionsFromInputs, nginxOptionsFromInputs } from '../shared/deployment.js';

export const DEFAULT_METRICS = [
  { name: 'success-rate', template: 'success-rate', min: 99 },
  { name: 'latency', template: 'latency', quantile: 0.95, max: 1000 },
];

interface CommonSettings {
  compose: ComposeTargetOptions;
  dryRun: boolean;
  healthTimeoutMs: number;
  historyLimit: number;
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
  router: NginxRouterOptions;
  canaryPort?: number;
  /** Host port of the baseline's routed port (baseline: true); docker picks one otherwise. */
  baselinePort?: number;
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
  router: NginxRouterOptions;
  canaryPort?: number;
}

/** strategy: rolling — services updated in order, each health-waited. */
export interface RollingSettings extends CommonSettings {
  strategy: 'rolling';
  action: 'deploy';
  rolling: ServiceImage[];
}

export type CanarySettings = CanaryDeploySettings | CanaryFinishSettings | RollingSettings;

export function readSettings(inputs: Inputs, workspace: string): CanarySettings {
  const action = inputs.choice('action', ['deploy', 'promote', 'abort'] as const, 'deploy');
  const strategy = inputs.choice('strategy', ['canary', 'rolling'] as const, 'canary');
  const compose = composeOptionsFromInputs(inputs, workspace);
  const dryRun = inputs.boolean('dry-run', false);
  const healthTimeoutMs = inputs.duration('health-timeout', '2m', { min: 1000 });
  const historyLimit = inputs.integer('history-limit', DEFAULT_HISTORY_LIMIT, { min: 1, max: 10_000 });
  const image = inputs.string('image');
  if (image) parseImageReference(image, 'image');
  const database = readReleaseDatabase(inputs);
  const common = { compose, dryRun, healthTimeoutMs, historyLimit, ...(database ? { database } : {}) };

  if (strategy === 'rolling') {
    if (action !== 'deploy') {
      throw new ConfigurationError(
        `action: ${action} finishes a paused canary, but strategy is rolling (which deploys at once and leaves nothing to ${action}): use strategy: canary with action: ${action}, or action: deploy with strategy: rolling.`,
        { input: 'action' },
      );
    }
    return { ...common, strategy, action, rolling: parseRollingServices(inputs.list('services', { required: true }), image) };
  }

  const service = inputs.string('service', { required: true });
  if (action === 'deploy' && !image)
    throw new ConfigurationError('Input required and not supplied: image. Give the new image to deploy as a canary.', { input: 'image' });
  const plan: CanaryPlan = {
    steps: parseSteps(inputs.string('steps', { default: '10,25,50,100' })),
    intervalMs: inputs.duration('interval', '1m'),
    failureLimit: inputs.integer('failure-limit', 1, { min: 1 }),
    promoteAfterLastStep: inputs.boolean('promote-after-steps', false),
  };
  validatePlan(plan);
  const router = nginxOptionsFromInputs(inputs, service, workspace);
  const canaryPortText = inputs.optional('canary-port');
  const canaryPort = canaryPortText ? inputs.integer('canary-port', 0, { min: 1, max: 65535 }) : undefined;
  const baselinePort = inputs.optional('baseline-port') ? inputs.integer('baseline-port', 0, { min: 1, max: 65535 }) : undefined;
  if (baselinePort !== undefined && baselinePort === canaryPort) {
    throw new ConfigurationError(
      `baseline-port and canary-port are both ${baselinePort}: give the baseline its own port (or leave it empty for docker to pick).`,
      {
        input: 'baseline-port',
      },
    );
  }

  const metricsYaml = inputs.yaml('metrics');
  const checks = metricsYaml ? parseMetricChecks(metricsYaml.value, metricsYaml.label) : parseMetricChecks(DEFAULT_METRICS, 'the default metrics');
  const noData = parseNoDataPolicy(inputs.string('no-data', { default: 'fail' }), 'no-data');
  const prometheusUrl = inputs.secret('prometheus-url');
  const labels = parseLabels(inputs.list('metric-labels'));
  const selectors = trackSelectors(labels, { label: inputs.string('track-label', { default: 'track' }) });
  const windowMs = inputs.has('analysis-window') ? inputs.duration('analysis-window', '1m', { min: 1000 }) : plan.intervalMs;
  const analysis = readAnalysis(inputs, plan.intervalMs, windowMs, checks.length > 0);
  // Only a deploy analyses; promote and abort of a paused canary need no Prometheus (the inputs above are still checked).
  if (action !== 'deploy') return { ...common, strategy, action, service, router, canaryPort };
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
    strategy,
    action,
    service,
    image,
    plan,
    router,
    canaryPort,
    ...(analysis.baseline && baselinePort !== undefined ? { baselinePort } : {}),
    prometheusUrl,
    checks,
    noData,
    selectors,
    windowSeconds: Math.max(1, Math.round(windowMs / 1000)),
    analysis,
  };
}

/**
 * The analysis options. A baseline (default with judge: compare) is what compare judges against;
 * the threshold judge has no use for one, and without checks nothing would look at it.
 */
function readAnalysis(inputs: Inputs, intervalMs: number, windowMs: number, analysed: boolean): AnalysisOptions {
  const analysis = analysisOptionsFromInputs(inputs, { intervalMs, windowMs });
  if (analysis.baseline && analysis.judge !== 'compare') {
    throw new ConfigurationError(
      'baseline: true starts a baseline for judge: compare to compare the canary with; judge: threshold never looks at it. Set judge: compare, or leave baseline out.',
      { input: 'baseline' },
    );
  }
  if (!analysed) return { ...analysis, baseline: false, control: 'stable' };
  return analysis;
}

export function parseRollingServices(items: string[], image: string): ServiceImage[] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    const service = (eq < 0 ? item : item.slice(0, eq)).trim();
    const serviceImage = (eq < 0 ? image : item.slice(eq + 1)).trim();
    if (!service) throw new ConfigurationError(`services: "${item}" has no service name; write service=image.`, { input: 'services' });
    if (!serviceImage)
      throw new ConfigurationError(`services: "${service}" has no image; write ${service}=<image>, or give the image input.`, { input: 'services' });
    parseImageReference(serviceImage, eq < 0 ? 'image' : 'services');
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
