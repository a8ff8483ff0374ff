/**
 * Restores that cannot destroy (migrate-db's restore on failure, rollback's `restore-backup`):
 * the dump must come from this database, the migrate-db lock is held throughout, a safety dump of
 * the current state is taken first, and the change itself is all-or-nothing where the engine
 * allows it (docs/decisions/0100-restores-that-cannot-destroy.md):
 * - PostgreSQL: the drops of objects the backup does not hold and the whole restore script run in
 *   ONE transaction (`psql --single-transaction`), so a failure anywhere leaves the database as it was;
 * - MySQL/MariaDB: the dump loads into a scratch database first; the tables then swap in with one
 *   `RENAME TABLE` (atomic), so every table is present at every moment; views, routines and
 *   triggers are recreated right after (briefly absent).
 * Once the lock is held the restore runs to its own deadline: the job's cancel signal is not honoured.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from '../exec/run.js';
import { ConfigurationError, OperationFailedError, errorMessage } from '../runtime/errors.js';
import { nullLogger, type Logger } from '../runtime/logger.js';
import { backupDatabase, backupListing, dumpDatabaseName, makePrivateDir, objectsMissingFromBackup, readEnds, toolError, verifyBackup } from './backup.js';
import { compressionOfPath, expandFile } from './backup-files.js';
import { openSession } from './connect.js';
import { acquireRunLock } from './lock.js';
import { DEFAULT_HISTORY_TABLE, resolveDefaultHistoryTable, type DatabaseObject, type DatabaseSession } from './session.js';
import { clientEnvironment, describeTarget, mysqlClientArgs, pgConnectionArgs, type DatabaseTarget } from './url.js';

export interface RestoreOptions {
  log?: Logger;
  /** Hides secrets in tool errors. */
  redact?: (text: string) => string;
  /** Empty: resolved as migrate-db resolves it (the lock is per history table). */
  historyTable?: string;
  /** Where the safety dump of the current state is written before anything changes. */
  safetyBackupDir: string;
  /** Restore a dump taken from another database (by name) anyway. */
  allowForeignBackup?: boolean;
  /** The caller's session already holds the migrate-db lock (the failure policy inside a run). */
  lockHeld?: boolean;
  /** How long to wait for the migrate-db lock (default 5 min). */
  lockTimeoutMs?: number;
  /** Cancels the wait for the lock only, before anything changed; the restore itself ignores it. */
  signal?: AbortSignal;
  /** The restore's own deadline (default 60 min). */
  timeoutMs?: number;
}

export interface RestoreResult {
  durationMs: number;
  /** Objects created after the backup that the restore dropped. */
  dropped: string[];
  /** The dump of the database as it was just before the restore. */
  safetyBackup: string;
  lockWaitMs: number;
}

/** A restore that failed after its safety dump was taken: the dump's path goes with the error. */
export class RestoreFailedError extends OperationFailedError {
  constructor(
    message: string,
    readonly safetyBackup: string,
  ) {
    super(message);
  }
}

/** A dump of another database is refused unless allow-foreign-backup says otherwise. */
export function checkBackupOrigin(target: DatabaseTarget, path: string, from: string | undefined, allowForeign: boolean): string | undefined {
  if (from === target.database) return undefined;
  const what = from === undefined ? 'does not say which database it was taken from' : `was taken from the database "${from}"`;
  if (allowForeign) return `The backup ${path} ${what}; restoring it into "${target.database}" because allow-foreign-backup is true.`;
  throw new ConfigurationError(
    `The backup ${path} ${what}, not from "${target.database}": restoring it would replace this database with another one. Check restore-backup and database-url, or set allow-foreign-backup: true if this is meant.`,
    { input: 'allow-foreign-backup' },
  );
}

export async function restoreBackup(target: DatabaseTarget, path: string, options: RestoreOptions): Promise<RestoreResult> {
  if (compressionOfPath(path) === 'none') return restorePlain(target, path, options);
  const plain = await expandFile(path);
  try {
    return await restorePlain(target, plain, options);
  } finally {
    rmSync(plain, { force: true });
  }
}

