/**
 * Backups before a migration and restores after a failed one: `pg_dump -Fc` / `pg_restore`,
 * `mysqldump --single-transaction` / `mysql`. Programs run through src/exec with argument arrays;
 * the password travels in PGPASSWORD / MYSQL_PWD, never on a command line.
 */
import { accessSync, chmodSync, closeSync, constants, createReadStream, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  compressFile,
  compressionOfPath,
  pgDumpCompressArg,
  pruneBackups,
  sqlCompression,
  zstdPresent,
  type BackupCompression,
  type Retention,
} from './backup-files.js';
import { dirname, join, resolve } from 'node:path';
import { ExecError, runProgram } from '../exec/run.js';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { type DatabaseObject } from './session.js';
import { clientEnvironment, mysqlClientArgs, pgConnectionArgs, type DatabaseTarget } from './url.js';

export interface BackupResult {
  path: string;
  bytes: number;
  durationMs: number;
  /** Objects the backup holds (tables, views, functions…), as the verification counted them. */
  entries: number;
  /** Older backups of this database that backup-retention removed. */
  pruned: string[];
}

export interface BackupOptions extends ToolOptions {
  compression?: BackupCompression;
  retention?: Retention;
  /** Put after the database name in the file name (`app-before-restore-…`): such files are outside backup-retention. */
  label?: string;
}

export interface ToolOptions {
  signal?: AbortSignal;
  log?: Logger;
  /** Redacts secrets from tool errors. */
  redact?: (text: string) => string;
  timeoutMs?: number;
}

/** `app-20261128T093000Z.dump` (PostgreSQL custom format) or `.sql` (mysqldump); safe file characters only. */
export function backupFileName(database: string, engine: DatabaseTarget['engine'], at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const safe = safeDatabaseName(database);
  return `${safe}-${stamp}.${engine === 'postgres' ? 'dump' : 'sql'}`;
}

