/**
 * The migration engine: lock, read the history, plan, back up, apply in transactions, verify,
 * and restore the backup when a failure left the database changed. Free of @actions/core: the
 * migrate-db action and the rollback action both drive it.
 */
import { hostname, userInfo } from 'node:os';
import { ConfigurationError, OperationFailedError, errorMessage } from '../runtime/errors.js';
import { nullLogger, type Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import { backupDatabase, checkDumpToolVersion, restoreBackup, toolVersion, type BackupResult } from './backup.js';
import { openSession } from './connect.js';
import type { Migration } from './files.js';
import { acquireRunLock } from './lock.js';
import { BASELINE_NAME, checkExpectedVersion, planMigrations, type MigrationPlan, type PlanBatch, type PlanStep, type TransactionMode } from './plan.js';
import { checkHistoryShape, MigrationSqlError, type DatabaseSession, type HistoryRecord } from './session.js';
import { describeTarget, type DatabaseTarget, type Engine } from './url.js';
import { allIntegerVersions, compareVersions, versionSortKey, type Version } from './version.js';

export type OnFailure = 'auto' | 'restore' | 'none';

export interface MigrateOptions {
  target: DatabaseTarget;
  migrations: readonly Migration[];
  historyTable?: string;
  transactionMode?: TransactionMode;
  toVersion?: Version;
  allowDown?: boolean;
  allowChanged?: boolean;
  baselineVersion?: Version;
  expectVersion?: Version;
  dryRun?: boolean;
  /** Back up before applying anything (default true). */
  backup?: boolean;
  backupDir?: string;
  onFailure?: OnFailure;
  lockTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Recorded in the history (the run URL on GitHub). */
  appliedBy?: string;
  log?: Logger;
  signal?: AbortSignal;
  redact?: (text: string) => string;
  /** Called with the plan once it is known, before anything is backed up or applied. */
  onPlan?: (plan: MigrationPlan, engine: Engine) => void;
}

export interface AppliedMigration {
  version: Version;
  name: string;
  file: string;
  path: string;
  direction: 'up' | 'down';
  transactional: boolean;
  statements: number;
  durationMs: number;
}

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
}

export interface MigrateResult {
  dryRun: boolean;
  engine: Engine;
  serverVersion: string;
  database: string;
  plan: MigrationPlan;
  /** Migrations that ran and stayed applied (committed). */
  applied: AppliedMigration[];
  previousVersion?: Version;
  currentVersion?: Version;
  pendingCount: number;
  backup?: BackupResult;
  lockWaitMs: number;
  durationMs: number;
  failure?: MigrationFailure;
}

