/** The MySQL/MariaDB session (`mysql2`, loaded on first use). DDL commits implicitly here. */
import { readFileSync } from 'node:fs';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { MigrationScript } from './files.js';
import type { HistoryRow } from './plan.js';
import {
  connectWithRetry,
  initialised,
  MigrationSqlError,
  mysqlLockName,
  historyLockName,
  networkReason,
  certificateFailure,
  parseHistoryTable,
  quoteTable,
  repeatablesTable,
  type ConnectFailure,
  type RepeatableRecord,
  type DatabaseObject,
  type DatabaseSession,
  type HistoryRecord,
  type HistoryShape,
  type SessionOptions,
  type StatementLimits,
  statementLimitSql,
} from './session.js';
import type { DatabaseTarget } from './url.js';
import type { Version } from './version.js';

function sslConfig(target: DatabaseTarget): ConnectionOptions['ssl'] {
  if (target.tls === 'disable' || target.tls === 'prefer') return undefined;
  const ca = target.caFile ? readFileSync(target.caFile, 'utf8') : undefined;
  if (target.tls === 'require') return { rejectUnauthorized: false };
  if (target.tls === 'verify-ca') return { rejectUnauthorized: true, ca, verifyIdentity: false };
  return { rejectUnauthorized: true, ca, verifyIdentity: true };
}

function classify(err: unknown): ConnectFailure {
  const e = err as { code?: string; message?: string; errno?: number };
  const cert = certificateFailure(err);
  if (cert) return cert;
  const net = networkReason(err);
  if (net) return { kind: 'retry', reason: net, error: err };
  if (/timeout|timed out/i.test(e.message ?? '')) return { kind: 'retry', reason: 'connection timed out', error: err };
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR') {
    return { kind: 'fatal', reason: `${e.message} (check the user and password in database-url)`, error: err };
  }
  if (e.code === 'ER_BAD_DB_ERROR') return { kind: 'fatal', reason: `${e.message} (check the database name in database-url)`, error: err };
  return { kind: 'fatal', reason: e.message ?? String(err), error: err };
}

export async function openMysql(target: DatabaseTarget, options: SessionOptions): Promise<DatabaseSession> {
  const mysql = await import('mysql2/promise');
  const create = mysql.createConnection ?? (mysql as unknown as { default: typeof mysql }).default.createConnection;
  const conn = await connectWithRetry(
    target,
    options.connectTimeoutMs,
    async (remaining) => {
      const c = await create({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
        ssl: sslConfig(target),
        connectTimeout: remaining,
        multipleStatements: false,
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: false,
        connectAttributes: { program_name: options.label.slice(0, 64) },
      });
      c.on('error', () => {
        // A dropped connection surfaces as the failing query's error.
      });
      return c;
    },
    classify,
    options.signal,
  );
  const session = new MysqlSession(conn, target, options);
  return initialised(session);
}

class MysqlSession implements DatabaseSession {
  readonly engine = 'mysql' as const;
  serverVersion = '';
  private table = '';
  private repeatables: { schema?: string; table: string } = { table: '' };
  private tableName: { schema?: string; table: string } = { table: '' };
  private lockName = '';
  private readonly limits?: StatementLimits;

  constructor(
    private readonly conn: Connection,
    private readonly target: DatabaseTarget,
    options: SessionOptions,
  ) {
    this.limits = options.limits;
    this.useHistoryTable(options.historyTable);
  }

  useHistoryTable(table: string): void {
    this.tableName = parseHistoryTable(table);
    this.table = quoteTable(this.tableName, 'mysql');
    this.repeatables = repeatablesTable(this.tableName);
    this.lockName = mysqlLockName(historyLockName(this.tableName, this.target.database));
  }

  select<T>(sql: string): Promise<T[]> {
    return this.rows<T>(sql);
  }

