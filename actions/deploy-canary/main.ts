import { runAction, OperationFailedError, SummaryBuilder, formatDuration, type ActionContext } from '../../src/runtime/index.js';
import { PrometheusClient } from '../../src/metrics/prometheus.js';
import { analyseStep, type StepAnalysis } from '../../src/metrics/analysis.js';
import { renderQuery } from '../../src/metrics/config.js';
import { DeploymentHistory } from '../../src/record/history.js';
import { canaryEntry } from '../../src/record/entries.js';
import { abortCanary, promoteCanary, runCanary, type CanaryControl } from '../../src/targets/canary-run.js';
import { ComposeTarget, imageDigest } from '../../src/targets/compose.js';
import { NginxRouter } from '../../src/traffic/nginx.js';
import { analysisOutput, canarySummary } from '../../src/traffic/canary-report.js';
import { readSettings, type CanarySettings } from './settings.js';
import { DEPLOY_STATE, FINISHED_STATE, type DeployState } from './state.js';

runAction(async (ctx) => {
  const s = readSettings(ctx.inputs, ctx.run.workspace);
  const target = new ComposeTarget(s.compose);
  if (s.strategy === 'rolling') return rolling(ctx, s, target);

  const router = new NginxRouter(s.router!);
  // Validate, then act: compose project, service, router and every query, before anything starts.
  await target.validate([s.service], 'service');
  await router.validate();
  const client = s.checks.length && s.action === 'deploy' ? new PrometheusClient(s.prometheusUrl, { inputName: 'prometheus-url' }) : undefined;
  if (client) {
    await client.ready(ctx.signal);
    for (const check of s.checks) {
      await client.validate(renderQuery(check, s.selectors.canary, s.windowSeconds), check.name, ctx.signal);
      if (check.maxIncrease !== undefined) await client.validate(renderQuery(check, s.selectors.stable, s.windowSeconds), check.name, ctx.signal);
    }
  }
  const current = (await target.getCurrentRelease([s.service])).services[0]!;
  const history = new DeploymentHistory(target.historyLocation, s.historyLimit);
  const control: CanaryControl = { target, router, service: s.service, healthTimeoutMs: s.healthTimeoutMs, signal: ctx.signal, log: ctx.log };

  if (s.action !== 'deploy') return manual(ctx, s, target, history, control, current.image);

  if (s.dryRun) {
    ctx.log.info(
      `Plan: start ${s.service}-canary with ${s.image} beside ${current.image}; steps ${s.plan.steps.join('% → ')}%, ${formatDuration(s.plan.intervalMs)} each, then analyse ${s.checks.map((c) => c.name).join(', ') || 'nothing'}.`,
    );
    ctx.setOutput('result', 'planned');
    ctx.setOutput('analysis', []);
    ctx.setOutput('previous-image', current.image);
    ctx.setOutput('image', s.image);
    await ctx.writeSummary(canarySummary({ result: 'planned', service: s.service, image: s.image, previousImage: current.image, steps: [] }));
    return;
  }

  const state: DeployState = {
    compose: s.compose,
    router: s.router!,
    service: s.service,
    image: s.image,
    stableImage: current.image,
    historyLimit: s.historyLimit,
    healthTimeoutMs: s.healthTimeoutMs,
    runUrl: ctx.run.runUrl,
  };
  const outcome = await runCanary<StepAnalysis>({
    ...control,
    plan: s.plan,
    image: s.image,
    stableAddress: s.router!.stableAddress,
    canaryPort: s.canaryPort,
    analyse: async () =>
      client
        ? analyseStep(client, s.checks, s.selectors, { windowSeconds: s.windowSeconds, noData: s.noData, signal: ctx.signal })
        : { verdict: 'pass', results: [], at: new Date().toISOString() },
    describeFailure: (a) =>
      a.results
        .filter((r) => r.verdict === 'fail')
        .map((r) => `${r.name}: ${r.reason}`)
        .join('; '),
    onStarting: () => ctx.saveState(DEPLOY_STATE, state),
  });

  const promoted = outcome.result === 'promoted';
  if (outcome.result !== 'paused') {
    await history.append(
      canaryEntry({
        result: outcome.result,
        service: s.service,
        image: s.image,
        digest: await imageDigest(s.image),
        previous: { service: s.service, image: current.image, ...(current.digest ? { digest: current.digest } : {}) },
        runUrl: ctx.run.runUrl,
        reason: outcome.reason,
      }),
    );
  }
  ctx.saveState(FINISHED_STATE, 'true');
  ctx.setOutput('result', outcome.result);
  ctx.setOutput('analysis', analysisOutput(outcome.steps));
  ctx.setOutput('previous-image', current.image);
  ctx.setOutput('image', promoted || outcome.result === 'paused' ? s.image : current.image);
  const notes: string[] = [];
  if (outcome.timings.verdictAt && outcome.timings.stableAt) {
    notes.push(`Traffic was back on stable ${outcome.timings.stableAt - outcome.timings.verdictAt} ms after the failing verdict.`);
  }
  for (const e of outcome.cleanupErrors) notes.push(`Cleanup problem: ${e}`);
  await ctx.writeSummary(
    canarySummary({
      result: outcome.result,
      service: s.service,
      image: s.image,
      previousImage: current.image,
      reason: outcome.reason,
      steps: outcome.steps,
      notes,
    }),
  );
  if (outcome.result === 'aborted') {
    const extra = outcome.cleanupErrors.length
      ? ` Cleanup problems: ${outcome.cleanupErrors.join('; ')}`
      : ' Traffic is back on stable and the canary was removed.';
    throw new OperationFailedError(`Canary of ${s.service} aborted: ${outcome.reason}.${extra}`);
  }
  ctx.log.notice(promoted ? `${s.service} now runs ${s.image}.` : `The canary of ${s.service} is paused at ${s.plan.steps.at(-1)}%.`);
});

