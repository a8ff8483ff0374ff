import { runAction, OperationFailedError, SummaryBuilder, type ActionContext } from '../../src/runtime/index.js';
import { cleanUpCancelledCanary } from '../../src/release/canary.js';
import { abandonColour, retirePrevious } from '../../src/release/blue-green.js';
import { sleep } from '../../src/util/sleep.js';
import { createBlueGreen, createRouter, createTarget, factoryContext } from '../shared/deployment.js';
import { removeTemporaryKubeconfig } from '../shared/kubernetes.js';
import { lockForCleanup, reclaimLeftLock } from '../shared/project-lock.js';
import type { ProjectLock } from '../../src/record/project-lock.js';
import { cleanupFailure } from './report.js';
import { BLUE_GREEN_STATE, DEPLOY_STATE, FINISHED_STATE, KUBECONFIG_STATE, type BlueGreenState, type DeployState } from './state.js';

// Runs after main whatever happened. Only when main started a canary and did not finish (the job
// was cancelled, or the step died) does it put traffic back on stable and remove the canary. The
// kubeconfig file main wrote is removed last, in every case. After a blue-green switch it scales the
// previous colour to zero once keep-previous has passed (waiting for the rest of it; decision 0086).
// A project lock main left behind is held while cleaning up and released at the end; a cleanup after
// a main that had released it takes it anew (decision 0130). A lock someone else holds is never removed.
runAction(async (ctx) => {
  let lock: ProjectLock | undefined;
  try {
    lock = await reclaimLeftLock(ctx, 'deploy-canary (post)');
    const blueGreen = ctx.getState(BLUE_GREEN_STATE);
    if (blueGreen) await finishBlueGreen(ctx, JSON.parse(blueGreen) as BlueGreenState, lock);
    else await cleanUp(ctx, lock);
  } finally {
    if (lock) {
      await lock.release();
      ctx.log.info(`Released the project lock ${lock.location}.`);
    }
    if (await removeTemporaryKubeconfig(ctx.getState(KUBECONFIG_STATE) || undefined)) ctx.log.info('Removed the kubeconfig file written for this job.');
  }
});

async function cleanUp(ctx: ActionContext, left: ProjectLock | undefined): Promise<void> {
  const raw = ctx.getState(DEPLOY_STATE);
  if (!raw) return ctx.log.info('No canary was started: nothing to clean up.');
  if (ctx.getState(FINISHED_STATE) === 'true') return ctx.log.info('The canary finished in the main step: nothing to clean up.');
  const state = JSON.parse(raw) as DeployState;
  const lock = await lockForCleanup(ctx, left, state.target, 'deploy-canary (post)');
  try {
    await cleanUpUnderLock(ctx, state);
  } finally {
    if (lock !== left) await lock?.release();
  }
}

async function cleanUpUnderLock(ctx: ActionContext, state: DeployState): Promise<void> {
  const factory = factoryContext(ctx, state.historyLimit);
  const { target, record } = createTarget(state.target, factory);
  const deps = { target, router: createRouter(state.target, state.service, factory, state.healthTimeoutMs), record, log: ctx.log, signal: ctx.signal };
  const cleanup = await cleanUpCancelledCanary(deps, state);
  const rows = [
    ['Traffic', cleanup.trafficRestored ? '100% on stable' : 'NOT restored'],
    ['Canary', cleanup.canaryRemoved ? 'removed' : 'NOT removed'],
    ...(state.target.baseline ? [['Baseline', cleanup.canaryRemoved ? `${state.service}-baseline removed` : 'NOT removed']] : []),
    ['Stable image', state.stableImage],
    ...cleanup.problems.map((problem) => ['Problem', problem]),
  ];
  await ctx.writeSummary(new SummaryBuilder().heading(`Canary of ${state.service}: aborted (cancelled)`).table(['', ''], rows));
  const failure = cleanupFailure('Cleanup after the cancelled canary left problems', cleanup);
  if (failure) throw new OperationFailedError(failure);
  ctx.log.notice(`Canary of ${state.service} aborted (cancelled): traffic is 100% on stable (${state.stableImage}) and the canary was removed.`);
}

async function finishBlueGreen(ctx: ActionContext, state: BlueGreenState, left: ProjectLock | undefined): Promise<void> {
  const { phase } = state;
  if (phase.kind === 'done') return ctx.log.info('The blue-green deploy finished in the main step: nothing to do.');
  const { target, record } = createBlueGreen(state.target, state.names, factoryContext(ctx, state.historyLimit));
  const deps = { target, record, log: ctx.log, signal: ctx.signal };
  if (phase.kind === 'deploying') {
    const lock = await lockForCleanup(ctx, left, state.target, 'deploy-canary (post)');
    let removed: boolean;
    try {
      removed = await abandonColour(deps, phase.colour);
    } finally {
      if (lock !== left) await lock?.release();
    }
    if (removed)
      ctx.log.notice(
        `Blue-green of ${state.names.deployment} cut short: ${state.names.deployment}-${phase.colour} was removed; the live service is unchanged.`,
      );
    return;
  }
  const result = await retirePrevious(deps, {
    force: false,
    only: phase.workload,
    waitUpToMs: state.keepPreviousMs,
    healthTimeoutMs: state.healthTimeoutMs,
    sleep,
  });
  const text = result.retired
    ? `${result.retired} was scaled to zero (keep-previous has passed).`
    : result.kept
      ? `${result.kept.workload} is kept${result.kept.until ? ` until ${result.kept.until}` : ''}.`
      : `${phase.workload} is no longer the previous colour (a switch back made it live, or it is already at zero): left as it is.`;
  await ctx.writeSummary(new SummaryBuilder().heading(`Blue-green ${state.names.deployment}: previous colour`).paragraph(text));
  ctx.log.info(text);
}