  private async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.conn.query(sql, params);
    return rows as T[];
  }

  async init(): Promise<void> {
    const [r] = await this.rows<{ v: string }>('SELECT VERSION() AS v');
    this.serverVersion = r!.v;
    if (this.limits) for (const sql of statementLimitSql('mysql', this.serverVersion, this.limits)) await this.conn.query(sql);
  }

  async tryLock(): Promise<boolean> {
    const [r] = await this.rows<{ ok: number | null }>('SELECT GET_LOCK(?, 0) AS ok', [this.lockName]);
    return Number(r?.ok) === 1;
  }

  async unlock(): Promise<void> {
    await this.conn.query('SELECT RELEASE_LOCK(?)', [this.lockName]);
  }

  async lockHolder(): Promise<string | undefined> {
    const [r] = await this.rows<{ id: string | null }>('SELECT IS_USED_LOCK(?) AS id', [this.lockName]);
    if (!r?.id) return undefined;
    const [p] = await this.rows<{ USER: string; HOST: string; TIME: number }>('SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = ?', [
      r.id,
    ]);
    let program: string | undefined;
    try {
      const [a] = await this.rows<{ v: string }>(
        "SELECT ATTR_VALUE AS v FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = ? AND ATTR_NAME = 'program_name'",
        [r.id],
      );
      program = a?.v;
    } catch {
      // performance_schema is off by default on MariaDB
    }
    return `${program ? `"${program}" ` : ''}(connection ${r.id}${p ? `, user ${p.USER} from ${p.HOST}, ${p.TIME} s in its current state` : ''})`;
  }

  historyShape(): Promise<HistoryShape> {
    return this.shapeOf(this.tableName);
  }

  tableShape(table: string): Promise<HistoryShape> {
    return this.shapeOf(parseHistoryTable(table));
  }

  private async shapeOf(name: { schema?: string; table: string }): Promise<HistoryShape> {
    const rows = await this.rows<{ name: string; t: string }>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS t FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [name.schema ?? null, name.table],
    );
    const t = rows.find((c) => c.name.toLowerCase() === 'version')?.t?.toLowerCase();
    return { exists: rows.length > 0, integerVersions: t === 'bigint' || t === 'int', columns: rows.map((c) => c.name.toLowerCase()) };
  }

  async createHistory(integerVersions: boolean): Promise<void> {
    await this.conn.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      version ${integerVersions ? 'BIGINT' : 'VARCHAR(64)'} NOT NULL PRIMARY KEY,
      version_key VARCHAR(255) NOT NULL,
      name VARCHAR(255) NOT NULL,
      checksum CHAR(64) NULL,
      applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      execution_ms INT NOT NULL DEFAULT 0,
      applied_by VARCHAR(512) NOT NULL DEFAULT '',
      dirty BOOLEAN NOT NULL DEFAULT FALSE
    )`);
  }

  async readHistory(): Promise<HistoryRow[]> {
    const rows = await this.rows<{
      version: string | number;
      name: string;
      checksum: string | null;
      applied_at: Date;
      execution_ms: number;
      applied_by: string;
      dirty: number;
    }>(`SELECT CAST(version AS CHAR) AS version, name, checksum, applied_at, execution_ms, applied_by, dirty FROM ${this.table} ORDER BY version_key`);
    return rows.map((x) => ({
      version: String(x.version),
      name: x.name,
      checksum: x.checksum,
      appliedAt: x.applied_at,
      executionMs: x.execution_ms,
      appliedBy: x.applied_by,
      dirty: Number(x.dirty) === 1,
    }));
  }

  async begin(): Promise<void> {
    await this.conn.query('START TRANSACTION');
  }

  async commit(): Promise<void> {
    await this.conn.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.conn.query('ROLLBACK');
  }

  async runScript(script: MigrationScript): Promise<void> {
    // One statement per round trip: the server's "at line N" is then relative to that statement.
    for (const stmt of script.statements) {
      try {
        await this.conn.query(stmt.text);
      } catch (err) {
        const e = err as { sqlMessage?: string; message?: string; code?: string; sqlState?: string };
        if (!e || typeof e !== 'object' || e.sqlState === undefined) throw err;
        const msg = e.sqlMessage ?? e.message ?? String(err);
        const at = /at line (\d+)\s*$/.exec(msg);
        const line = at ? stmt.line + Number(at[1]) - 1 : stmt.line;
        throw new MigrationSqlError(msg, script, line, e.code);
      }
    }
  }

  async insertHistory(rows: readonly HistoryRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const values: unknown[] = [];
    for (const r of rows) values.push(r.version, r.versionKey, r.name, r.checksum, r.executionMs, r.appliedBy, r.dirty ? 1 : 0);
    await this.conn.query(
      `INSERT INTO ${this.table} (version, version_key, name, checksum, execution_ms, applied_by, dirty) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      values,
    );
  }

  async deleteHistory(versions: readonly Version[]): Promise<void> {
    if (versions.length === 0) return;
    await this.conn.query(`DELETE FROM ${this.table} WHERE CAST(version AS CHAR) IN (?)`, [versions]);
  }

  async markClean(version: Version, executionMs: number): Promise<void> {
    await this.conn.query(`UPDATE ${this.table} SET dirty = FALSE, execution_ms = ? WHERE CAST(version AS CHAR) = ?`, [Math.round(executionMs), version]);
  }

  async setDirty(version: Version, dirty: boolean): Promise<void> {
    await this.conn.query(`UPDATE ${this.table} SET dirty = ? WHERE CAST(version AS CHAR) = ?`, [dirty ? 1 : 0, version]);
  }

  async updateChecksum(version: Version, checksum: string): Promise<void> {
    await this.conn.query(`UPDATE ${this.table} SET checksum = ? WHERE CAST(version AS CHAR) = ?`, [checksum, version]);
  }

  async readRepeatables(): Promise<Map<string, string>> {
    if (!(await this.shapeOf(this.repeatables)).exists) return new Map();
    const rows = await this.rows<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${quoteTable(this.repeatables, 'mysql')}`);
    return new Map(rows.map((x) => [x.name, x.checksum]));
  }

  async createRepeatables(): Promise<void> {
    await this.conn.query(`CREATE TABLE IF NOT EXISTS ${quoteTable(this.repeatables, 'mysql')} (
      name VARCHAR(255) NOT NULL PRIMARY KEY,
      checksum CHAR(64) NOT NULL,
      applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      execution_ms INT NOT NULL DEFAULT 0,
      applied_by VARCHAR(512) NOT NULL DEFAULT ''
    )`);
  }

  async recordRepeatables(rows: readonly RepeatableRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const values: unknown[] = [];
    for (const r of rows) values.push(r.name, r.checksum, r.executionMs, r.appliedBy);
    await this.conn.query(
      `INSERT INTO ${quoteTable(this.repeatables, 'mysql')} (name, checksum, execution_ms, applied_by) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE checksum = VALUES(checksum), execution_ms = VALUES(execution_ms), applied_by = VALUES(applied_by), applied_at = CURRENT_TIMESTAMP(3)`,
      values,
    );
  }

  async currentVersion(): Promise<Version | undefined> {
    const rows = await this.rows<{ version: string }>(`SELECT CAST(version AS CHAR) AS version FROM ${this.table} ORDER BY version_key DESC LIMIT 1`);
    return rows[0]?.version;
  }

  async listObjects(): Promise<DatabaseObject[]> {
    const rels = await this.rows<{ kind: string; name: string }>(
      'SELECT TABLE_TYPE AS kind, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    const routines = await this.rows<{ kind: string; name: string }>(
      'SELECT ROUTINE_TYPE AS kind, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()',
    );
    const q = (s: string): string => `\`${s.replace(/`/g, '``')}\``;
    const out: DatabaseObject[] = [];
    for (const r of rels) {
      const kind = r.kind === 'VIEW' || r.kind === 'SYSTEM VIEW' ? 'VIEW' : r.kind === 'SEQUENCE' ? 'SEQUENCE' : 'TABLE';
      out.push({ kind, schema: '', name: r.name, drop: `DROP ${kind} IF EXISTS ${q(r.name)}` });
    }
    for (const r of routines) out.push({ kind: r.kind, schema: '', name: r.name, drop: `DROP ${r.kind} IF EXISTS ${q(r.name)}` });
    return out;
  }

  async execute(sql: string): Promise<void> {
    await this.conn.query(sql);
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }

  abort(): void {
    this.conn.destroy();
  }
}
