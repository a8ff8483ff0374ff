/**
 * The failure policy: after a failed run (or a failed read-back), whether to restore the backup
 * (`on-failure`), doing so, and the words that say what became of the database.
 */
import { dirname } from 'node:path';
import { ConfigurationError, errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import type { BackupResult } from './backup.js';
import { restoreBackup, RestoreFailedError } from './restore.js';
import type { PlanExecutor } from './executor.js';
import type { TransactionMode } from './plan.js';
import { MigrationSqlError } from './session.js';
import type { DatabaseTarget, Engine } from './url.js';
import type { Version } from './version.js';

export type OnFailure = 'auto' | 'restore' | 'none';

export type FailureOutcome = 'rolled-back' | 'restored' | 'left-partial' | 'restore-failed';

export interface MigrationFailure {
  message: string;
  version?: Version;
  file?: string;
  path?: string;
  line?: number;
  code?: string;
  outcome: FailureOutcome;
  /** Migrations of this run whose changes were undone (rolled back or restored). */
  undone: Version[];
  restoreError?: string;
  /** The dump of the failed state the restore took before it changed anything. */
  safetyBackup?: string;
}

/**
 * Whether to restore the backup after a failure. `auto` restores when the database may be left
 * changed outside a rolled-back transaction: on MySQL (DDL commits implicitly), when the failing
 * file ran outside a transaction, or when `all` mode already committed part of the run.
 */
export function shouldRestore(
  onFailure: OnFailure,
  situation: { engine: Engine; failingTransactional: boolean; committedInRun: number; mode: TransactionMode; startedFailingFile: boolean },
): boolean {
  if (onFailure === 'none') return false;
  if (onFailure === 'restore') return true;
  if (situation.engine === 'mysql') return situation.startedFailingFile || situation.committedInRun > 0;
  if (!situation.failingTransactional && situation.startedFailingFile) return true;
  return situation.mode === 'all' && situation.committedInRun > 0;
}

/** What the failure policy needs to know about the run. */
export interface FailureContext {
  target: DatabaseTarget;
  engine: Engine;
  backup?: BackupResult;
  /** Where the restore's safety dump of the failed state goes (the run's backup-dir). */
  backupDir?: string;
  onFailure: OnFailure;
  mode: TransactionMode;
  historyTable?: string;
  log: Logger;
  signal?: AbortSignal;
  redact?: (text: string) => string;
}

export function failureHeadline(f: MigrationFailure): string {
  const where = f.file ? `${f.file}${f.line ? ` line ${f.line}` : ''}: ` : '';
  const what: Record<FailureOutcome, string> = {
    'rolled-back': 'its transaction was rolled back',
    restored: 'the database was restored from the backup',
    'left-partial': 'the database may be partly changed (no restore)',
    'restore-failed': 'restoring the backup FAILED',
  };
  return `migration failed — ${where}${f.message} — ${what[f.outcome]}`;
}

/**
 * Describes a failure and applies the policy: restore the backup when due. `afterSuccess`: every
 * migration committed but the read-back disagreed (expect-version), so any policy but `none` restores.
 */
export async function handleFailure(err: unknown, executor: PlanExecutor, ctx: FailureContext, afterSuccess = false): Promise<MigrationFailure> {
  const { log, backup } = ctx;
  if (err instanceof ConfigurationError) throw err;
  const sqlErr = err instanceof MigrationSqlError ? err : undefined;
  const failing = executor.current;
  const failure: MigrationFailure = {
    message: ctx.redact ? ctx.redact(errorMessage(err)) : errorMessage(err),
    version: failing?.version,
    file: sqlErr?.script.file ?? failing?.script.file,
    path: sqlErr?.script.path ?? failing?.script.path,
    line: sqlErr?.line,
    code: sqlErr?.code,
    outcome: 'rolled-back',
    undone: executor.inOpenTransaction.map((s) => s.version),
  };
  // A transactional file on PostgreSQL rolled back with its batch: it is undone too.
  if (failing && failing.transactional && ctx.engine === 'postgres' && !afterSuccess) failure.undone.push(failing.version);
  const restore = afterSuccess
    ? ctx.onFailure !== 'none'
    : shouldRestore(ctx.onFailure, {
        engine: ctx.engine,
        failingTransactional: failing?.transactional ?? true,
        committedInRun: executor.committed.length,
        mode: ctx.mode,
        startedFailingFile: failing !== undefined,
      });
  if (!restore) {
    const partial = ctx.engine === 'mysql' || (failing !== undefined && !failing.transactional);
    if (partial && !afterSuccess) {
      failure.outcome = 'left-partial';
      log.warning(
        `${failure.file ?? 'A migration'} failed and on-failure is "none": ${ctx.engine === 'mysql' ? 'MySQL commits DDL implicitly, so statements before the error stay applied' : 'it ran outside a transaction, so statements before the error stay applied'}. Restore ${backup?.path ?? 'a backup'} if needed.`,
      );
    }
    return failure;
  }
  if (!backup) {
    failure.outcome = 'left-partial';
    log.warning('A restore was due, but backup is off: the database may be partly changed.');
    return failure;
  }
  log.info(`Restoring ${backup.path} …`);
  try {
    // The run's own session holds the migrate-db lock; the restore ignores the cancel signal.
    const r = await restoreBackup(ctx.target, backup.path, {
      log,
      redact: ctx.redact,
      historyTable: ctx.historyTable,
      safetyBackupDir: ctx.backupDir ?? dirname(backup.path),
      lockHeld: true,
    });
    failure.safetyBackup = r.safetyBackup;
    log.info(`Restored the backup in ${formatDuration(r.durationMs)} (the failed state is kept in ${r.safetyBackup}).`);
    failure.outcome = 'restored';
    failure.undone = [...executor.committed.map((s) => s.version), ...failure.undone];
    if (failing && !failure.undone.includes(failing.version)) failure.undone.push(failing.version);
  } catch (restoreErr) {
    failure.outcome = 'restore-failed';
    failure.restoreError = errorMessage(restoreErr);
    if (restoreErr instanceof RestoreFailedError) failure.safetyBackup = restoreErr.safetyBackup;
    log.error(`Restoring ${backup.path} failed: ${failure.restoreError}`);
  }
  return failure;
}
