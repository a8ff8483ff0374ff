/**
 * What the engine needs from a database, implemented for PostgreSQL (`pg`) and MySQL/MariaDB
 * (`mysql2`), plus the pure helpers both share: history table naming, lock names, connect retry.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import type { MigrationScript } from './files.js';
import type { HistoryRow } from './plan.js';
import type { DatabaseTarget, Engine } from './url.js';
import type { Version } from './version.js';
import { socketErrorWords } from '../util/socket-errors.js';
import { sleep } from '../util/sleep.js';

export interface HistoryRecord {
  version: Version;
  versionKey: string;
  name: string;
  checksum: string | null;
  executionMs: number;
  appliedBy: string;
  /** Written before a MySQL file runs and cleared when it committed. */
  dirty?: boolean;
}

export interface RepeatableRecord {
  name: string;
  checksum: string;
  executionMs: number;
  appliedBy: string;
}

export interface HistoryShape {
  exists: boolean;
  /** The version column is an integer type (BIGINT): dotted versions cannot be recorded. */
  integerVersions: boolean;
  /** The table's columns (lower case), when it exists. */
  columns: string[];
}

/** deploy-kit's own name: golang-migrate (and Rails) use `schema_migrations`. */
export const DEFAULT_HISTORY_TABLE = 'deploy_kit_migrations';
/** The default of deploy-kit before 2026-12: a database migrated then keeps its table under this name. */
export const LEGACY_HISTORY_TABLE = 'schema_migrations';

export const HISTORY_COLUMNS = ['version', 'version_key', 'name', 'checksum', 'applied_at', 'execution_ms', 'applied_by', 'dirty'] as const;

/**
 * A table of that name that is not ours (golang-migrate's `schema_migrations (version, dirty)`,
 * Rails' `schema_migrations (version)`) must not be read as our history nor written to.
 */
export function checkHistoryShape(shape: HistoryShape, table: string): void {
  if (!shape.exists) return;
  const missing = HISTORY_COLUMNS.filter((c) => !shape.columns.includes(c));
  if (missing.length === 0) return;
  const hint = shape.columns.includes('dirty') && !shape.columns.includes('version_key') ? " (it looks like golang-migrate's)" : '';
  throw new ConfigurationError(
    `history-table: ${table} exists but is not a deploy-kit history table${hint}: it has columns ${shape.columns.join(', ')} and lacks ${missing.join(', ')}. Give another history-table (e.g. deploy_kit_migrations) and baseline-version set to the version this database is at.`,
    { input: 'history-table' },
  );
}

/** A deploy-kit history table has all of HISTORY_COLUMNS. */
export function isDeployKitHistory(shape: HistoryShape): boolean {
  return shape.exists && HISTORY_COLUMNS.every((c) => shape.columns.includes(c));
}

/**
 * The history table when history-table is not given: deploy_kit_migrations, unless only the old
 * default schema_migrations exists with deploy-kit's columns (a database migrated by an older
 * deploy-kit), which is then kept.
 */
export async function resolveDefaultHistoryTable(session: DatabaseSession): Promise<{ table: string; legacy: boolean }> {
  if ((await session.tableShape(DEFAULT_HISTORY_TABLE)).exists) return { table: DEFAULT_HISTORY_TABLE, legacy: false };
  if (isDeployKitHistory(await session.tableShape(LEGACY_HISTORY_TABLE))) return { table: LEGACY_HISTORY_TABLE, legacy: true };
  return { table: DEFAULT_HISTORY_TABLE, legacy: false };
}

/** A database object outside the system schemas, as the restore step sees it. */
export interface DatabaseObject {
  kind: string;
  schema: string;
  name: string;
  /** SQL that drops it (and what depends on it). */
  drop: string;
}

