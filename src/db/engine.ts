/**
 * The migration engine's orchestration: connect, lock, read the history, plan, back up, hand the
 * plan to the executor (executor.ts), read the version back, and on failure apply the failure
 * policy (failure-policy.ts). Free of @actions/core: the migrate-db action and the rollback action
 * both drive it.
 */
import { hostname, userInfo } from 'node:os';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import { nullLogger, type Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import { backupDatabase, checkDumpToolVersion, toolVersion, type BackupResult } from './backup.js';
import type { BackupCompression, Retention } from './backup-files.js';
import { openSession } from './connect.js';
import { PlanExecutor, type AppliedMigration } from './executor.js';
import { failureHeadline, handleFailure, type FailureContext, type MigrationFailure, type OnFailure } from './failure-policy.js';
import type { Migration, RepeatableMigration } from './files.js';
import { readForeignHistory, type ForeignTool, type ImportHistory } from './import-history.js';
import { acquireRunLock } from './lock.js';
import { checkExpectedVersion, planMigrations, type HistoryRow, type MigrationPlan, type TransactionMode } from './plan.js';
import { checkHistoryShape, DEFAULT_HISTORY_TABLE, resolveDefaultHistoryTable, type DatabaseSession, type StatementLimits } from './session.js';
import { describeTarget, type DatabaseTarget, type Engine } from './url.js';
import { allIntegerVersions, compareVersions, type Version } from './version.js';

/**
 * An ALTER queued behind a long query holds up every query on its table while it waits: give up
 * after 10 s rather than block the table's traffic; a migration statement may run 15 minutes.
 */
export const DEFAULT_STATEMENT_LIMITS: StatementLimits = { lockTimeoutMs: 10_000, statementTimeoutMs: 15 * 60_000 };

export interface MigrateOptions {
  target: DatabaseTarget;
  migrations: readonly Migration[];
  /** Empty: deploy_kit_migrations, or schema_migrations where an older deploy-kit left its history there. */
  historyTable?: string;
  /** Flyway `R__` files. */
  repeatables?: readonly RepeatableMigration[];
  /** Read golang-migrate's or Flyway's history on the first run (default auto). */
  importHistory?: ImportHistory;
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
  /** Default none (the migrate-db action's input defaults to auto). */
  backupCompression?: BackupCompression;
  /** Older backups of the database to remove after a new one is taken (default: keep all). */
  backupRetention?: Retention;
  onFailure?: OnFailure;
  lockTimeoutMs?: number;
  /** lock_timeout / statement_timeout for the migrations' statements (default DEFAULT_STATEMENT_LIMITS). */
  statementLimits?: StatementLimits;
  connectTimeoutMs?: number;
  /** Recorded in the history (the run URL on GitHub). */
  appliedBy?: string;
  log?: Logger;
  signal?: AbortSignal;
  redact?: (text: string) => string;
  /** Called with the backup once it is written and read back, before anything is applied (e.g. to upload it). */
  onBackup?: (backup: BackupResult) => Promise<void>;
  /** Called with the plan once it is known, before anything is backed up or applied. */
  onPlan?: (plan: MigrationPlan, engine: Engine) => void;
}

export interface MigrateResult {
  dryRun: boolean;
  engine: Engine;
  serverVersion: string;
  database: string;
  /** The history table used (resolved when history-table was not given). */
  historyTable: string;
  /** Another tool's history imported on this run. */
  imported?: { tool: ForeignTool; table: string; versions: number; repeatables: number };
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
  let historyTable = options.historyTable ?? DEFAULT_HISTORY_TABLE;
  const mode = options.transactionMode ?? 'all';
  const appliedBy = options.appliedBy ?? defaultAppliedBy();
  const wantBackup = options.backup ?? true;
  if (wantBackup && !options.dryRun && !options.backupDir) throw new ConfigurationError('backup-dir is required when backup is on.', { input: 'backup-dir' });
  const session = await openSession(target, {
    historyTable,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    label: `deploy-kit migrate-db ${appliedBy}`,
    signal: options.signal,
    limits: options.statementLimits ?? DEFAULT_STATEMENT_LIMITS,
  });
  const onAbort = (): void => session.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let locked = false;
  let result: MigrateResult | undefined;
  try {
    if (!options.historyTable) {
      const resolved = await resolveDefaultHistoryTable(session);
      if (resolved.legacy) {
        log.notice(
          `Using the history table ${resolved.table}, which an earlier deploy-kit created under its old default name (the default is now ${DEFAULT_HISTORY_TABLE}). Set history-table: ${resolved.table} to say so and silence this note.`,
        );
      }
      historyTable = resolved.table;
      session.useHistoryTable(historyTable);
    }
    let lockWaitMs = 0;
    if (!options.dryRun) {
      lockWaitMs = await acquireRunLock(session, { timeoutMs: options.lockTimeoutMs ?? 300_000, signal: options.signal, log, what: describeTarget(target) });
      locked = true;
    }
    const shape = await session.historyShape();
    checkHistoryShape(shape, historyTable);
    let history: HistoryRow[] = shape.exists ? await session.readHistory() : [];
    const repeatables = options.repeatables ?? [];
    let repeatableHistory = repeatables.length > 0 ? await session.readRepeatables() : new Map<string, string>();
    // Adopting a database another tool migrated: its history becomes ours, written with the first batch.
    const imported =
      history.length === 0
        ? await readForeignHistory(
            session,
            options.importHistory ?? 'auto',
            { migrations: options.migrations, repeatables },
            { allowChanged: options.allowChanged },
          )
        : undefined;
    if (imported) {
      history = imported.rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedBy: r.appliedBy }));
      repeatableHistory = new Map(imported.repeatables.map((r) => [r.name, r.checksum]));
      log.info(`${imported.table} (${imported.tool}) found: importing ${imported.rows.length} applied version(s) into ${historyTable}.`);
    }
    const plan = planMigrations(options.migrations, history, {
      toVersion: options.toVersion,
      allowDown: options.allowDown,
      allowChanged: options.allowChanged,
      baselineVersion: options.baselineVersion,
      transactionMode: mode,
      repeatables,
      repeatableHistory,
    });
    checkExpectedVersion(plan, options.expectVersion);
    const integerVersions = allIntegerVersions([...options.migrations.map((m) => m.version), ...(plan.baseline ? [plan.baseline] : [])]);
    if (shape.exists && shape.integerVersions) checkIntegerVersions(plan, historyTable);
    options.onPlan?.(plan, target.engine);
    for (const v of plan.unknownApplied) log.warning(`Version ${v} is in ${historyTable} but has no migration file here (applied by a newer release?).`);
    const run: MigrateResult = {
      dryRun: options.dryRun ?? false,
      engine: target.engine,
      serverVersion: session.serverVersion,
      database: describeTarget(target),
      historyTable,
      plan,
      applied: [],
      previousVersion: plan.previousVersion,
      currentVersion: plan.previousVersion,
      pendingCount: plan.steps.length,
      lockWaitMs,
      durationMs: 0,
    };
    result = run;
    if (imported) run.imported = { tool: imported.tool, table: imported.table, versions: imported.rows.length, repeatables: imported.repeatables.length };
    const nothingToWrite = plan.steps.length === 0 && !plan.baseline && plan.checksumUpdates.length === 0 && !imported;
    if (options.dryRun || nothingToWrite) return run;

    if (wantBackup && plan.steps.length > 0) {
      run.backup = await takeBackup(session, options, log);
      await options.onBackup?.(run.backup);
    }

    const executor = new PlanExecutor(session, plan, { historyExists: shape.exists, integerVersions, appliedBy, log, signal: options.signal, imported });
    const policy: FailureContext = {
      target,
      engine: target.engine,
      backup: run.backup,
      backupDir: options.backupDir,
      onFailure: options.onFailure ?? 'auto',
      mode,
      historyTable,
      log,
      signal: options.signal,
      redact: options.redact,
    };
    try {
      await executor.run();
    } catch (err) {
      run.applied = executor.committed;
      run.failure = await handleFailure(err, executor, policy);
      // Read after the policy ran: a restore changes it.
      run.currentVersion = await session.currentVersion().catch(() => undefined);
      if (run.failure.outcome === 'restored') run.applied = [];
      throw new MigrationFailedError(failureHeadline(run.failure), run);
    }
    run.applied = executor.committed;
    // The seeds' verify step: read the version back from the database.
    run.currentVersion = await session.currentVersion();
    if (options.expectVersion !== undefined && (run.currentVersion === undefined || compareVersions(run.currentVersion, options.expectVersion) !== 0)) {
      const err = new OperationFailedError(
        `expect-version is ${options.expectVersion} but the database reports ${run.currentVersion ?? 'no version'} after the run`,
      );
      run.failure = await handleFailure(err, executor, policy, true);
      throw new MigrationFailedError(failureHeadline(run.failure), run);
    }
    return run;
  } finally {
    // The one exit sequence, for every path: the duration, the lock, the session.
    if (result) result.durationMs = performance.now() - started;
    // Closing the session releases the lock too; an explicit unlock keeps a reused session honest.
    if (locked) await session.unlock().catch(() => undefined);
    options.signal?.removeEventListener('abort', onAbort);
    await session.close();
  }
}

