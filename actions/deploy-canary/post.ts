import { runAction, OperationFailedError, SummaryBuilder } from '../../src/runtime/index.js';
import { cleanUpCancelledCanary } from '../../src/release/canary.js';
import { createRouter, createTarget } from '../shared/deployment.js';
import { cleanupFailure } from './report.js';
import { DEPLOY_STATE, FINISHED_STATE, type DeployState } from './state.js';

// Runs after main whatever happened. Only when main started a canary and did not finish (the job
// was cancelled, or the step died) does it put traffic back on stable and remove the canary.
runAction(async (ctx) => {
  const raw = ctx.getState(DEPLOY_STATE);
  if (!raw) return ctx.log.info('No canary was started: nothing to clean up.');
  if (ctx.getState(FINISHED_STATE) === 'true') return ctx.log.info('The canary finished in the main step: nothing to clean up.');
  const state = JSON.parse(raw) as DeployState;
  const { target, record } = createTarget({ compose: state.compose, historyLimit: state.historyLimit, router: state.router });
  const deps = { target, router: createRouter(state.router), record, log: ctx.log, signal: ctx.signal };
  const cleanup = await cleanUpCancelledCanary(deps, state);
  const rows = [
    ['Traffic', cleanup.trafficRestored ? '100% on stable' : 'NOT restored'],
    ['Canary', cleanup.canaryRemoved ? 'removed' : 'NOT removed'],
    ...(state.baseline ? [['Baseline', cleanup.canaryRemoved ? `${state.service}-baseline removed` : 'NOT removed']] : []),
    ['Stable image', state.stableImage],
    ...cleanup.problems.map((problem) => ['Problem', problem]),
  ];
  await ctx.writeSummary(new SummaryBuilder().heading(`Canary of ${state.service}: aborted (cancelled)`).table(['', ''], rows));
  const failure = cleanupFailure('Cleanup after the cancelled canary left problems', cleanup);
  if (failure) throw new OperationFailedError(failure);
  ctx.log.notice(`Canary of ${state.service} aborted (cancelled): traffic is 100% on stable (${state.stableImage}) and the canary was removed.`);
});