async function manual(
  ctx: ActionContext,
  s: CanarySettings,
  target: ComposeTarget,
  history: DeploymentHistory,
  control: CanaryControl,
  stableImage: string,
): Promise<void> {
  const canary = await target.findCanary(s.service, s.router!.stableAddress);
  if (!canary) {
    throw new OperationFailedError(`No canary of ${s.service} is running: nothing to ${s.action}. Start one with action: deploy.`);
  }
  if (s.dryRun) {
    ctx.setOutput('result', 'planned');
    ctx.log.info(`Plan: ${s.action} the canary of ${s.service} (${canary.image}).`);
    return;
  }
  const outcome = { timings: { startedAt: Date.now() } as { stableAt?: number; startedAt: number }, cleanupErrors: [] as string[] };
  let result: 'promoted' | 'aborted';
  if (s.action === 'promote') {
    await promoteCanary(control, canary);
    result = 'promoted';
  } else {
    await abortCanary(control, outcome);
    result = 'aborted';
  }
  await history.append(
    canaryEntry({
      result,
      service: s.service,
      image: canary.image,
      previous: { service: s.service, image: canary.stableImage || stableImage },
      runUrl: ctx.run.runUrl,
      reason: result === 'aborted' ? 'aborted by hand (action: abort)' : undefined,
    }),
  );
  ctx.setOutput('result', result);
  ctx.setOutput('analysis', []);
  ctx.setOutput('previous-image', canary.stableImage || stableImage);
  ctx.setOutput('image', result === 'promoted' ? canary.image : canary.stableImage || stableImage);
  await ctx.writeSummary(
    new SummaryBuilder()
      .heading(`Canary of ${s.service}: ${result} by hand`)
      .table(
        ['', ''],
        [['Canary image', canary.image], ['Stable image', canary.stableImage || stableImage], ...outcome.cleanupErrors.map((e) => ['Cleanup problem', e])],
      ),
  );
  if (outcome.cleanupErrors.length) throw new OperationFailedError(`Aborting the canary left problems: ${outcome.cleanupErrors.join('; ')}`);
}

async function rolling(ctx: ActionContext, s: CanarySettings, target: ComposeTarget): Promise<void> {
  await target.validate(
    s.rolling.map((r) => r.service),
    'services',
  );
  const before = await target.getCurrentRelease(s.rolling.map((r) => r.service));
  if (s.dryRun) {
    ctx.log.info(`Plan: ${s.rolling.map((r) => `${r.service} → ${r.image}`).join(', then ')}, each health-waited.`);
    ctx.setOutput('result', 'planned');
    return;
  }
  const history = new DeploymentHistory(target.historyLocation, s.historyLimit);
  const done: string[] = [];
  try {
    await target.rollout(s.rolling, {
      timeoutMs: s.healthTimeoutMs,
      signal: ctx.signal,
      onService: (u) => {
        ctx.log.info(`Deploying ${u.service} with ${u.image}…`);
        done.push(u.service);
      },
    });
  } catch (err) {
    await history.append({
      at: new Date().toISOString(),
      action: 'rolling',
      result: 'failed',
      services: s.rolling,
      previous: before.services,
      runUrl: ctx.run.runUrl,
      reason: String((err as Error).message),
    });
    throw new OperationFailedError(`Rolling deploy stopped at ${done.at(-1)}: ${(err as Error).message}`);
  }
  await history.append({
    at: new Date().toISOString(),
    action: 'rolling',
    result: 'deployed',
    services: s.rolling,
    previous: before.services,
    runUrl: ctx.run.runUrl,
  });
  ctx.setOutput('result', 'promoted');
  ctx.setOutput('analysis', []);
  ctx.setOutput('previous-image', before.services.map((x) => x.image).join(','));
  ctx.setOutput('image', s.rolling.map((x) => x.image).join(','));
  await ctx.writeSummary(
    new SummaryBuilder().heading('Rolling deploy').table(
      ['Service', 'Before', 'Now'],
      s.rolling.map((r, i) => [r.service, before.services[i]?.image ?? '', r.image]),
    ),
  );
}