/** The run failed; `result` says what was applied, what was undone and how. */
export class MigrationFailedError extends OperationFailedError {
  constructor(
    message: string,
    readonly result: MigrateResult,
  ) {
    super(message);
  }
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

export function defaultAppliedBy(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return `${user}@${hostname()}`;
}

/** Runs the plan for `options` (or only computes it, with dryRun). Throws MigrationFailedError when a migration fails. */
export async function applyMigrations(options: MigrateOptions): Promise<MigrateResult> {
  const started = performance.now();
  const log = options.log ?? nullLogger;
  const target = options.target;
  const historyTable = options.historyTable ?? 'schema_migrations';
  const mode = options.transactionMode ?? 'all';
  const appliedBy = options.appliedBy ?? defaultAppliedBy();
  const wantBackup = options.backup ?? true;
  if (wantBackup && !options.dryRun && !options.backupDir) throw new ConfigurationError('backup-dir is required when backup is on.', { input: 'backup-dir' });
  const session = await openSession(target, {
    historyTable,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    label: `deploy-kit migrate-db ${appliedBy}`,
    signal: options.signal,
  });
  const onAbort = (): void => session.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const lockWaitMs = options.dryRun
      ? 0
      : await acquireRunLock(session, { timeoutMs: options.lockTimeoutMs ?? 300_000, signal: options.signal, log, what: describeTarget(target) });
    const shape = await session.historyShape();
    checkHistoryShape(shape, historyTable);
    const history = shape.exists ? await session.readHistory() : [];
    const plan = planMigrations(options.migrations, history, {
      toVersion: options.toVersion,
      allowDown: options.allowDown,
      allowChanged: options.allowChanged,
      baselineVersion: options.baselineVersion,
      transactionMode: mode,
    });
    checkExpectedVersion(plan, options.expectVersion);
    const integerVersions = allIntegerVersions([...options.migrations.map((m) => m.version), ...(plan.baseline ? [plan.baseline] : [])]);
    if (shape.exists && shape.integerVersions) {
      const dotted = plan.steps.find((s) => !/^\d+$/.test(s.version));
      if (dotted) {
        throw new ConfigurationError(
          `${dotted.script.file}: version ${dotted.version} is dotted, but ${historyTable} stores integer versions (its version column is BIGINT). Use an integer version.`,
          { input: 'migrations', file: dotted.script.path },
        );
      }
    }
    options.onPlan?.(plan, target.engine);
    for (const v of plan.unknownApplied) log.warning(`Version ${v} is in ${historyTable} but has no migration file here (applied by a newer release?).`);
    const result: MigrateResult = {
      dryRun: options.dryRun ?? false,
      engine: target.engine,
      serverVersion: session.serverVersion,
      database: describeTarget(target),
      plan,
      applied: [],
      previousVersion: plan.previousVersion,
      currentVersion: plan.previousVersion,
      pendingCount: plan.steps.length,
      lockWaitMs,
      durationMs: 0,
    };
    const nothingToWrite = plan.steps.length === 0 && !plan.baseline && plan.checksumUpdates.length === 0;
    if (options.dryRun || nothingToWrite) {
      result.durationMs = performance.now() - started;
      await releaseLock(session, options.dryRun);
      return result;
    }

    if (wantBackup && plan.steps.length > 0) {
      if (target.engine === 'postgres') checkDumpToolVersion(await toolVersion('pg_dump'), session.serverVersion);
      else await toolVersion('mysqldump');
      log.info(`Backing up ${describeTarget(target)} into ${options.backupDir} …`);
      result.backup = await backupDatabase(target, options.backupDir!, { signal: options.signal, log, redact: options.redact });
      log.info(
        `Backup ${result.backup.path} (${result.backup.bytes} bytes, ${result.backup.entries} entries) written and read back in ${formatDuration(result.backup.durationMs)}.`,
      );
    }

    const executor = new PlanExecutor(session, options, plan, shape.exists, integerVersions, appliedBy, log);
    try {
      await executor.run();
    } catch (err) {
      result.applied = executor.committed;
      result.failure = await handleFailure(err, executor, result, options, mode, log);
      result.currentVersion = await session.currentVersion().catch(() => undefined);
      if (result.failure.outcome === 'restored') result.applied = [];
      result.durationMs = performance.now() - started;
      await releaseLock(session);
      throw new MigrationFailedError(failureHeadline(result.failure), result);
    }
    result.applied = executor.committed;
    // The seeds' verify step: read the version back from the database.
    result.currentVersion = await session.currentVersion();
    if (options.expectVersion !== undefined && (result.currentVersion === undefined || compareVersions(result.currentVersion, options.expectVersion) !== 0)) {
      const err = new OperationFailedError(
        `expect-version is ${options.expectVersion} but the database reports ${result.currentVersion ?? 'no version'} after the run`,
      );
      result.failure = await handleFailure(err, executor, result, options, mode, log, true);
      result.durationMs = performance.now() - started;
      await releaseLock(session);
      throw new MigrationFailedError(failureHeadline(result.failure), result);
    }
    result.durationMs = performance.now() - started;
    await releaseLock(session);
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await session.close();
  }
}

/** Runs to a version: up, or down with allowDown (the rollback action's entry point). */
export function migrateTo(version: Version, options: Omit<MigrateOptions, 'toVersion'>): Promise<MigrateResult> {
  return applyMigrations({ ...options, toVersion: version });
}

async function releaseLock(session: DatabaseSession, skip = false): Promise<void> {
  if (skip) return;
  // Closing the session releases it too; an explicit unlock keeps a reused session honest.
  await session.unlock().catch(() => undefined);
}

function failureHeadline(f: MigrationFailure): string {
  const where = f.file ? `${f.file}${f.line ? ` line ${f.line}` : ''}: ` : '';
  const what: Record<FailureOutcome, string> = {
    'rolled-back': 'its transaction was rolled back',
    restored: 'the database was restored from the backup',
    'left-partial': 'the database may be partly changed (no restore)',
    'restore-failed': 'restoring the backup FAILED',
  };
  return `migration failed — ${where}${f.message} — ${what[f.outcome]}`;
}