/** The database name as it appears in backup file names. */
export function safeDatabaseName(database: string): string {
  return database.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** The major version from `pg_dump --version` output or a server version (`15.18 (Debian…)` → 15). */
export function majorVersion(text: string): number | undefined {
  const m = /(\d+)(?:\.(\d+))?/.exec(text.replace(/^[^\d]*/, ''));
  return m ? Number(m[1]) : undefined;
}

/** pg_dump refuses a server newer than itself: say so before anything is applied. */
export function checkDumpToolVersion(toolVersionText: string, serverVersion: string): void {
  const tool = majorVersion(toolVersionText);
  const server = majorVersion(serverVersion);
  if (tool !== undefined && server !== undefined && tool < server) {
    throw new ConfigurationError(
      `pg_dump is version ${tool} but the server runs PostgreSQL ${server}: pg_dump cannot back up a newer server. Install postgresql-client-${server} on the runner (or set backup: false).`,
      { input: 'backup' },
    );
  }
}

/** A mysqldump file is complete when it starts with the dump header and ends with "Dump completed". */
export function checkSqlDumpText(head: string, tail: string): string | undefined {
  if (!/^-- (MySQL|MariaDB) dump/m.test(head.slice(0, 200))) return 'it does not start with a mysqldump header';
  if (!/-- Dump completed[^\n]*\n?\s*$/.test(tail)) return 'it does not end with "-- Dump completed" (the dump was cut short)';
  return undefined;
}

/**
 * The database a dump was taken from: `dbname` in the header of `pg_restore --list`, `Database:`
 * in mysqldump's header. Undefined when the text does not say.
 */
export function dumpDatabaseName(engine: DatabaseTarget['engine'], listingOrHead: string): string | undefined {
  const m = engine === 'postgres' ? /^;\s+dbname:\s*(.*?)\s*$/m.exec(listingOrHead) : /^-- Host: .*?\bDatabase: (.*?)\s*$/m.exec(listingOrHead);
  return m?.[1] || undefined;
}

/** Objects in the database that the backup does not hold: the restore drops them first. */
export function objectsMissingFromBackup(objects: readonly DatabaseObject[], listing: string, engine: DatabaseTarget['engine']): DatabaseObject[] {
  if (engine === 'postgres') {
    // `pg_restore --list` lines: "215; 1259 16386 TABLE public users owner"; functions' tags are "name(args)".
    const entries = listing.split('\n').filter((l) => /^\d+;/.test(l));
    return objects.filter((o) => {
      const prefix = ` ${o.kind} ${o.schema} ${o.name}`;
      const tagEnd = o.kind === 'FUNCTION' || o.kind === 'PROCEDURE' || o.kind === 'AGGREGATE' ? '(' : ' ';
      return !entries.some((l) => l.includes(prefix + tagEnd) || l.endsWith(prefix));
    });
  }
  const quoted = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
  return objects.filter((o) => {
    const kinds = o.kind === 'VIEW' ? ['VIEW', 'TABLE'] : [o.kind];
    return !kinds.some((k) => listing.includes(`${k} ${quoted(o.name)}`));
  });
}

export function readEnds(path: string, bytes = 4096): { head: string; tail: string } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, tail, 0, tail.length, Math.max(0, size - tail.length));
    return { head: head.toString('utf8'), tail: tail.toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

export function toolError(err: unknown, what: string, redact: (t: string) => string): OperationFailedError {
  const detail = err instanceof ExecError ? err.message : err instanceof Error ? err.message : String(err);
  return new OperationFailedError(redact(`${what} failed: ${detail}`));
}

/** The tool's version, e.g. to compare pg_dump with the server; a missing tool is a configuration error. */
export async function toolVersion(tool: string): Promise<string> {
  try {
    const r = await runProgram(tool, ['--version'], { timeoutMs: 15_000 });
    return r.stdout.trim();
  } catch (err) {
    const pkg = tool.startsWith('pg_') ? 'postgresql-client' : 'mariadb-client (or mysql-client)';
    throw new ConfigurationError(
      `backup: ${tool} cannot run (${err instanceof Error ? err.message : String(err)}). Install ${pkg} on the runner, or set backup: false.`,
      {
        input: 'backup',
      },
    );
  }
}

/**
 * `backup-dir` must be a writable directory, or creatable under a writable one: checked before
 * anything connects, so a bad path never fails a run half-way.
 */
export function checkBackupDir(dir: string, label = dir): void {
  let probe = resolve(dir);
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const fail = (why: string): never => {
    throw new ConfigurationError(`backup-dir "${label}" ${why}. Give a writable directory, or set backup: false.`, { input: 'backup-dir' });
  };
  if (!statSync(probe).isDirectory()) fail(`cannot be used: ${probe} is a file`);
  try {
    accessSync(probe, constants.W_OK | constants.X_OK);
  } catch {
    fail(`is not writable (${probe})`);
  }
}

/** Dumps the database into `dir` and checks the dump reads back before returning. */
export async function backupDatabase(target: DatabaseTarget, dir: string, options: BackupOptions = {}): Promise<BackupResult> {
  const compression = options.compression ?? { kind: 'none' };
  const redact = options.redact ?? ((t: string) => t);
  const started = performance.now();
  makePrivateDir(dir);
  const name = backupFileName(options.label ? `${target.database}-${options.label}` : target.database, target.engine, new Date());
  let path = resolve(join(dir, name));
  for (let i = 2; existsSync(path) || existsSync(`${path}.gz`) || existsSync(`${path}.zst`); i++) path = path.replace(/(-\d+)?\.(dump|sql)$/, `-${i}.$2`);
  // Created private before the tool writes into it (the tools create files 0644 under the usual umask).
  closeSync(openSync(path, 'wx', 0o600));
  const env = clientEnvironment(target);
  const common = { env, signal: options.signal, timeoutMs: options.timeoutMs ?? 60 * 60_000, redact };
  try {
    if (target.engine === 'postgres') {
      const major = compression.kind === 'zstd' ? majorVersion(await toolVersion('pg_dump')) : undefined;
      const compress = pgDumpCompressArg(compression, major);
      await runProgram(
        'pg_dump',
        [...pgConnectionArgs(target, 'deploy-kit backup'), '--format=custom', ...(compress ? [compress] : []), `--file=${path}`],
        common,
      );
    } else {
      await runProgram(
        'mysqldump',
        [
          ...mysqlClientArgs(target),
          '--single-transaction',
          '--routines',
          '--triggers',
          '--hex-blob',
          '--no-tablespaces',
          '--skip-dump-date',
          `--result-file=${path}`,
          target.database,
        ],
        common,
      );
    }
  } catch (err) {
    // A half-written dump (a full disk, a cancelled run) must not be left looking like a backup.
    rmSync(path, { force: true });
    throw toolError(err, target.engine === 'postgres' ? 'pg_dump' : 'mysqldump', redact);
  }
  let entries: number;
  try {
    entries = await verifyBackup(target, path, options);
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  }
  if (target.engine === 'mysql') {
    // Checked as plain text above, then compressed and the compressed file tested as a whole.
    const kind = sqlCompression(compression, zstdPresent());
    path = await compressFile(path, kind, compression.level, options.signal);
    await testCompressed(path, options.signal);
  }
  const pruned = pruneBackups(dir, safeDatabaseName(target.database), target.engine, options.retention ?? { kind: 'all' }, path);
  for (const p of pruned) options.log?.info(`backup-retention: removed the older backup ${p}.`);
  return { path, bytes: statSync(path).size, durationMs: performance.now() - started, entries, pruned };
}

/** Reads a compressed backup through to its end (gzip's and zstd's own checksums). */
async function testCompressed(path: string, signal?: AbortSignal): Promise<void> {
  const kind = compressionOfPath(path);
  try {
    if (kind === 'gzip') await pipeline(createReadStream(path), createGunzip(), new Writable({ write: (_c, _e, done) => done() }), { signal });
    else if (kind === 'zstd') await runProgram('zstd', ['-q', '-t', '--', path], { signal, timeoutMs: 60 * 60_000 });
  } catch (err) {
    throw new OperationFailedError(`the backup ${path} does not read back: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * A directory for backups, private (0700) when this creates it; an existing one keeps its mode
 * (the files in it are 0600 whatever it is).
 */
export function makePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Reads a backup back, all of it: `pg_restore -f /dev/null` reads every data block of a custom-format
 * dump (its `--list` alone reads only the table of contents, which a truncated dump still has); a
 * SQL dump must have mysqldump's header and its "Dump completed" trailer. Returns the entry count.
 */
export async function verifyBackup(target: DatabaseTarget, path: string, options: ToolOptions = {}): Promise<number> {
  const redact = options.redact ?? ((t: string) => t);
  if (!existsSync(path) || statSync(path).size === 0) throw new OperationFailedError(`the backup ${path} is missing or empty`);
  if (target.engine === 'postgres') {
    const env = clientEnvironment(target);
    const timeoutMs = options.timeoutMs ?? 60 * 60_000;
    try {
      const r = await runProgram('pg_restore', ['--list', path], { env, signal: options.signal, timeoutMs, redact });
      await runProgram('pg_restore', ['--file=/dev/null', path], { env, signal: options.signal, timeoutMs, redact });
      return r.stdout.split('\n').filter((l) => /^\d+;/.test(l)).length;
    } catch (err) {
      throw toolError(err, `reading the backup ${path} back`, redact);
    }
  }
  const { head, tail } = readEnds(path);
  const problem = checkSqlDumpText(head, tail);
  if (problem) throw new OperationFailedError(`the backup ${path} is not a complete dump: ${problem}`);
  return 1;
}

export async function backupListing(target: DatabaseTarget, path: string, options: ToolOptions): Promise<string> {
  if (target.engine === 'postgres') {
    const r = await runProgram('pg_restore', ['--list', path], {
      env: clientEnvironment(target),
      signal: options.signal,
      timeoutMs: 10 * 60_000,
      redact: options.redact,
    });
    return r.stdout;
  }
  // A SQL dump can be far larger than a string may be: keep only the lines that create objects.
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const kept: string[] = [];
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    if (/\b(CREATE|VIEW)\b/.test(line) && !line.startsWith('INSERT')) kept.push(line.length > 400 ? line.slice(0, 400) : line);
  }
  return kept.join('\n');
}