async function restorePlain(target: DatabaseTarget, path: string, options: RestoreOptions): Promise<RestoreResult> {
  const redact = options.redact ?? ((t: string) => t);
  const log = options.log ?? nullLogger;
  const timeoutMs = options.timeoutMs ?? 60 * 60_000;
  const started = performance.now();
  // Everything about the dump is checked before anything connects.
  await verifyBackup(target, path, { redact, timeoutMs, signal: options.signal });
  const listing = await backupListing(target, path, { redact, signal: options.signal });
  const from = dumpDatabaseName(target.engine, target.engine === 'postgres' ? listing : readEnds(path).head);
  const foreign = checkBackupOrigin(target, path, from, options.allowForeignBackup ?? false);
  if (foreign) log.warning(foreign);
  const session = await openSession(target, {
    historyTable: options.historyTable ?? DEFAULT_HISTORY_TABLE,
    connectTimeoutMs: 10_000,
    label: 'deploy-kit restore',
    signal: options.signal,
  });
  let locked = false;
  try {
    if (!options.historyTable) session.useHistoryTable((await resolveDefaultHistoryTable(session)).table);
    let lockWaitMs = 0;
    if (!options.lockHeld) {
      lockWaitMs = await acquireRunLock(session, { timeoutMs: options.lockTimeoutMs ?? 300_000, signal: options.signal, log, what: describeTarget(target) });
      locked = true;
    }
    if (options.signal?.aborted) throw new OperationFailedError('cancelled before the restore began; nothing was changed');
    log.info(`Taking a safety dump of ${describeTarget(target)} as it is now …`);
    const safety = await backupDatabase(target, options.safetyBackupDir, { label: 'before-restore', log, redact, timeoutMs });
    log.info(`Safety dump ${safety.path} written and read back; restoring ${path} …`);
    const tools: ToolRun = { target, path, redact, timeoutMs, workDir: options.safetyBackupDir };
    let dropped: string[];
    try {
      dropped =
        target.engine === 'postgres'
          ? await restorePostgres(tools, objectsMissingFromBackup(await session.listObjects(), listing, 'postgres'))
          : await restoreMysql(tools, session, log);
    } catch (err) {
      if (err instanceof ConfigurationError) throw err;
      throw new RestoreFailedError(`${errorMessage(err)}\nThe state before the restore is kept in ${safety.path}.`, safety.path);
    }
    if (dropped.length > 0) log.info(`Dropped ${dropped.length} object(s) the backup does not hold: ${dropped.join(', ')}`);
    return { durationMs: performance.now() - started, dropped, safetyBackup: safety.path, lockWaitMs };
  } finally {
    if (locked) await session.unlock().catch(() => undefined);
    await session.close();
  }
}

interface ToolRun {
  target: DatabaseTarget;
  path: string;
  redact: (text: string) => string;
  timeoutMs: number;
  /** Private scratch files (the restore script) go under here. */
  workDir: string;
}

function describeObject(o: DatabaseObject): string {
  return `${o.kind} ${o.schema && o.schema !== '-' ? `${o.schema}.` : ''}${o.name}`;
}

