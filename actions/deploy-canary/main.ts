import { runAction, type ActionContext } from '../../src/runtime/index.js';
import { PrometheusClient } from '../../src/metrics/prometheus.js';
import { JudgedAnalyser } from '../../src/metrics/judged-analyser.js';
import { deployCanary, finishCanary } from '../../src/release/canary.js';
import { rollingDeploy } from '../../src/release/rolling.js';
import { createRouter, createTarget } from '../shared/deployment.js';
import { readGitHubDeployment, trackOnGitHub, type GitHubDeploymentSettings } from '../shared/github-deployment.js';
import { finishAction } from '../shared/finish.js';
import { canaryActionFailure, canaryActionNotice, canaryActionSummary, canaryOutputs, type CanaryActionRun } from './report.js';
import { readSettings, type CanaryDeploySettings, type CanarySettings } from './settings.js';
import { DEPLOY_STATE, FINISHED_STATE, type DeployState } from './state.js';

runAction(async (ctx) => {
  const settings = readSettings(ctx.inputs, ctx.run.workspace);
  const github = readGitHubDeployment(ctx.inputs, ctx.run);
  const action = await run(ctx, settings, settings.dryRun ? undefined : github);
  await finishAction(ctx, {
    outputs: canaryOutputs(action),
    summary: canaryActionSummary(action),
    failure: canaryActionFailure(action),
    notice: canaryActionNotice(action),
  });
});

/** Builds the target (and router) from the settings and runs the one use case they ask for. */
async function run(ctx: ActionContext, settings: CanarySettings, github: GitHubDeploymentSettings | undefined): Promise<CanaryActionRun> {
  const common = { log: ctx.log, signal: ctx.signal };
  if (settings.strategy === 'rolling') {
    const { target, record } = createTarget({ compose: settings.compose, historyLimit: settings.historyLimit });
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
  const { target, record } = createTarget({
    compose: settings.compose,
    historyLimit: settings.historyLimit,
    router: settings.router,
    canaryPort: settings.canaryPort,
    ...(settings.action === 'deploy' && settings.analysis.baseline ? { baseline: true, baselinePort: settings.baselinePort } : {}),
  });
  const deps = { target, router: createRouter(settings.router), record, ...common };
  if (settings.action !== 'deploy') {
    const request = {
      action: settings.action,
      service: settings.service,
      healthTimeoutMs: settings.healthTimeoutMs,
      dryRun: settings.dryRun,
      runUrl: ctx.run.runUrl,
      database: settings.database,
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
      onStarting: (stableImage) => ctx.saveState(DEPLOY_STATE, deployState(ctx, settings, stableImage)),
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
  return new JudgedAnalyser(client, { ...settings, baselineSelector, steps: settings.plan.steps.length, intervalMs: settings.plan.intervalMs });
}

function deployState(ctx: ActionContext, settings: CanaryDeploySettings, stableImage: string): DeployState {
  return {
    compose: settings.compose,
    router: settings.router,
    service: settings.service,
    image: settings.image,
    stableImage,
    ...(settings.analysis.baseline ? { baseline: true } : {}),
    historyLimit: settings.historyLimit,
    healthTimeoutMs: settings.healthTimeoutMs,
    runUrl: ctx.run.runUrl,
  };
}