/** Runs to a version: up, or down with allowDown (the rollback action's entry point). */
export function migrateTo(version: Version, options: Omit<MigrateOptions, 'toVersion'>): Promise<MigrateResult> {
  return applyMigrations({ ...options, toVersion: version });
}

/** A dotted version cannot be recorded in a table whose version column is BIGINT. */
function checkIntegerVersions(plan: MigrationPlan, historyTable: string): void {
  const dotted = plan.steps.find((s) => !s.repeatable && !/^\d+$/.test(s.version));
  if (!dotted) return;
  throw new ConfigurationError(
    `${dotted.script.file}: version ${dotted.version} is dotted, but ${historyTable} stores integer versions (its version column is BIGINT). Use an integer version.`,
    { input: 'migrations', file: dotted.script.path },
  );
}

/** pg_dump must not be older than the server; the dump is read back before anything runs. */
async function takeBackup(session: DatabaseSession, options: MigrateOptions, log: Logger): Promise<BackupResult> {
  const target = options.target;
  if (target.engine === 'postgres') checkDumpToolVersion(await toolVersion('pg_dump'), session.serverVersion);
  else await toolVersion('mysqldump');
  log.info(`Backing up ${describeTarget(target)} into ${options.backupDir} …`);
  const backup = await backupDatabase(target, options.backupDir!, {
    signal: options.signal,
    log,
    redact: options.redact,
    compression: options.backupCompression,
    retention: options.backupRetention,
  });
  log.info(`Backup ${backup.path} (${backup.bytes} bytes, ${backup.entries} entries) written and read back in ${formatDuration(backup.durationMs)}.`);
  return backup;
}