export interface DatabaseSession {
  readonly engine: Engine;
  /** e.g. `15.18` or `10.11.19-MariaDB`. */
  readonly serverVersion: string;
  /** One attempt at the run lock, outside any transaction; true when this session now holds it. */
  tryLock(): Promise<boolean>;
  unlock(): Promise<void>;
  /** Who holds the run lock, in words, when the server can tell. */
  lockHolder(): Promise<string | undefined>;
  historyShape(): Promise<HistoryShape>;
  /** The shape of another table (e.g. golang-migrate's or Flyway's history), by its plain name. */
  tableShape(table: string): Promise<HistoryShape>;
  /** Switches the history table (and the lock with it) before the lock is taken. */
  useHistoryTable(table: string): void;
  /** A read-only query's rows (reading another tool's history). */
  select<T>(sql: string): Promise<T[]>;
  createHistory(integerVersions: boolean): Promise<void>;
  readHistory(): Promise<HistoryRow[]>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Runs a migration file; a database error becomes a MigrationSqlError naming the file's line. */
  runScript(script: MigrationScript, transactional: boolean): Promise<void>;
  /**
   * Runs several files inside the open transaction with their statements pipelined (sent without
   * waiting for each answer), where the driver can. Returns each file's duration (from the
   * completion of the previous one), or the index of the first failing file and its error.
   */
  runScriptsPipelined?(scripts: readonly MigrationScript[]): Promise<PipelinedOutcome>;
  insertHistory(rows: readonly HistoryRecord[]): Promise<void>;
  deleteHistory(versions: readonly Version[]): Promise<void>;
  /** Clears the dirty mark of a row once its file committed, recording how long it took. */
  markClean(version: Version, executionMs: number): Promise<void>;
  /** Marks an applied row dirty (a down file is about to run on MySQL) or clean again. */
  setDirty(version: Version, dirty: boolean): Promise<void>;
  updateChecksum(version: Version, checksum: string): Promise<void>;
  /** Repeatable (`R__`) files last applied: file name → checksum (empty when their table is absent). */
  readRepeatables(): Promise<Map<string, string>>;
  /** Creates the repeatables' table (`<history-table>_repeatables`) if absent. */
  createRepeatables(): Promise<void>;
  /** Records repeatable files as applied with these checksums (insert or update). */
  recordRepeatables(rows: readonly RepeatableRecord[]): Promise<void>;
  /** The seeds' verify query: the highest version in the history table. */
  currentVersion(): Promise<Version | undefined>;
  /** Objects in the user's schemas (for the restore step to drop what the backup does not hold). */
  listObjects(): Promise<DatabaseObject[]>;
  execute(sql: string): Promise<void>;
  close(): Promise<void>;
  /** Drops the connection at once (cancel): the server rolls back the open transaction and frees the lock. */
  abort(): void;
}

export interface PipelinedOutcome {
  durationsMs: number[];
  failedIndex?: number;
  error?: unknown;
}

export interface SessionOptions {
  historyTable: string;
  connectTimeoutMs: number;
  /** Shown to other sessions as who holds the lock (application_name / program_name). */
  label: string;
  signal?: AbortSignal;
  /** Limits for the migrations' own statements (0: none); unset: the server's defaults. */
  limits?: StatementLimits;
}

export interface StatementLimits {
  /** How long a statement may wait for a lock (PostgreSQL lock_timeout; MySQL lock_wait_timeout and innodb_lock_wait_timeout). */
  lockTimeoutMs: number;
  /** How long a statement may run (PostgreSQL statement_timeout; MariaDB max_statement_time; MySQL max_execution_time, SELECTs only). */
  statementTimeoutMs: number;
}

/** The SET statements for `limits` on this server (version text tells MariaDB from MySQL). */
export function statementLimitSql(engine: Engine, serverVersion: string, limits: StatementLimits): string[] {
  if (engine === 'postgres')
    return [`SET lock_timeout = '${Math.round(limits.lockTimeoutMs)}ms'`, `SET statement_timeout = '${Math.round(limits.statementTimeoutMs)}ms'`];
  // MySQL counts lock waits in whole seconds (1 at least); 0 means "no limit" only for the statement time.
  const lockSeconds = limits.lockTimeoutMs === 0 ? 31_536_000 : Math.max(1, Math.ceil(limits.lockTimeoutMs / 1000));
  const lock = [`SET SESSION lock_wait_timeout = ${lockSeconds}`, `SET SESSION innodb_lock_wait_timeout = ${Math.min(lockSeconds, 1_073_741_824)}`];
  if (/mariadb/i.test(serverVersion)) return [...lock, `SET SESSION max_statement_time = ${limits.statementTimeoutMs / 1000}`];
  return [...lock, `SET SESSION max_execution_time = ${Math.round(limits.statementTimeoutMs)}`];
}