async function handleFailure(
  err: unknown,
  executor: PlanExecutor,
  result: MigrateResult,
  options: MigrateOptions,
  mode: TransactionMode,
  log: Logger,
  afterSuccess = false,
): Promise<MigrationFailure> {
  if (err instanceof ConfigurationError) throw err;
  const sqlErr = err instanceof MigrationSqlError ? err : undefined;
  const failing = executor.current;
  const failure: MigrationFailure = {
    message: options.redact ? options.redact(errorMessage(err)) : errorMessage(err),
    version: failing?.version,
    file: sqlErr?.script.file ?? failing?.script.file,
    path: sqlErr?.script.path ?? failing?.script.path,
    line: sqlErr?.line,
    code: sqlErr?.code,
    outcome: 'rolled-back',
    undone: executor.inOpenTransaction.map((s) => s.version),
  };
  // A transactional file on PostgreSQL rolled back with its batch: it is undone too.
  if (failing && failing.transactional && result.engine === 'postgres' && !afterSuccess) failure.undone.push(failing.version);
  const restore = afterSuccess
    ? options.onFailure !== 'none'
    : shouldRestore(options.onFailure ?? 'auto', {
        engine: result.engine,
        failingTransactional: failing?.transactional ?? true,
        committedInRun: executor.committed.length,
        mode,
        startedFailingFile: failing !== undefined,
      });
  if (!restore) {
    const partial = result.engine === 'mysql' || (failing !== undefined && !failing.transactional);
    if (partial && !afterSuccess) {
      failure.outcome = 'left-partial';
      log.warning(
        `${failure.file ?? 'A migration'} failed and on-failure is "none": ${result.engine === 'mysql' ? 'MySQL commits DDL implicitly, so statements before the error stay applied' : 'it ran outside a transaction, so statements before the error stay applied'}. Restore ${result.backup?.path ?? 'a backup'} if needed.`,
      );
    }
    return failure;
  }
  if (!result.backup) {
    failure.outcome = 'left-partial';
    log.warning('A restore was due, but backup is off: the database may be partly changed.');
    return failure;
  }
  log.info(`Restoring ${result.backup.path} …`);
  try {
    const r = await restoreBackup(options.target, result.backup.path, {
      signal: options.signal,
      log,
      redact: options.redact,
      historyTable: options.historyTable,
    });
    log.info(`Restored the backup in ${formatDuration(r.durationMs)}.`);
    failure.outcome = 'restored';
    failure.undone = [...executor.committed.map((s) => s.version), ...failure.undone];
    if (failing && !failure.undone.includes(failing.version)) failure.undone.push(failing.version);
  } catch (restoreErr) {
    failure.outcome = 'restore-failed';
    failure.restoreError = errorMessage(restoreErr);
    log.error(`Restoring ${result.backup.path} failed: ${failure.restoreError}`);
  }
  return failure;
}

/** Executes the batches of a plan, keeping track of what is committed and what is in flight. */
class PlanExecutor {
  readonly committed: AppliedMigration[] = [];
  /** Steps run in the currently open transaction (undone if it rolls back). */
  inOpenTransaction: AppliedMigration[] = [];
  current?: PlanStep;
  private historyReady: boolean;
  private preludeDone = false;

  constructor(
    private readonly session: DatabaseSession,
    private readonly options: MigrateOptions,
    private readonly plan: MigrationPlan,
    historyExists: boolean,
    private readonly integerVersions: boolean,
    private readonly appliedBy: string,
    private readonly log: Logger,
  ) {
    this.historyReady = historyExists;
  }

  async run(): Promise<void> {
    if (this.plan.batches.length === 0) {
      await this.inTransaction([]);
      return;
    }
    if (this.session.engine === 'mysql') {
      await this.mysqlFiles(this.plan.steps);
      return;
    }
    for (const batch of this.plan.batches) {
      if (this.options.signal?.aborted) throw new OperationFailedError('cancelled before the next migration');
      if (batch.transactional) await this.inTransaction(batch.steps);
      else await this.alone(batch);
    }
  }

  /** History table, baseline row and checksum repairs, written with the first batch. */
  private async prelude(): Promise<void> {
    if (this.preludeDone) return;
    if (!this.historyReady) {
      await this.session.createHistory(this.integerVersions);
      this.historyReady = true;
    }
    if (this.plan.baseline) {
      await this.session.insertHistory([
        {
          version: this.plan.baseline,
          versionKey: versionSortKey(this.plan.baseline),
          name: BASELINE_NAME,
          checksum: null,
          executionMs: 0,
          appliedBy: this.appliedBy,
        },
      ]);
      this.log.info(`Baseline: the database is adopted at version ${this.plan.baseline}.`);
    }
    for (const c of this.plan.checksumUpdates) {
      await this.session.updateChecksum(c.version, c.current);
      this.log.warning(`${c.file} changed after it was applied; allow-changed is set, so its recorded checksum is updated.`, { file: c.path });
    }
    this.preludeDone = true;
  }

  private record(step: PlanStep, durationMs: number): AppliedMigration {
    return {
      version: step.version,
      name: step.name,
      file: step.script.file,
      path: step.script.path,
      direction: step.direction,
      transactional: step.transactional,
      statements: step.statementCount,
      durationMs,
    };
  }

