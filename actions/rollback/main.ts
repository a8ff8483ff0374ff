import { runAction, ConfigurationError, errorMessage, nullLogger, type ActionContext } from '../../src/runtime/index.js';
import { RecordWithGitHubFallback } from '../../src/github/deployments-record.js';
import { DEFAULT_HISTORY_LIMIT } from '../../src/record/history.js';
import { validateVersion, type RecordedDatabase } from '../../src/record/rollback-plan.js';
import { parseImageReference } from '../../src/registry/reference.js';
import { sendNotification, validateWebhookUrl, type Notification } from '../../src/notify/webhook.js';
import { rollback, type RollbackChecks, type RollbackDatabase, type RollbackResult } from '../../src/release/rollback.js';
import { parseChecksDocument } from '../../src/checks/document.js';
import { runChecks } from '../../src/checks/run.js';
import { composeOptionsFromInputs, createTarget } from '../shared/deployment.js';
import { finishAction } from '../shared/finish.js';
import { connectDeployments, readGitHubDeployment, trackOnGitHub } from '../shared/github-deployment.js';
import { prepareDatabaseRollback, readDatabaseRollback, withRecordedDatabase, type PreparedDatabaseRollback } from './database.js';
import { rollbackFailure, rollbackNotice, rollbackOutputs, rollbackSummary } from './report.js';

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
  if (toImage) parseImageReference(toImage, 'to-image');
  const healthTimeoutMs = ctx.inputs.duration('health-timeout', '2m', { min: 1000 });
  const historyLimit = ctx.inputs.integer('history-limit', DEFAULT_HISTORY_LIMIT, { min: 1, max: 10_000 });
  const webhook = ctx.inputs.secret('notify-webhook');
  if (webhook) validateWebhookUrl(webhook, 'notify-webhook');
  const dryRun = ctx.inputs.boolean('dry-run', false);
  const github = readGitHubDeployment(ctx.inputs, ctx.run);
  const databaseSettings = readDatabaseRollback(ctx.inputs, ctx.run.workspace, ctx.run.tempDir);
  const checksSource = ctx.inputs.yaml('checks');
  const checksDocument = checksSource
    ? parseChecksDocument(checksSource.value, {
        source: checksSource.label,
        file: checksSource.file,
        baseUrl: ctx.inputs.optional('base-url'),
        env: process.env,
        workspace: ctx.run.workspace,
        defaults: { timeoutMs: ctx.inputs.duration('checks-timeout', '30s'), requestTimeoutMs: 10_000 },
      })
    : undefined;
  for (const secret of checksDocument?.secrets ?? []) ctx.mask(secret);
  const databaseStep = (prepared: PreparedDatabaseRollback): RollbackDatabase => ({
    describe: prepared.describe,
    version: prepared.version,
    run: () => prepared.run({ log: ctx.log, signal: ctx.signal, redact: ctx.redact, appliedBy: ctx.run.runUrl ?? 'deploy-kit rollback' }),
  });
  // `record`: the version or backup is known once the rollback is planned (still before anything changes).
  const fromRecord = databaseSettings?.fromRecord ? databaseSettings : undefined;
  const prepared = databaseSettings && !fromRecord ? await prepareDatabaseRollback(databaseSettings) : undefined;
  const database: RollbackDatabase | undefined = prepared && databaseStep(prepared);
  const checks: RollbackChecks | undefined = checksDocument && {
    count: checksDocument.checks.length,
    run: () => runChecks(checksDocument.checks, { concurrency: 10, signal: ctx.signal, log: ctx.log }),
  };

  const { target, record: localRecord } = createTarget({ compose, historyLimit });
  // With github-deployment, a runner without the local record finds the last good release in GitHub Deployments.
  const record = github ? new RecordWithGitHubFallback(localRecord, await connectDeployments(github), github.environment) : localRecord;
  const databaseFromRecord =
    fromRecord &&
    (async (recorded: RecordedDatabase) => databaseStep(await prepareDatabaseRollback(withRecordedDatabase(fromRecord, recorded, record.location))));
  const request = { services, toImage, toVersion, healthTimeoutMs, dryRun, runUrl: ctx.run.runUrl, database, databaseFromRecord, checks };
  const deps = { target, record, log: ctx.log, signal: ctx.signal, notify: webhook ? (n: Notification) => notify(ctx, webhook, n) : undefined };
  const release = () => rollback(deps, request);
  let result: RollbackResult;
  if (github && !dryRun) {
    // The deployment's payload names the images rolled back to: plan first (quietly), then roll back inside it.
    const plan = await rollback(
      { ...deps, log: nullLogger, notify: undefined },
      { ...request, dryRun: true, database: undefined, databaseFromRecord: undefined, checks: undefined },
    );
    result =
      plan.kind === 'planned'
        ? await trackOnGitHub(ctx, github, { action: 'rollback', images: plan.steps.map((s) => ({ service: s.service, image: s.to })) }, release, (r) =>
            r.kind === 'rolled-back' ? 'success' : 'failure',
          )
        : await release();
  } else result = await release();
  if (record instanceof RecordWithGitHubFallback && record.source === 'github')
    ctx.log.info('The local record is empty: the last good release came from GitHub Deployments.');
  await finishAction(ctx, {
    outputs: rollbackOutputs(result),
    summary: rollbackSummary(result),
    failure: rollbackFailure(result),
    notice: rollbackNotice(result),
  });
});

/** A failed notification is a warning: the rollback itself is what matters. */
async function notify(ctx: ActionContext, webhook: string, notification: Notification): Promise<void> {
  try {
    await sendNotification(webhook, notification, { signal: ctx.signal });
    ctx.log.info('Notification sent.');
  } catch (err) {
    ctx.log.warning(`The notification was not sent: ${errorMessage(err)}`);
  }
}
