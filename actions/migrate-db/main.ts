import { runAction } from '../../src/runtime/action.js';
import { uploadFileArtifact, type UploadedArtifact } from '../../src/runtime/artifact.js';
import { OperationFailedError } from '../../src/runtime/errors.js';
import { applyMigrations, defaultAppliedBy, MigrationFailedError, type MigrateResult } from '../../src/db/index.js';
import { readInputs } from './inputs.js';
import { buildSummary, planLines } from './summary.js';

runAction(async (ctx) => {
  const inputs = readInputs(ctx.inputs, ctx.run, (v) => ctx.mask(v));
  let uploaded: UploadedArtifact | undefined;
  const report = async (result: MigrateResult): Promise<void> => {
    ctx.setOutput(
      'applied',
      result.applied.map((a) => ({ version: a.version, name: a.name, file: a.file, direction: a.direction, durationMs: Math.round(a.durationMs) })),
    );
    ctx.setOutput('current-version', result.currentVersion ?? '');
    ctx.setOutput('previous-version', result.previousVersion ?? '');
    ctx.setOutput('pending-count', result.dryRun ? result.pendingCount : result.pendingCount - result.applied.length);
    ctx.setOutput('backup-path', result.backup?.path ?? '');
    ctx.setOutput('restored', result.failure?.outcome === 'restored');
    ctx.setOutput('safety-backup', result.failure?.safetyBackup ?? '');
    ctx.setOutput('history-table', result.historyTable);
    ctx.setOutput('backups-removed', result.backup?.pruned ?? []);
    ctx.setOutput('backup-artifact-name', uploaded?.name ?? '');
    ctx.setOutput('backup-artifact-id', uploaded?.id ?? '');
    ctx.setOutput('imported', result.imported ?? '');
    await ctx.writeSummary(buildSummary(result, uploaded));
  };
  let result: MigrateResult;
  try {
    result = await applyMigrations({
      target: inputs.target,
      migrations: inputs.migrations,
      historyTable: inputs.historyTable,
      repeatables: inputs.repeatables,
      importHistory: inputs.importHistory,
      transactionMode: inputs.transactionMode,
      toVersion: inputs.toVersion,
      allowDown: inputs.allowDown,
      allowChanged: inputs.allowChanged,
      baselineVersion: inputs.baselineVersion,
      expectVersion: inputs.expectVersion,
      dryRun: inputs.dryRun,
      backup: inputs.backup,
      backupDir: inputs.backupDir,
      backupCompression: inputs.backupCompression,
      backupRetention: inputs.backupRetention,
      onFailure: inputs.onFailure,
      lockTimeoutMs: inputs.lockTimeoutMs,
      statementLimits: inputs.statementLimits,
      connectTimeoutMs: inputs.connectTimeoutMs,
      appliedBy: ctx.run.runUrl ?? defaultAppliedBy(),
      log: ctx.log,
      signal: ctx.signal,
      redact: ctx.redact,
      onBackup: inputs.backupArtifact
        ? async (backup) => {
            // Uploaded before the first migration: the copy outlives a runner that dies mid-run.
            uploaded = await uploadFileArtifact(backup.path, inputs.backupArtifact);
            ctx.log.info(`Backup uploaded as the workflow artifact "${uploaded.name}" (id ${uploaded.id}, ${uploaded.size} bytes).`);
          }
        : undefined,
      onPlan: (plan, engine) => {
        ctx.log.info(planLines(plan, engine).join('\n'));
      },
    });
  } catch (err) {
    if (!(err instanceof MigrationFailedError)) throw err;
    const f = err.result.failure!;
    if (f.path) ctx.log.error(f.message, { file: f.path, startLine: f.line, title: `migrate-db: ${f.file} failed` });
    await report(err.result);
    throw new OperationFailedError(err.message);
  }
  await report(result);
  if (!result.dryRun) ctx.log.info(`Database at version ${result.currentVersion ?? '(none)'} (was ${result.previousVersion ?? '(none)'}).`);
});
