import { runAction, ConfigurationError, errorMessage, nullLogger, type ActionContext } from '../../src/runtime/index.js';
import { RecordWithGitHubFallback } from '../../src/github/deployments-record.js';
import { DEFAULT_HISTORY_LIMIT } from '../../src/record/history.js';
import { validateVersion, type RecordedDatabase } from '../../src/record/rollback-plan.js';
import { parseImageReference } from '../../src/registry/reference.js';
import { sendNotification, validateWebhookUrl, type Notification } from '../../src/notify/webhook.js';
import { rollback, type RollbackChecks, type RollbackDatabase, type RollbackResult } from '../../src/release/rollback.js';
import { parseChecksDocument } from '../../src/checks/document.js';
import { runChecks } from '../../src/checks/run.js';
import { composeOptionsFromInputs, createBlueGreen, createTarget, factoryContext, targetKind, type TargetSettings } from '../shared/deployment.js';
import { rollBackColour } from '../../src/release/blue-green.js';
import { readBlueGreenRollback } from './blue-green.js';
import { connectKubernetes, kubernetesConnectionFromInputs, objectName, removeTemporaryKubeconfig } from '../shared/kubernetes.js';
import { finishAction } from '../shared/finish.js';
import { lockTimeoutFromInputs, releaseProjectLock, takeProjectLock } from '../shared/project-lock.js';
import type { ProjectLock } from '../../src/record/project-lock.js';
import { connectDeployments, readGitHubDeployment, trackOnGitHub } from '../shared/github-deployment.js';
import { prepareDatabaseRollback, prepareRecordedDatabase, readDatabaseRollback, type PreparedDatabaseRollback } from './database.js';
import { KUBECONFIG_STATE } from './state.js';
import { rollbackFailure, rollbackNotice, rollbackOutputs, rollbackSummary } from './report.js';

runAction(async (ctx) => {
  // Validate, then act.
  const { settings: targetSettings, services } = readTarget(ctx);
  const blueGreen = readBlueGreenRollback(ctx.inputs, targetSettings.kind);
  const toImage = ctx.inputs.optional('to-image');
  const toVersion = ctx.inputs.optional('to-version');
  const toRevision = readRevision(ctx, targetSettings);
  const chosen = [toImage && 'to-image', toVersion && 'to-version', toRevision !== undefined && 'to-revision'].filter(Boolean);
  if (chosen.length > 1) throw new ConfigurationError(`Give one of ${chosen.join(', ')}, not several.`, { input: String(chosen[1]) });
  if (toImage && services.length > 1)
    throw new ConfigurationError('to-image names one image: give one service, or use to-version for several.', { input: 'to-image' });
  if (toVersion) validateVersion(toVersion, 'to-version');
  if (toImage) parseImageReference(toImage, 'to-image');
  const healthTimeoutMs = ctx.inputs.duration('health-timeout', '2m', { min: 1000 });
  const historyLimit = ctx.inputs.integer('history-limit', DEFAULT_HISTORY_LIMIT, { min: 1, max: 10_000 });
  const webhook = ctx.inputs.secret('notify-webhook');
  if (webhook) validateWebhookUrl(webhook, 'notify-webhook');
  const dryRun = ctx.inputs.boolean('dry-run', false);
  const lockTimeoutMs = lockTimeoutFromInputs(ctx.inputs);
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

  // With github-deployment the deployment's payload names the images rolled back to: plan first (quietly), then roll back inside it.
  const tracked = async (release: () => Promise<RollbackResult>, plan: () => Promise<RollbackResult>): Promise<RollbackResult> => {
    if (!github || dryRun) return release();
    const planned = await plan();
    if (planned.kind !== 'planned') return release();
    const images = planned.steps.map((s) => ({ service: s.service, image: s.to }));
    return trackOnGitHub(ctx, github, { action: 'rollback', images }, release, (r) => (r.kind === 'rolled-back' ? 'success' : 'failure'));
  };
  const settings = await connect(ctx, targetSettings);
  // Validate, then lock, then act (decision 0130): released on every exit below; a plan takes none.
  let lock: ProjectLock | undefined;
  try {
    if (!dryRun) lock = await takeProjectLock(ctx, settings, 'rollback', lockTimeoutMs);
    if (blueGreen && settings.kind === 'kubernetes') {
      const { target, record } = createBlueGreen(settings, blueGreen, factoryContext(ctx, historyLimit));
      const deps = { target, record, log: ctx.log, signal: ctx.signal, notify: webhook ? (n: Notification) => notify(ctx, webhook, n) : undefined };
      const request = { healthTimeoutMs, dryRun, runUrl: ctx.run.runUrl, checks };
      const result = await tracked(
        () => rollBackColour(deps, request),
        () => rollBackColour({ ...deps, log: nullLogger, notify: undefined }, { ...request, dryRun: true, checks: undefined }),
      );
      return await finishAction(ctx, {
        outputs: rollbackOutputs(result),
        summary: rollbackSummary(result),
        failure: rollbackFailure(result),
        notice: rollbackNotice(result),
      });
    }
    const { target, record: localRecord } = createTarget(settings, factoryContext(ctx, historyLimit));
    // With github-deployment, a runner without the local record finds the last good release in GitHub Deployments.
    const record = github ? new RecordWithGitHubFallback(localRecord, await connectDeployments(github), github.environment) : localRecord;
    const databaseFromRecord =
      fromRecord &&
      (async (recorded: RecordedDatabase) => {
        const prepared = await prepareRecordedDatabase(fromRecord, recorded, record.location, prepareDatabaseRollback, (m) => ctx.log.warning(m));
        return prepared && databaseStep(prepared);
      });
    const request = { services, toImage, toVersion, toRevision, healthTimeoutMs, dryRun, runUrl: ctx.run.runUrl, database, databaseFromRecord, checks };
    const deps = { target, record, log: ctx.log, signal: ctx.signal, notify: webhook ? (n: Notification) => notify(ctx, webhook, n) : undefined };
    const result = await tracked(
      () => rollback(deps, request),
      () =>
        rollback(
          { ...deps, log: nullLogger, notify: undefined },
          { ...request, dryRun: true, database: undefined, databaseFromRecord: undefined, checks: undefined },
        ),
    );
    if (record instanceof RecordWithGitHubFallback && record.source === 'github')
      ctx.log.info('The local record is empty: the last good release came from GitHub Deployments.');
    await finishAction(ctx, {
      outputs: rollbackOutputs(result),
      summary: rollbackSummary(result),
      failure: rollbackFailure(result),
      notice: rollbackNotice(result),
    });
  } finally {
    await releaseProjectLock(ctx, lock);
    const kubeconfig = settings.kind === 'kubernetes' ? settings.connection.kubeconfig : undefined;
    if (kubeconfig?.kind === 'file' && kubeconfig.temporary) await removeTemporaryKubeconfig(kubeconfig.path);
  }
});

