import { runAction, type ActionContext } from '../../src/runtime/index.js';
import { PrometheusClient } from '../../src/metrics/prometheus.js';
import { JudgedAnalyser } from '../../src/metrics/judged-analyser.js';
import { deployCanary, finishCanary } from '../../src/release/canary.js';
import { rollingDeploy } from '../../src/release/rolling.js';
import { deployBlueGreen, retirePrevious, switchBack } from '../../src/release/blue-green.js';
import type { BlueGreenRun } from '../../src/release/blue-green-report.js';
import { manifestWorkloads } from '../../src/targets/kubernetes/manifests.js';
import { splitWeights } from '../../src/traffic/router.js';
import { createBlueGreen, createRouter, createTarget, factoryContext, kubectlFor } from '../shared/deployment.js';
import { connectKubernetes, loadManifests } from '../shared/kubernetes.js';
import { readGitHubDeployment, trackOnGitHub, type GitHubDeploymentSettings } from '../shared/github-deployment.js';
import { finishAction } from '../shared/finish.js';
import { releaseProjectLock, takeProjectLock } from '../shared/project-lock.js';
import { canaryActionFailure, canaryActionNotice, canaryActionSummary, canaryOutputs, type CanaryActionRun } from './report.js';
import { readSettings, type BlueGreenSettings, type CanaryDeploySettings, type CanarySettings } from './settings.js';
import { BLUE_GREEN_STATE, DEPLOY_STATE, FINISHED_STATE, KUBECONFIG_STATE, type BlueGreenState, type DeployState } from './state.js';

runAction(async (ctx) => {
  const read = readSettings(ctx.inputs, ctx.run.workspace, (value) => ctx.mask(value));
  const github = readGitHubDeployment(ctx.inputs, ctx.run);
  const settings = await connect(ctx, read);
  // Validate, then lock, then act (decision 0130): a plan touches nothing and takes no lock.
  const lock = settings.dryRun ? undefined : await takeProjectLock(ctx, settings.target, 'deploy-canary', settings.lockTimeoutMs);
  const post: PostWork = { cleansUp: false };
  let action: CanaryActionRun;
  try {
    action = await run(ctx, settings, settings.dryRun ? undefined : github, post);
  } catch (err) {
    // Cut short with a canary (or colour) out: the post step cleans up under the lock, then releases it.
    if (lock && post.cleansUp) ctx.log.info(`The project lock ${lock.location} stays held for the post step, which cleans up and then releases it.`);
    else await releaseProjectLock(ctx, lock);
    throw err;
  }
  // Released before the report: a paused canary holds no lock across runs (action: promote|abort takes it again).
  await releaseProjectLock(ctx, lock);
  await finishAction(ctx, {
    outputs: canaryOutputs(action),
    summary: canaryActionSummary(action),
    failure: canaryActionFailure(action),
    notice: canaryActionNotice(action),
  });
});

/** On Kubernetes: the kubeconfig input written to its temp file (the post step removes it) and kubectl resolved. */
async function connect(ctx: ActionContext, settings: CanarySettings): Promise<CanarySettings> {
  if (settings.target.kind !== 'kubernetes') return settings;
  const connection = await connectKubernetes(settings.target.connection, {
    tempDir: ctx.run.tempDir,
    log: ctx.log,
    onKubeconfigFile: (path) => ctx.saveState(KUBECONFIG_STATE, path),
  });
  const target = { ...settings.target, connection };
  if (settings.strategy !== 'rolling' || !target.manifestInput) return { ...settings, target };
  // Manifests are read (or rendered by kubectl kustomize) and their images substituted before anything is applied.
  const manifests = await loadManifests(target.manifestInput, ctx.run.workspace, kubectlFor(target, factoryContext(ctx, settings.historyLimit)));
  return { ...settings, target: { ...target, manifests }, rolling: manifestWorkloads(manifests, target.container) };
}

/** Set once the post step has something to clean up should main end early. */
interface PostWork {
  cleansUp: boolean;
}