/** Drops and the whole restore script through one psql session in one transaction: all or nothing. */
async function restorePostgres(run: ToolRun, extra: DatabaseObject[]): Promise<string[]> {
  makePrivateDir(run.workDir);
  const work = mkdtempSync(join(run.workDir, '.restore-'));
  const env = clientEnvironment(run.target);
  try {
    const drops = join(work, 'drops.sql');
    writeFileSync(drops, extra.map((o) => `${o.drop};\n`).join(''), { mode: 0o600 });
    const script = join(work, 'restore.sql');
    closeSync(openSync(script, 'wx', 0o600));
    try {
      await runProgram('pg_restore', ['--clean', '--if-exists', `--file=${script}`, run.path], { env, timeoutMs: run.timeoutMs, redact: run.redact });
      await runProgram(
        'psql',
        [
          ...pgConnectionArgs(run.target, 'deploy-kit restore'),
          '--no-psqlrc',
          '--quiet',
          '--set=ON_ERROR_STOP=1',
          '--single-transaction',
          '--output=/dev/null',
          `--file=${drops}`,
          `--file=${script}`,
        ],
        { env, timeoutMs: run.timeoutMs, redact: run.redact },
      );
    } catch (err) {
      throw new OperationFailedError(
        `${toolError(err, `restoring ${run.path}`, run.redact).message}\nThe restore ran in one transaction, which was rolled back: the database is as it was before.`,
      );
    }
    return extra.map(describeObject);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const lit = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

interface MysqlObjects {
  tables: string[];
  views: string[];
  routines: { kind: string; name: string }[];
  triggers: string[];
}

async function mysqlObjects(session: DatabaseSession, schema: string): Promise<MysqlObjects> {
  const rels = await session.select<{ t: string; n: string }>(
    `SELECT TABLE_TYPE AS t, TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${lit(schema)} ORDER BY TABLE_NAME`,
  );
  const routines = await session.select<{ kind: string; name: string }>(
    `SELECT ROUTINE_TYPE AS kind, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${lit(schema)} ORDER BY ROUTINE_NAME`,
  );
  const triggers = await session.select<{ n: string }>(
    `SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${lit(schema)} ORDER BY ACTION_ORDER`,
  );
  return {
    tables: rels.filter((r) => r.t !== 'VIEW' && r.t !== 'SYSTEM VIEW').map((r) => r.n),
    views: rels.filter((r) => r.t === 'VIEW').map((r) => r.n),
    routines,
    triggers: triggers.map((r) => r.n),
  };
}

/** `CREATE …` statements with the sql_mode each was defined under. */
interface Definition {
  sqlMode: string;
  sql: string;
}

async function showCreate(session: DatabaseSession, kind: string, schema: string, name: string): Promise<Definition> {
  const [row] = await session.select<Record<string, string>>(`SHOW CREATE ${kind} ${q(schema)}.${q(name)}`);
  const sql = row?.['Create View'] ?? row?.['SQL Original Statement'] ?? row?.['Create Procedure'] ?? row?.['Create Function'];
  if (!row || !sql) throw new OperationFailedError(`cannot read the definition of ${kind} ${name} from the restored dump`);
  return { sqlMode: row.sql_mode ?? '', sql };
}

/**
 * MySQL has no transactional DDL: the dump (on stdin, never `source <path>`) loads into a scratch
 * database, then one RENAME TABLE swaps every table in (the replaced ones go to a second scratch
 * database, dropped at the end), then views, routines and triggers are recreated.
 */
async function restoreMysql(run: ToolRun, session: DatabaseSession, log: Logger): Promise<string[]> {
  const db = run.target.database;
  const suffix = randomBytes(4).toString('hex');
  const scratch = `dk_restore_${suffix}`;
  const replaced = `dk_replaced_${suffix}`;
  try {
    await session.execute(`CREATE DATABASE ${q(scratch)}`);
  } catch (err) {
    throw new ConfigurationError(
      `restoring on MySQL/MariaDB loads the dump into a scratch database first (so no table is ever missing), but ${run.target.user} cannot create one: ${errorMessage(err)}. Grant it CREATE and DROP on \`dk\\_restore\\_%\` and \`dk\\_replaced\\_%\`.`,
      { input: 'database-url' },
    );
  }
  try {
    await session.execute(`CREATE DATABASE ${q(replaced)}`);
    try {
      await runProgram('mysql', [...mysqlClientArgs(run.target), '--connect-timeout=10', '--batch', scratch], {
        env: clientEnvironment(run.target),
        inputFile: run.path,
        timeoutMs: run.timeoutMs,
        redact: run.redact,
      });
    } catch (err) {
      throw new OperationFailedError(
        `${toolError(err, `loading ${run.path}`, run.redact).message}\nIt was loading into a scratch database: ${db} is unchanged.`,
      );
    }
    const fresh = await mysqlObjects(session, scratch);
    const current = await mysqlObjects(session, db);
    const views = await Promise.all(fresh.views.map((v) => showCreate(session, 'VIEW', scratch, v)));
    const routines = await Promise.all(fresh.routines.map((r) => showCreate(session, r.kind, scratch, r.name)));
    const triggers = await Promise.all(fresh.triggers.map((t) => showCreate(session, 'TRIGGER', scratch, t)));
    // A table with triggers cannot move to another database: they go first and come back after.
    for (const t of fresh.triggers) await session.execute(`DROP TRIGGER ${q(scratch)}.${q(t)}`);
    for (const t of current.triggers) await session.execute(`DROP TRIGGER ${q(db)}.${q(t)}`);
    const pairs = [
      ...current.tables.map((t) => `${q(db)}.${q(t)} TO ${q(replaced)}.${q(t)}`),
      ...fresh.tables.map((t) => `${q(scratch)}.${q(t)} TO ${q(db)}.${q(t)}`),
    ];
    if (pairs.length > 0) await session.execute(`RENAME TABLE ${pairs.join(', ')}`);
    for (const v of current.views) await session.execute(`DROP VIEW IF EXISTS ${q(db)}.${q(v)}`);
    for (const r of current.routines) await session.execute(`DROP ${r.kind} IF EXISTS ${q(db)}.${q(r.name)}`);
    const scratchPrefix = new RegExp(`${q(scratch).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`, 'g');
    await createAll(session, [...views.map((v) => ({ ...v, sql: v.sql.replace(scratchPrefix, '') })), ...routines, ...triggers]);
    return [
      ...current.tables.filter((t) => !fresh.tables.includes(t)).map((t) => `TABLE ${t}`),
      ...current.views.filter((v) => !fresh.views.includes(v)).map((v) => `VIEW ${v}`),
      ...current.routines.filter((r) => !fresh.routines.some((f) => f.name === r.name && f.kind === r.kind)).map((r) => `${r.kind} ${r.name}`),
    ];
  } finally {
    for (const d of [scratch, replaced]) {
      await session
        .execute(`DROP DATABASE IF EXISTS ${q(d)}`)
        .catch((err: unknown) => log.warning(`Could not drop the scratch database ${d}: ${errorMessage(err)}`));
    }
  }
}

/** Creates definitions in the target; a view over a view not yet created is retried after the others. */
async function createAll(session: DatabaseSession, defs: Definition[]): Promise<void> {
  let pending = defs;
  while (pending.length > 0) {
    const failed: { def: Definition; err: unknown }[] = [];
    for (const def of pending) {
      try {
        await session.execute(`SET SESSION sql_mode = ${lit(def.sqlMode)}`);
        await session.execute(def.sql);
      } catch (err) {
        failed.push({ def, err });
      }
    }
    if (failed.length === pending.length)
      throw new OperationFailedError(`recreating ${failed[0]!.def.sql.slice(0, 80)}… failed: ${errorMessage(failed[0]!.err)}`);
    pending = failed.map((f) => f.def);
  }
}
