import { runAction, OperationFailedError, SummaryBuilder, type ActionContext } from '../../src/runtime/index.js';
import { cleanUpCancelledCanary } from '../../src/release/canary.js';
import { createRouter, createTarget, factoryContext } from '../shared/deployment.js';
import { removeTemporaryKubeconfig } from '../shared/kubernetes.js';
import { cleanupFailure } from './report.js';
import { DEPLOY_STATE, FINISHED_STATE, KUBECONFIG_STATE, type DeployState } from './state.js';

// Runs after main whatever happened. Only when main started a canary and did not finish (the job
// was cancelled, or the step died) does it put traffic back on stable and remove the canary. The
// kubeconfig file main wrote is removed last, in every case.
runAction(async (ctx) => {
  try {
    await cleanUp(ctx);
  } finally {
    if (await removeTemporaryKubeconfig(ctx.getState(KUBECONFIG_STATE) || undefined)) ctx.log.info('Removed the kubeconfig file written for this job.');
  }
});

async function cleanUp(ctx: ActionContext): Promise<void> {
  const raw = ctx.getState(DEPLOY_STATE);
  if (!raw) return ctx.log.info('No canary was started: nothing to clean up.');
  if (ctx.getState(FINISHED_STATE) === 'true') return ctx.log.info('The canary finished in the main step: nothing to clean up.');
  const state = JSON.parse(raw) as DeployState;
  const factory = factoryContext(ctx, state.historyLimit);
  const { target, record } = createTarget(state.target, factory);
  const deps = { target, router: createRouter(state.target, state.service, factory, state.healthTimeoutMs), record, log: ctx.log, signal: ctx.signal };
  const cleanup = await cleanUpCancelledCanary(deps, state);
  const rows = [
    ['Traffic', cleanup.trafficRestored ? '100% on stable' : 'NOT restored'],
    ['Canary', cleanup.canaryRemoved ? 'removed' : 'NOT removed'],
    ['Stable image', state.stableImage],
    ...cleanup.problems.map((problem) => ['Problem', problem]),
  ];
  await ctx.writeSummary(new SummaryBuilder().heading(`Canary of ${state.service}: aborted (cancelled)`).table(['', ''], rows));
  const failure = cleanupFailure('Cleanup after the cancelled canary left problems', cleanup);
  if (failure) throw new OperationFailedError(failure);
  ctx.log.notice(`Canary of ${state.service} aborted (cancelled): traffic is 100% on stable (${state.stableImage}) and the canary was removed.`);
}
