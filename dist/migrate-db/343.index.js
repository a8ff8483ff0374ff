export const id = 343;
export const ids = [343];
export const modules = {

/***/ 1343:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   openPostgres: () => (/* binding */ openPostgres)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _session_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(94183);
/* harmony import */ var _sql_split_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(47183);
/** The PostgreSQL session (`pg`, loaded on first use). */



function sslConfig(target, mode) {
    switch (mode) {
        case 'disable':
            return false;
        case 'prefer':
        case 'require':
            return { rejectUnauthorized: false };
        case 'verify-ca':
            // The CA is checked, the host name is not (libpq's verify-ca).
            return { rejectUnauthorized: true, ca: target.caFile ? (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(target.caFile, 'utf8') : undefined, checkServerIdentity: () => undefined };
        case 'verify-full':
            return { rejectUnauthorized: true, ca: target.caFile ? (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(target.caFile, 'utf8') : undefined };
    }
}
function classify(err) {
    const e = err;
    const cert = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .certificateFailure */ .aX)(err);
    if (cert)
        return cert;
    const net = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .networkReason */ .d8)(err);
    if (net)
        return { kind: 'retry', reason: net, error: err };
    if (/timeout/i.test(e.message ?? ''))
        return { kind: 'retry', reason: 'connection timed out', error: err };
    // 57P03: the database system is starting up
    if (e.code === '57P03')
        return { kind: 'retry', reason: 'the database is starting up', error: err };
    if (e.code === '28P01' || e.code === '28000')
        return { kind: 'fatal', reason: `${e.message} (check the user and password in database-url)`, error: err };
    if (e.code === '3D000')
        return { kind: 'fatal', reason: `${e.message} (check the database name in database-url)`, error: err };
    if (/does not support SSL/i.test(e.message ?? ''))
        return { kind: 'fatal', reason: `${e.message} (use sslmode=disable or prefer)`, error: err };
    return { kind: 'fatal', reason: e.message ?? String(err), error: err };
}
async function openPostgres(target, options) {
    const pg = (await __webpack_require__.e(/* import() */ 849).then(__webpack_require__.bind(__webpack_require__, 83849))).default ?? (await __webpack_require__.e(/* import() */ 849).then(__webpack_require__.bind(__webpack_require__, 83849)));
    const make = (tls, timeout) => new pg.Client({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
        ssl: sslConfig(target, tls),
        connectionTimeoutMillis: timeout,
        keepAlive: true,
        application_name: options.label.slice(0, 63),
        // Queries go out without waiting for the previous answer; every caller but
        // runScriptsPipelined awaits each query, so only that one overlaps them.
        pipeline: true,
    });
    const client = await (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .connectWithRetry */ .ZO)(target, options.connectTimeoutMs, async (remaining) => {
        const c = make(target.tls, remaining);
        c.on('error', () => {
            // A dropped connection surfaces as the failing query's error.
        });
        try {
            await c.connect();
            return c;
        }
        catch (err) {
            await c.end().catch(() => undefined);
            if (target.tls === 'prefer' && /does not support SSL/i.test(err.message)) {
                const plain = make('disable', remaining);
                plain.on('error', () => undefined);
                await plain.connect();
                return plain;
            }
            throw err;
        }
    }, classify, options.signal);
    const session = new PostgresSession(client, options);
    return (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .initialised */ .Cr)(session);
}
class PostgresSession {
    client;
    options;
    engine = 'postgres';
    serverVersion = '';
    table = '';
    repeatables = '';
    tableName = { table: '' };
    /** The session's current_schema(), read in init(): an unqualified history table is in it. */
    currentSchema = 'public';
    constructor(client, options) {
        this.client = client;
        this.options = options;
        this.useHistoryTable(options.historyTable);
    }
    useHistoryTable(table) {
        this.tableName = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .parseHistoryTable */ .Wi)(table);
        this.table = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)(this.tableName, 'postgres');
        this.repeatables = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)((0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .repeatablesTable */ .r3)(this.tableName), 'postgres');
    }
    get key() {
        return (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .advisoryLockKey */ .Ut)((0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .historyLockName */ .ZD)(this.tableName, this.currentSchema));
    }
    async select(sql) {
        return (await this.client.query(sql)).rows;
    }
    async init() {
        const r = await this.client.query("SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n, current_schema() AS s");
        this.serverVersion = r.rows[0].v;
        this.currentSchema = r.rows[0].s ?? 'public';
        if (this.options.limits)
            for (const sql of (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .statementLimitSql */ .ld)('postgres', this.serverVersion, this.options.limits))
                await this.client.query(sql);
        // When this client dies (kill -9), the server notices within a second even mid-statement and
        // ends the session, which rolls back its transaction and releases the advisory lock.
        if (Number(r.rows[0].n) >= 140000)
            await this.client.query("SET client_connection_check_interval = '1s'");
    }
    async tryLock() {
        const r = await this.client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [this.key.toString()]);
        return r.rows[0].ok;
    }
    async unlock() {
        await this.client.query('SELECT pg_advisory_unlock($1::bigint)', [this.key.toString()]);
    }
    async lockHolder() {
        const unsigned = BigInt.asUintN(64, this.key);
        const hi = (unsigned >> 32n).toString();
        const lo = (unsigned & 0xffffffffn).toString();
        const r = await this.client.query(`SELECT a.pid, a.application_name, a.usename, host(a.client_addr) AS client_addr,
              extract(epoch FROM now() - a.backend_start)::int AS seconds
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1`, [hi, lo]);
        const h = r.rows[0];
        if (!h)
            return undefined;
        return `"${h.application_name || 'unnamed client'}" (pid ${h.pid}, user ${h.usename}${h.client_addr ? ` from ${h.client_addr}` : ''}, connected ${h.seconds ?? '?'} s ago)`;
    }
    historyShape() {
        return this.shapeOf(this.table);
    }
    tableShape(table) {
        return this.shapeOf((0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)((0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .parseHistoryTable */ .Wi)(table), 'postgres'));
    }
    async shapeOf(quoted) {
        // pg_catalog rather than information_schema: a few catalog lookups instead of a view over all columns.
        const r = await this.client.query(`SELECT a.attname AS name, a.atttypid::regtype::text AS t FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [quoted]);
        const t = r.rows.find((c) => c.name === 'version')?.t;
        return { exists: r.rows.length > 0, integerVersions: t === 'bigint' || t === 'integer', columns: r.rows.map((c) => c.name.toLowerCase()) };
    }
    async createHistory(integerVersions) {
        if (this.tableName.schema)
            await this.client.query(`CREATE SCHEMA IF NOT EXISTS "${this.tableName.schema}"`);
        await this.client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      version ${integerVersions ? 'BIGINT' : 'VARCHAR(64)'} PRIMARY KEY,
      version_key VARCHAR(255) NOT NULL,
      name TEXT NOT NULL,
      checksum CHAR(64),
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      execution_ms INTEGER NOT NULL DEFAULT 0,
      applied_by TEXT NOT NULL DEFAULT '',
      dirty BOOLEAN NOT NULL DEFAULT FALSE
    )`);
    }
    async readHistory() {
        const r = await this.client.query(`SELECT version::text AS version, name, checksum, applied_at, execution_ms, applied_by, dirty FROM ${this.table} ORDER BY version_key`);
        return r.rows.map((x) => ({
            version: x.version,
            name: x.name,
            checksum: x.checksum,
            appliedAt: x.applied_at,
            executionMs: x.execution_ms,
            appliedBy: x.applied_by,
            dirty: x.dirty,
        }));
    }
    async begin() {
        await this.client.query('BEGIN');
    }
    async commit() {
        await this.client.query('COMMIT');
    }
    async rollback() {
        await this.client.query('ROLLBACK');
    }
    async runScript(script, transactional) {
        if (transactional && /\bbegin\s+atomic\b/i.test(script.sql)) {
            // SQL-standard function bodies hold semicolons the splitter cannot see past: send the file
            // whole (simple protocol); an error's position is then an offset in the file.
            try {
                await this.client.query(script.sql);
            }
            catch (err) {
                throw toSqlError(err, script, (pos) => (0,_sql_split_js__WEBPACK_IMPORTED_MODULE_2__/* .lineAt */ .mh)(script.sql, pos));
            }
            return;
        }
        // One statement per round trip, as psql does: every error names its statement's line, and
        // outside a transaction CREATE INDEX CONCURRENTLY must be a statement of its own anyway.
        for (const stmt of script.statements) {
            try {
                await this.client.query(stmt.text);
            }
            catch (err) {
                throw toSqlError(err, script, (pos) => stmt.line + (0,_sql_split_js__WEBPACK_IMPORTED_MODULE_2__/* .lineAt */ .mh)(stmt.text, pos) - 1, stmt.line);
            }
        }
    }
    async runScriptsPipelined(scripts) {
        const started = performance.now();
        const perScript = scripts.map((script) => {
            const whole = /\bbegin\s+atomic\b/i.test(script.sql);
            const statements = whole ? [{ text: script.sql, line: 1, offset: 0 }] : script.statements;
            // A handler is attached at once to every query, so no rejection goes unhandled while we wait.
            return statements.map((stmt) => this.client.query(stmt.text).then(() => ({ ok: true, at: performance.now() }), (err) => ({
                ok: false,
                error: toSqlError(err, script, (pos) => (whole ? (0,_sql_split_js__WEBPACK_IMPORTED_MODULE_2__/* .lineAt */ .mh)(script.sql, pos) : stmt.line + (0,_sql_split_js__WEBPACK_IMPORTED_MODULE_2__/* .lineAt */ .mh)(stmt.text, pos) - 1), whole ? undefined : stmt.line),
            })));
        });
        const durationsMs = [];
        let previous = started;
        let failure;
        for (let i = 0; i < perScript.length; i++) {
            let end = previous;
            for (const r of await Promise.all(perScript[i])) {
                if (!r.ok)
                    failure ??= { index: i, error: r.error };
                else
                    end = Math.max(end, r.at);
            }
            if (failure)
                continue; // drain what is on the wire; the caller rolls back
            durationsMs.push(end - previous);
            previous = end;
        }
        return failure ? { durationsMs, failedIndex: failure.index, error: failure.error } : { durationsMs };
    }
    async insertHistory(rows) {
        if (rows.length === 0)
            return;
        // One parameter however many rows: the server maps the JSON onto the table's own row type (so a
        // BIGINT or VARCHAR version column alike), instead of parsing and binding 7 parameters a row.
        const json = JSON.stringify(rows.map((r) => ({
            version: r.version,
            version_key: r.versionKey,
            name: r.name,
            checksum: r.checksum,
            execution_ms: r.executionMs,
            applied_by: r.appliedBy,
            dirty: r.dirty ?? false,
        })));
        await this.client.query(`INSERT INTO ${this.table} (version, version_key, name, checksum, execution_ms, applied_by, dirty)
       SELECT version, version_key, name, checksum, execution_ms, applied_by, dirty FROM json_populate_recordset(NULL::${this.table}, $1::json)`, [json]);
    }
    async deleteHistory(versions) {
        if (versions.length === 0)
            return;
        await this.client.query(`DELETE FROM ${this.table} WHERE version::text = ANY($1::text[])`, [versions]);
    }
    async markClean(version, executionMs) {
        await this.client.query(`UPDATE ${this.table} SET dirty = FALSE, execution_ms = $2 WHERE version::text = $1`, [version, Math.round(executionMs)]);
    }
    async setDirty(version, dirty) {
        await this.client.query(`UPDATE ${this.table} SET dirty = $2 WHERE version::text = $1`, [version, dirty]);
    }
    async updateChecksum(version, checksum) {
        await this.client.query(`UPDATE ${this.table} SET checksum = $2 WHERE version::text = $1`, [version, checksum]);
    }
    async readRepeatables() {
        const exists = await this.client.query('SELECT to_regclass($1)::text AS t', [this.repeatables]);
        if (!exists.rows[0]?.t)
            return new Map();
        const r = await this.client.query(`SELECT name, checksum FROM ${this.repeatables}`);
        return new Map(r.rows.map((x) => [x.name, x.checksum]));
    }
    async createRepeatables() {
        if (this.tableName.schema)
            await this.client.query(`CREATE SCHEMA IF NOT EXISTS "${this.tableName.schema}"`);
        await this.client.query(`CREATE TABLE IF NOT EXISTS ${this.repeatables} (
      name VARCHAR(255) PRIMARY KEY,
      checksum CHAR(64) NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      execution_ms INTEGER NOT NULL DEFAULT 0,
      applied_by TEXT NOT NULL DEFAULT ''
    )`);
    }
    async recordRepeatables(rows) {
        if (rows.length === 0)
            return;
        const values = [];
        const tuples = rows.map((r, i) => {
            values.push(r.name, r.checksum, r.executionMs, r.appliedBy);
            return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`;
        });
        await this.client.query(`INSERT INTO ${this.repeatables} (name, checksum, execution_ms, applied_by) VALUES ${tuples.join(', ')}
       ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, execution_ms = EXCLUDED.execution_ms, applied_by = EXCLUDED.applied_by, applied_at = now()`, values);
    }
    async currentVersion() {
        const r = await this.client.query(`SELECT version::text AS version FROM ${this.table} ORDER BY version_key DESC LIMIT 1`);
        return r.rows[0]?.version;
    }
    async listObjects() {
        const r = await this.client.query(PG_LIST_OBJECTS);
        return r.rows;
    }
    async execute(sql) {
        await this.client.query(sql);
    }
    async close() {
        await this.client.end().catch(() => undefined);
    }
    abort() {
        // end() waits for pipelined queries to finish; a cancel must not wait for a long statement.
        this.client.connection.stream.destroy();
    }
}
function toSqlError(err, script, lineOf, fallbackLine) {
    const e = err;
    if (!e || typeof e !== 'object' || !('severity' in e))
        return err; // not a server error (e.g. the connection dropped)
    const pos = e.position ? Number(e.position) - 1 : undefined;
    const line = pos !== undefined && Number.isFinite(pos) ? lineOf(pos) : fallbackLine;
    const extra = [e.detail, e.hint ? `Hint: ${e.hint}` : undefined].filter(Boolean).join(' ');
    return new _session_js__WEBPACK_IMPORTED_MODULE_1__/* .MigrationSqlError */ .Z4(`${e.message}${extra ? ` (${extra})` : ''}`, script, line, e.code);
}
// Objects in user schemas that pg_restore --clean would not remove; extension members, sequences
// owned by a column and row types of tables are left out (they go with their owner).
const PG_LIST_OBJECTS = `
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
), ext AS (
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
)
SELECT 'SCHEMA' AS kind, '-' AS schema, n.nspname AS name, format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname) AS drop
  FROM ns n WHERE n.nspname <> 'public' AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid)
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       n.nspname, c.relname,
       format('DROP %s IF EXISTS %I.%I CASCADE',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
              n.nspname, c.relname)
  FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, n.nspname, p.proname,
       format('DROP %s IF EXISTS %s CASCADE', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, p.oid::regprocedure)
  FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
 WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname,
       format('DROP %s IF EXISTS %I.%I CASCADE', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)
  FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
 WHERE t.typtype IN ('e', 'd', 'r', 'c')
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
   AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
`;


/***/ })

};
