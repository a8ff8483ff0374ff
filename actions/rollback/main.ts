import { runAction, ConfigurationError, OperationFailedError, SummaryBuilder, errorMessage, type ActionContext } from '../../src/runtime/index.js';
import { DeploymentHistory } from '../../src/record/history.js';
import { planRollback, validateVersion, type RollbackStep } from '../../src/record/rollback-plan.js';
import { sendNotification, validateWebhookUrl, type Notification } from '../../src/notify/webhook.js';
import { ComposeTarget } from '../../src/targets/compose.js';
import { composeOptionsFromInputs } from '../../src/targets/from-inputs.js';
import { parseChecksDocument } from '../../src/checks/document.js';
import { checksReport, checksSummary } from '../../src/checks/report.js';
import { runChecks } from '../../src/checks/run.js';
import { prepareDatabaseRollback, readDatabaseRollback } from './database.js';

runAction(async (ctx) => {
  // Validate, then act.
  const compose = composeOptionsFromInputs(ctx.inputs, ctx.run.workspace);
  const services = ctx.inputs.list('services', { required: true });
  const toImage = ctx.inputs.optional('to-image');
  const toVersion = ctx.inputs.optional('to-version');
  if (toImage && toVersion) throw new ConfigurationError('Give to-image or to-version, not both.', { input: 'to-version' });
  if (toImage && services.length > 1)
    throw new ConfigurationError('to-image names one image: give one service, or use to-version for several.', { input: 'to-image' });
  if (toVersion) validateVersion(toVersion, 'to-version');
  const healthTimeoutMs = ctx.inputs.duration('health-timeout', '2m', { min: 1000 });
  const historyLimit = ctx.inputs.integer('history-limit', 50, { min: 1, max: 10_000 });
  const webhook = ctx.inputs.secret('notify-webhook');
  if (webhook) validateWebhookUrl(webhook, 'notify-webhook');
  const dryRun = ctx.inputs.boolean('dry-run', false);
  const database = readDatabaseRollback(ctx.inputs, ctx.run.workspace, ctx.run.tempDir);
  const checksSource = ctx.inputs.yaml('checks');
  const checks = checksSource
    ? parseChecksDocument(checksSource.value, {
        source: checksSource.label,
        file: checksSource.file,
        baseUrl: ctx.inputs.optional('base-url'),
        env: process.env,
        workspace: ctx.run.workspace,
        defaults: { timeoutMs: ctx.inputs.duration('checks-timeout', '30s'), requestTimeoutMs: 10_000 },
      })
    : undefined;
  for (const secret of checks?.secrets ?? []) ctx.mask(secret);
  const db = database ? await prepareDatabaseRollback(database) : undefined;

  const target = new ComposeTarget(compose);
  await target.validate(services, 'services');
  const history = new DeploymentHistory(target.historyLocation, historyLimit);
  const current = (await target.getCurrentRelease(services, { digests: false })).services;
  const plan = planRollback(current, (await history.read()).entries, { toImage, toVersion, recordPath: target.historyLocation });
  const from = current.map((c) => ({ service: c.service, image: c.image }));
  ctx.setOutput('rolled-back-from', formatImages(from));
  ctx.setOutput('database', 'untouched');
  if (!plan.ok) {
    ctx.setOutput('rolled-back-to', '');
    await ctx.writeSummary(new SummaryBuilder().heading('Rollback: nothing to roll back to').paragraph(plan.reason));
    await notify(ctx, webhook, {
      title: `Rollback of ${services.join(', ')} not possible`,
      outcome: 'failure',
      fields: [{ title: 'Why', value: plan.reason }],
    });
    throw new OperationFailedError(plan.reason);
  }
  if (dryRun) {
    for (const s of plan.steps) ctx.log.info(`Plan: ${s.service}: ${s.from} → ${s.to} (from ${s.source}).`);
    if (db) ctx.log.info(`Plan: then ${db.describe}.`);
    if (checks) ctx.log.info(`Plan: then run ${checks.checks.length} check(s).`);
    ctx.setOutput('rolled-back-to', formatImages(plan.steps.map((s) => ({ service: s.service, image: s.to }))));
    await ctx.writeSummary(summary('Rollback plan (dry run)', plan.steps, []));
    return;
  }

  const started = Date.now();
  const done: RollbackStep[] = [];
  try {
    for (const step of plan.steps) {
      // A canary left behind would keep serving the release being rolled back from.
      if (await target.removeCanary(step.service, { signal: ctx.signal })) ctx.log.info(`Removed a leftover canary of ${step.service}.`);
      await ctx.log.group(`Rolling ${step.service} back: ${step.from} → ${step.to}`, () =>
        target.rollout([{ service: step.service, image: step.to }], { timeoutMs: healthTimeoutMs, signal: ctx.signal }),
      );
      done.push(step);
    }
  } catch (err) {
    const failed = plan.steps[done.length];
    const reason = `${failed?.service ?? 'a service'} did not roll back: ${errorMessage(err)}`;
    await history.append({
      at: new Date().toISOString(),
      action: 'rollback',
      result: 'failed',
      services: plan.steps.map((s) => ({ service: s.service, image: s.to })),
      previous: from,
      runUrl: ctx.run.runUrl,
      reason,
    });
    await ctx.writeSummary(summary('Rollback failed', plan.steps, done, reason));
    await notify(ctx, webhook, {
      title: `Rollback of ${services.join(', ')} FAILED`,
      outcome: 'failure',
      fields: [{ title: 'Why', value: reason }],
      link: ctx.run.runUrl,
    });
    throw new OperationFailedError(reason);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const to = plan.steps.map((s) => ({ service: s.service, image: s.to }));
  ctx.setOutput('rolled-back-to', formatImages(to));
  // The database goes back after the services are back and healthy: a restore loses what was
  // written since the backup, so it is the last and most deliberate step.
  let databaseResult = 'untouched';
  let databaseError: string | undefined;
  if (db) {
    try {
      databaseResult = await ctx.log.group(`Database: ${db.describe}`, () =>
        db.run({ log: ctx.log, signal: ctx.signal, redact: ctx.redact, appliedBy: ctx.run.runUrl ?? 'deploy-kit rollback' }),
      );
    } catch (err) {
      databaseError = errorMessage(err);
      databaseResult = `FAILED: ${databaseError}`;
    }
  }
  ctx.setOutput('database', databaseResult);
  await history.append({
    at: new Date().toISOString(),
    action: 'rollback',
    result: databaseError ? 'failed' : 'rolled-back',
    services: to,
    previous: from,
    runUrl: ctx.run.runUrl,
    ...(db ? { database: databaseResult } : {}),
  });
  const report = new SummaryBuilder().raw(summary(`Rolled back in ${seconds}s`, plan.steps, done).toString());
  if (db) report.heading('Database', 3).paragraph(databaseResult);
  let checksFailed: string | undefined;
  if (checks && !databaseError) {
    const results = await runChecks(checks.checks, { concurrency: 10, signal: ctx.signal, log: ctx.log });
    const r = checksReport(results);
    ctx.setOutput('checks', r);
    report.raw(checksSummary(results, 'Checks after the rollback').toString());
    if (!r.passed)
      checksFailed = `${r.failed} of ${r.total} checks failed after the rollback: ${results
        .filter((x) => !x.passed)
        .map((x) => x.name)
        .join(', ')}`;
  }
  await ctx.writeSummary(report);
  const problem = databaseError ? `the database rollback failed: ${databaseError}` : checksFailed;
  await notify(ctx, webhook, {
    title: `${problem ? 'Rollback with problems' : 'Rolled back'}: ${plan.steps.map((s) => `${s.service} to ${s.to}`).join(', ')}`,
    outcome: problem ? 'failure' : 'warning',
    fields: [
      ...plan.steps.map((s) => ({ title: s.service, value: `${s.from} → ${s.to}` })),
      ...(db ? [{ title: 'database', value: databaseResult }] : []),
      ...(problem ? [{ title: 'problem', value: problem }] : []),
    ],
    link: ctx.run.runUrl,
  });
  if (problem) throw new OperationFailedError(`Services rolled back (${to.map((x) => `${x.service} → ${x.image}`).join(', ')}), but ${problem}.`);
  ctx.log.notice(
    `Rolled back: ${plan.steps.map((s) => `${s.service} ${s.from} → ${s.to}`).join('; ')}; all healthy.${db ? ` Database: ${databaseResult}.` : ''}`,
  );
});

function formatImages(list: Array<{ service: string; image: string }>): string {
  return list.length === 1 ? list[0]!.image : list.map((x) => `${x.service}=${x.image}`).join('\n');
}

function summary(title: string, steps: RollbackStep[], done: RollbackStep[], reason?: string): SummaryBuilder {
  const s = new SummaryBuilder().heading(title);
  s.table(
    ['Service', 'From', 'To', 'Chosen from', 'Done'],
    steps.map((x) => [x.service, x.from, x.to, x.source, done.includes(x) ? 'yes, healthy' : 'no']),
  );
  if (reason) s.paragraph(reason);
  return s;
}

/** A failed notification is a warning: the rollback itself is what matters. */
async function notify(ctx: ActionContext, webhook: string, n: Notification): Promise<void> {
  if (!webhook) return;
  try {
    await sendNotification(webhook, n, { signal: ctx.signal });
    ctx.log.info('Notification sent.');
  } catch (err) {
    ctx.log.warning(`The notification was not sent: ${errorMessage(err)}`);
  }
}