/** The target and the workloads to roll back, in order: compose services, or Kubernetes Deployments. */
function readTarget(ctx: ActionContext): { settings: TargetSettings; services: string[] } {
  if (targetKind(ctx.inputs) === 'compose') {
    for (const name of ['kubeconfig', 'deployment', 'to-revision'] as const) {
      if (ctx.inputs.has(name)) throw new ConfigurationError(`${name} is for target: kubernetes; with target: compose leave it out.`, { input: name });
    }
    return {
      settings: { kind: 'compose', compose: composeOptionsFromInputs(ctx.inputs, ctx.run.workspace) },
      services: ctx.inputs.list('services', { required: true }),
    };
  }
  const connection = kubernetesConnectionFromInputs(ctx.inputs, (value) => ctx.mask(value));
  if (ctx.inputs.has('services'))
    throw new ConfigurationError('services is for target: compose; on target: kubernetes name the Deployments in the deployment input.', { input: 'services' });
  const services = ctx.inputs.list('deployment', { required: true }).map((name) => objectName(name, 'deployment'));
  const container = ctx.inputs.optional('container');
  return { settings: { kind: 'kubernetes', connection, ...(container ? { container: objectName(container, 'container') } : {}) }, services };
}

function readRevision(ctx: ActionContext, settings: TargetSettings): number | undefined {
  if (!ctx.inputs.has('to-revision')) return undefined;
  if (settings.kind !== 'kubernetes') throw new ConfigurationError('to-revision is for target: kubernetes.', { input: 'to-revision' });
  return ctx.inputs.integer('to-revision', 0, { min: 1 });
}

/** On Kubernetes: the kubeconfig input written to its temp file (removed at the end, or by the post step) and kubectl resolved. */
async function connect(ctx: ActionContext, settings: TargetSettings): Promise<TargetSettings> {
  if (settings.kind !== 'kubernetes') return settings;
  const connection = await connectKubernetes(settings.connection, {
    tempDir: ctx.run.tempDir,
    log: ctx.log,
    onKubeconfigFile: (path) => ctx.saveState(KUBECONFIG_STATE, path),
  });
  return { ...settings, connection };
}

/** A failed notification is a warning: the rollback itself is what matters. */
async function notify(ctx: ActionContext, webhook: string, notification: Notification): Promise<void> {
  try {
    await sendNotification(webhook, notification, { signal: ctx.signal });
    ctx.log.info('Notification sent.');
  } catch (err) {
    ctx.log.warning(`The notification was not sent: ${errorMessage(err)}`);
  }
}
