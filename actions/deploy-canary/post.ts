import { runAction, OperationFailedError, SummaryBuilder } from '../../src/runtime/index.js';
import { DeploymentHistory } from '../../src/record/history.js';
import { canaryEntry } from '../../src/record/entries.js';
import { abortCanary } from '../../src/targets/canary-run.js';
import { ComposeTarget } from '../../src/targets/compose.js';
import { NginxRouter } from '../../src/traffic/nginx.js';
import { DEPLOY_STATE, FINISHED_STATE, type DeployState } from './state.js';

// Runs after main whatever happened. Only when main started a canary and did not finish (the job
// was cancelled, or the step died) does it put traffic back on stable and remove the canary.
runAction(async (ctx) => {
  const raw = ctx.getState(DEPLOY_STATE);
  if (!raw) return ctx.log.info('No canary was started: nothing to clean up.');
  if (ctx.getState(FINISHED_STATE) === 'true') return ctx.log.info('The canary finished in the main step: nothing to clean up.');
  const st = JSON.parse(raw) as DeployState;
  const target = new ComposeTarget(st.compose);
  const router = new NginxRouter(st.router);
  ctx.log.warning(`The main step did not finish: putting traffic back on stable (${st.stableImage}) and removing the canary of ${st.service}.`);
  const outcome = { timings: { startedAt: Date.now() } as { stableAt?: number; startedAt: number }, cleanupErrors: [] as string[] };
  await abortCanary({ target, router, service: st.service, healthTimeoutMs: st.healthTimeoutMs, log: ctx.log, signal: ctx.signal }, outcome);
  // A promotion cut short may have moved the stable service; put it (and compose's config) back.
  try {
    const now = (await target.getCurrentRelease([st.service])).services[0]!;
    if (st.stableImage && now.image !== st.stableImage) {
      ctx.log.warning(`${st.service} runs ${now.image}: rolling it back to ${st.stableImage}.`);
      await target.rollout([{ service: st.service, image: st.stableImage }], { timeoutMs: st.healthTimeoutMs, signal: ctx.signal });
    }
  } catch (err) {
    outcome.cleanupErrors.push(`checking the stable service failed: ${(err as Error).message}`);
  }
  await new DeploymentHistory(target.historyLocation, st.historyLimit).append(
    canaryEntry({
      result: 'aborted (cancelled)',
      service: st.service,
      image: st.image,
      previous: { service: st.service, image: st.stableImage },
      runUrl: st.runUrl,
      reason: 'the main step was cancelled or died mid-canary',
    }),
  );
  const rows = [
    ['Traffic', outcome.cleanupErrors.some((e) => e.startsWith('putting traffic')) ? 'NOT restored' : '100% on stable'],
    ['Canary', outcome.cleanupErrors.some((e) => e.startsWith('removing')) ? 'NOT removed' : 'removed'],
    ['Stable image', st.stableImage],
    ...outcome.cleanupErrors.map((e) => ['Problem', e]),
  ];
  await ctx.writeSummary(new SummaryBuilder().heading(`Canary of ${st.service}: aborted (cancelled)`).table(['', ''], rows));
  if (outcome.cleanupErrors.length) throw new OperationFailedError(`Cleanup after the cancelled canary left problems: ${outcome.cleanupErrors.join('; ')}`);
  ctx.log.notice(`Canary of ${st.service} aborted (cancelled): traffic is 100% on stable (${st.stableImage}) and the canary was removed.`);
});