/** A SQL error inside a migration file, mapped to the file's line. */
export class MigrationSqlError extends Error {
  override name = 'MigrationSqlError';
  constructor(
    message: string,
    readonly script: MigrationScript,
    readonly line: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface TableName {
  schema?: string;
  table: string;
}

/** `schema_migrations` or `app.schema_migrations`: plain identifiers only, so quoting is exact. */
export function parseHistoryTable(text: string): TableName {
  const parts = text.trim().split('.');
  if (parts.length > 2 || parts.some((p) => !IDENT.test(p))) {
    throw new ConfigurationError(
      `history-table is "${text}": give a table name (letters, digits, _; at most 63 characters), optionally schema-qualified like app.schema_migrations.`,
      { input: 'history-table' },
    );
  }
  return parts.length === 2 ? { schema: parts[0], table: parts[1]! } : { table: parts[0]! };
}

/** The repeatable files' table beside the history table: `<table>_repeatables` (63 characters at most). */
export function repeatablesTable(t: TableName): TableName {
  const suffix = '_repeatables';
  return { schema: t.schema, table: `${t.table.slice(0, 63 - suffix.length)}${suffix}` };
}

export function quoteTable(t: TableName, engine: Engine): string {
  const q = engine === 'postgres' ? (s: string) => `"${s}"` : (s: string) => `\`${s}\``;
  return t.schema ? `${q(t.schema)}.${q(t.table)}` : q(t.table);
}

/**
 * The history table as the lock names it: always schema-qualified (the session's current schema, or
 * the MySQL database, filling in an unqualified name), so `t` and `public.t` are one lock.
 */
export function historyLockName(t: TableName, defaultSchema: string): string {
  return `${t.schema ?? defaultSchema}.${t.table}`;
}

/** A signed 64-bit advisory lock key from the history table's name (one run at a time per table). */
export function advisoryLockKey(historyTable: string): bigint {
  const digest = createHash('sha256').update(`deploy-kit:migrate-db:${historyTable}`).digest();
  return digest.readBigInt64BE(0);
}

/** A MySQL GET_LOCK name (at most 64 characters), per history table (`historyLockName`: `db.table`). */
export function mysqlLockName(qualifiedTable: string): string {
  const name = `deploy-kit:${qualifiedTable}`;
  if (name.length <= 64) return name;
  return `deploy-kit:${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
}

/** Delay before the next connect attempt: 250 ms doubling to 2 s, never past the deadline. */
export function connectRetryDelay(attempt: number, remainingMs: number): number {
  return Math.max(0, Math.min(250 * 2 ** attempt, 2000, remainingMs));
}

export type ConnectFailure = { kind: 'retry' | 'fatal'; reason: string; error: unknown };

/**
 * Connects with retries until the deadline: a refused or timed-out connection is retried (the
 * database may be starting); a login or unknown-database error fails at once.
 */
export async function connectWithRetry<T>(
  target: DatabaseTarget,
  timeoutMs: number,
  attempt: (remainingMs: number) => Promise<T>,
  classify: (err: unknown) => ConnectFailure,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastReason = '';
  for (let i = 0; ; i++) {
    if (signal?.aborted) throw new OperationFailedError('cancelled while connecting to the database');
    const remaining = deadline - Date.now();
    try {
      return await attempt(Math.max(1000, remaining));
    } catch (err) {
      const failure = classify(err);
      if (failure.kind === 'fatal') {
        throw new ConfigurationError(`database-url: ${describeEngine(target.engine)} at ${target.address} refused the connection: ${failure.reason}.`, {
          input: 'database-url',
        });
      }
      lastReason = failure.reason;
    }
    const wait = connectRetryDelay(i, deadline - Date.now());
    if (wait <= 0) break;
    await sleep(wait, signal, { resolveOnAbort: true });
  }
  throw new OperationFailedError(
    `cannot reach ${target.address} after ${Math.round(timeoutMs / 1000)} s (${lastReason}). Check the host and port in database-url, and that the database accepts connections from this runner.`,
  );
}

/** Runs a new session's set-up queries; closes it when they fail. */
export async function initialised<T extends { init(): Promise<void>; close(): Promise<void> }>(session: T): Promise<T> {
  try {
    await session.init();
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}

export function describeEngine(engine: Engine): string {
  return engine === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB';
}

/**
 * A server certificate that does not verify is the configuration's problem, not a network blip:
 * no retry, and words that say what to check.
 */
export function certificateFailure(err: unknown): ConnectFailure | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  const byCode = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/i.test(e?.code ?? '');
  if (!byCode && !/certificate|self-signed/i.test(e?.message ?? '')) return undefined;
  return {
    kind: 'fatal',
    reason: `the server's TLS certificate does not verify: ${e?.message ?? e?.code} (check sslrootcert / ssl-ca names the CA that signed it, and that the host in the URL is a name in the certificate)`,
    error: err,
  };
}

/** Plain words for a socket error code. */
export function networkReason(err: unknown): string | undefined {
  return socketErrorWords((err as { code?: string } | undefined)?.code);
}