  private historyRecord(a: AppliedMigration, checksum: string): HistoryRecord {
    return {
      version: a.version,
      versionKey: versionSortKey(a.version),
      name: a.name,
      checksum,
      executionMs: Math.round(a.durationMs),
      appliedBy: this.appliedBy,
    };
  }

  private async writeHistory(steps: readonly { step: PlanStep; applied: AppliedMigration }[]): Promise<void> {
    const ups = steps.filter((s) => s.step.direction === 'up');
    const downs = steps.filter((s) => s.step.direction === 'down');
    await this.session.insertHistory(ups.map((s) => this.historyRecord(s.applied, s.step.script.checksum)));
    await this.session.deleteHistory(downs.map((s) => s.step.version));
  }

  private async runStep(step: PlanStep, transactional: boolean): Promise<AppliedMigration> {
    this.current = step;
    const verb = step.direction === 'up' ? 'Applying' : 'Reverting';
    this.log.info(
      `${verb} ${step.script.file} (${step.statementCount} statement${step.statementCount === 1 ? '' : 's'}${transactional ? '' : ', outside a transaction'})`,
    );
    const t0 = performance.now();
    await this.session.runScript(step.script, transactional);
    return this.record(step, performance.now() - t0);
  }

  private async inTransaction(steps: readonly PlanStep[]): Promise<void> {
    await this.session.begin();
    const done: { step: PlanStep; applied: AppliedMigration }[] = [];
    try {
      await this.prelude();
      if (this.session.runScriptsPipelined && steps.length > 0) {
        await this.pipelined(steps, done);
      } else {
        for (const step of steps) {
          if (this.options.signal?.aborted) throw new OperationFailedError('cancelled before the next migration');
          const applied = await this.runStep(step, true);
          done.push({ step, applied });
          this.inOpenTransaction.push(applied);
        }
      }
      await this.writeHistory(done);
      await this.session.commit();
    } catch (err) {
      await this.session.rollback().catch(() => undefined);
      throw err;
    }
    this.committed.push(...this.inOpenTransaction);
    this.inOpenTransaction = [];
    this.current = undefined;
  }

  /**
   * MySQL/MariaDB commit DDL implicitly, so a batch transaction cannot hold: each file runs in its
   * own transaction (which still covers its DML), and its history row is written, marked dirty,
   * before it starts. A run that dies mid-file leaves that mark, and the next run stops on it
   * instead of guessing what MySQL kept.
   */
  private async mysqlFiles(steps: readonly PlanStep[]): Promise<void> {
    await this.prelude();
    for (const step of steps) {
      if (this.options.signal?.aborted) throw new OperationFailedError('cancelled before the next migration');
      this.current = step;
      const up = step.direction === 'up';
      if (up) await this.session.insertHistory([{ ...this.historyRecord(this.record(step, 0), step.script.checksum), dirty: true }]);
      else await this.session.setDirty(step.version, true);
      if (step.transactional) await this.session.begin();
      try {
        const applied = await this.runStep(step, step.transactional);
        if (up) await this.session.markClean(step.version, applied.durationMs);
        else await this.session.deleteHistory([step.version]);
        if (step.transactional) await this.session.commit();
        this.committed.push(applied);
      } catch (err) {
        if (step.transactional) await this.session.rollback().catch(() => undefined);
        // Still alive: the failure is reported (and the backup restored per on-failure), so the mark goes.
        if (up) await this.session.deleteHistory([step.version]).catch(() => undefined);
        else await this.session.setDirty(step.version, false).catch(() => undefined);
        throw err;
      }
    }
    this.current = undefined;
  }

  /** PostgreSQL: every statement of the batch on the wire at once, inside the one transaction. */
  private async pipelined(steps: readonly PlanStep[], done: { step: PlanStep; applied: AppliedMigration }[]): Promise<void> {
    this.log.info(
      steps
        .map(
          (step) =>
            `${step.direction === 'up' ? 'Applying' : 'Reverting'} ${step.script.file} (${step.statementCount} statement${step.statementCount === 1 ? '' : 's'})`,
        )
        .join('\n'),
    );
    this.current = steps[0];
    const outcome = await this.session.runScriptsPipelined!(steps.map((s) => s.script));
    outcome.durationsMs.forEach((ms, i) => {
      const applied = this.record(steps[i]!, ms);
      done.push({ step: steps[i]!, applied });
      this.inOpenTransaction.push(applied);
    });
    if (outcome.failedIndex !== undefined) {
      this.current = steps[outcome.failedIndex];
      throw outcome.error;
    }
  }

  private async alone(batch: PlanBatch): Promise<void> {
    await this.prelude();
    const step = batch.steps[0]!;
    const applied = await this.runStep(step, false);
    await this.writeHistory([{ step, applied }]);
    this.committed.push(applied);
    this.current = undefined;
  }
}