/** Builds the target (and router) from the settings and runs the one use case they ask for. */
async function run(ctx: ActionContext, settings: CanarySettings, github: GitHubDeploymentSettings | undefined, post: PostWork): Promise<CanaryActionRun> {
  const common = { log: ctx.log, signal: ctx.signal };
  const factory = factoryContext(ctx, settings.historyLimit);
  if (settings.strategy === 'rolling') {
    const { target, record } = createTarget(settings.target, factory);
    const request = {
      updates: settings.rolling,
      healthTimeoutMs: settings.healthTimeoutMs,
      dryRun: settings.dryRun,
      runUrl: ctx.run.runUrl,
      database: settings.database,
    };
    const release = () => rollingDeploy({ target, record, ...common }, request);
    const result = github
      ? await trackOnGitHub(ctx, github, { action: 'rolling', images: settings.rolling }, release, (r) => (r.kind === 'deployed' ? 'success' : 'pending'))
      : await release();
    return { flow: 'rolling', run: result };
  }
  if (settings.strategy === 'blue-green') return { flow: 'blue-green', run: await runBlueGreen(ctx, settings, github, post) };
  const { target, record } = createTarget(settings.target, factory);
  const deps = { target, router: createRouter(settings.target, settings.service, factory, settings.healthTimeoutMs), record, ...common };
  if (settings.action !== 'deploy') {
    const request = {
      action: settings.action,
      service: settings.service,
      healthTimeoutMs: settings.healthTimeoutMs,
      dryRun: settings.dryRun,
      runUrl: ctx.run.runUrl,
    };
    return { flow: 'finish', run: await finishCanary(deps, request) };
  }
  const release = () =>
    deployCanary(deps, {
      service: settings.service,
      image: settings.image,
      plan: settings.plan,
      healthTimeoutMs: settings.healthTimeoutMs,
      analyser: analyserFor(settings),
      dryRun: settings.dryRun,
      runUrl: ctx.run.runUrl,
      database: settings.database,
      onStarting: (stableImage) => {
        ctx.saveState(DEPLOY_STATE, deployState(ctx, settings, stableImage));
        post.cleansUp = true;
      },
    });
  // A paused canary stays in_progress on GitHub until a later run promotes or aborts it.
  const result = github
    ? await trackOnGitHub(ctx, github, { action: 'deploy-canary', images: [{ service: settings.service, image: settings.image }] }, release, (r) =>
        r.kind !== 'ran' || r.outcome.result === 'paused' ? 'pending' : r.outcome.result === 'promoted' ? 'success' : 'failure',
      )
    : await release();
  if (result.kind === 'ran') ctx.saveState(FINISHED_STATE, 'true');
  return { flow: 'canary', run: result };
}

function analyserFor(settings: CanaryDeploySettings): JudgedAnalyser {
  const client = settings.checks.length ? new PrometheusClient(settings.prometheusUrl, { inputName: 'prometheus-url' }) : undefined;
  const baselineSelector = settings.analysis.baseline ? settings.selectors.baseline : undefined;
  // The control is the baseline (same share as the canary, none at 100 %) or, without one, stable.
  const shares = settings.plan.steps.map((weight) => {
    const split = splitWeights(weight, baselineSelector !== undefined);
    return { canary: split.canary, control: baselineSelector !== undefined ? split.baseline : split.stable };
  });
  return new JudgedAnalyser(client, { ...settings, baselineSelector, steps: settings.plan.steps.length, shares, intervalMs: settings.plan.intervalMs });
}

function deployState(ctx: ActionContext, settings: CanaryDeploySettings, stableImage: string): DeployState {
  return {
    target: settings.target,
    service: settings.service,
    image: settings.image,
    stableImage,
    historyLimit: settings.historyLimit,
    healthTimeoutMs: settings.healthTimeoutMs,
    runUrl: ctx.run.runUrl,
  };
}

/** strategy: blue-green — deploy a colour and switch (deploy), scale the previous colour down now (promote), or switch back (abort). */
async function runBlueGreen(
  ctx: ActionContext,
  settings: BlueGreenSettings,
  github: GitHubDeploymentSettings | undefined,
  post: PostWork,
): Promise<BlueGreenRun> {
  const { target, record } = createBlueGreen(settings.target, settings.names, factoryContext(ctx, settings.historyLimit));
  const deps = { target, record, log: ctx.log, signal: ctx.signal };
  const { healthTimeoutMs, keepPreviousMs, dryRun } = settings;
  if (settings.action === 'promote') {
    if (dryRun) {
      const state = await target.state({ signal: ctx.signal });
      ctx.log.info(`Plan: scale ${state.idle?.workload ?? '(no previous colour)'} to zero.`);
      return { kind: 'retire', name: settings.names.deployment, run: state.idle ? { kept: { workload: state.idle.workload } } : {} };
    }
    await target.validateBlueGreen();
    return { kind: 'retire', name: settings.names.deployment, run: await retirePrevious(deps, { force: true, healthTimeoutMs }) };
  }
  if (settings.action === 'abort') {
    const run = await switchBack(deps, { healthTimeoutMs, keepPreviousMs, dryRun, runUrl: ctx.run.runUrl, reason: 'switched back by hand (action: abort)' });
    return { kind: 'switch-back', run };
  }
  const saved = (phase: BlueGreenState['phase']): BlueGreenState => ({
    target: settings.target,
    names: settings.names,
    historyLimit: settings.historyLimit,
    healthTimeoutMs,
    keepPreviousMs,
    phase,
  });
  const release = () =>
    deployBlueGreen(deps, {
      image: settings.image,
      checks: settings.checks,
      keepPreviousMs,
      healthTimeoutMs,
      dryRun,
      runUrl: ctx.run.runUrl,
      onStarting: (plan) => {
        ctx.saveState(BLUE_GREEN_STATE, saved({ kind: 'deploying', colour: plan.to }));
        post.cleansUp = true;
      },
    });
  const run = github
    ? await trackOnGitHub(ctx, github, { action: 'deploy-canary', images: [{ service: settings.names.deployment, image: settings.image }] }, release, (r) =>
        r.kind === 'planned' ? 'pending' : r.kind === 'switched' ? 'success' : 'failure',
      )
    : await release();
  if (run.kind !== 'planned') {
    const phase: BlueGreenState['phase'] =
      run.kind === 'switched' && run.scaleDownAt ? { kind: 'kept', workload: run.plan.from.workload, until: run.scaleDownAt } : { kind: 'done' };
    ctx.saveState(BLUE_GREEN_STATE, saved(phase));
  }
  return { kind: 'deploy', run };
}
