export const id = 660;
export const ids = [660];
export const modules = {

/***/ 25660:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   openMysql: () => (/* binding */ openMysql)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _session_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(94183);
/** The MySQL/MariaDB session (`mysql2`, loaded on first use). DDL commits implicitly here. */


function sslConfig(target) {
    if (target.tls === 'disable' || target.tls === 'prefer')
        return undefined;
    const ca = target.caFile ? (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(target.caFile, 'utf8') : undefined;
    if (target.tls === 'require')
        return { rejectUnauthorized: false };
    if (target.tls === 'verify-ca')
        return { rejectUnauthorized: true, ca, verifyIdentity: false };
    return { rejectUnauthorized: true, ca, verifyIdentity: true };
}
function classify(err) {
    const e = err;
    const cert = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .certificateFailure */ .aX)(err);
    if (cert)
        return cert;
    const net = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .networkReason */ .d8)(err);
    if (net)
        return { kind: 'retry', reason: net, error: err };
    if (/timeout|timed out/i.test(e.message ?? ''))
        return { kind: 'retry', reason: 'connection timed out', error: err };
    if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR') {
        return { kind: 'fatal', reason: `${e.message} (check the user and password in database-url)`, error: err };
    }
    if (e.code === 'ER_BAD_DB_ERROR')
        return { kind: 'fatal', reason: `${e.message} (check the database name in database-url)`, error: err };
    return { kind: 'fatal', reason: e.message ?? String(err), error: err };
}
async function openMysql(target, options) {
    const mysql = await __webpack_require__.e(/* import() */ 588).then(__webpack_require__.t.bind(__webpack_require__, 27588, 19));
    const create = mysql.createConnection ?? mysql.default.createConnection;
    const conn = await (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .connectWithRetry */ .ZO)(target, options.connectTimeoutMs, async (remaining) => {
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
    }, classify, options.signal);
    const session = new MysqlSession(conn, target, options);
    return (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .initialised */ .Cr)(session);
}
class MysqlSession {
    conn;
    target;
    engine = 'mysql';
    serverVersion = '';
    table = '';
    repeatables = { table: '' };
    tableName = { table: '' };
    lockName = '';
    limits;
    constructor(conn, target, options) {
        this.conn = conn;
        this.target = target;
        this.limits = options.limits;
        this.useHistoryTable(options.historyTable);
    }
    useHistoryTable(table) {
        this.tableName = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .parseHistoryTable */ .Wi)(table);
        this.table = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)(this.tableName, 'mysql');
        this.repeatables = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .repeatablesTable */ .r3)(this.tableName);
        this.lockName = (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .mysqlLockName */ .vD)((0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .historyLockName */ .ZD)(this.tableName, this.target.database));
    }
    select(sql) {
        return this.rows(sql);
    }
    async rows(sql, params = []) {
        const [rows] = await this.conn.query(sql, params);
        return rows;
    }
    async init() {
        const [r] = await this.rows('SELECT VERSION() AS v');
        this.serverVersion = r.v;
        if (this.limits)
            for (const sql of (0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .statementLimitSql */ .ld)('mysql', this.serverVersion, this.limits))
                await this.conn.query(sql);
    }
    async tryLock() {
        const [r] = await this.rows('SELECT GET_LOCK(?, 0) AS ok', [this.lockName]);
        return Number(r?.ok) === 1;
    }
    async unlock() {
        await this.conn.query('SELECT RELEASE_LOCK(?)', [this.lockName]);
    }
    async lockHolder() {
        const [r] = await this.rows('SELECT IS_USED_LOCK(?) AS id', [this.lockName]);
        if (!r?.id)
            return undefined;
        const [p] = await this.rows('SELECT USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = ?', [
            r.id,
        ]);
        let program;
        try {
            const [a] = await this.rows("SELECT ATTR_VALUE AS v FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = ? AND ATTR_NAME = 'program_name'", [r.id]);
            program = a?.v;
        }
        catch {
            // performance_schema is off by default on MariaDB
        }
        return `${program ? `"${program}" ` : ''}(connection ${r.id}${p ? `, user ${p.USER} from ${p.HOST}, ${p.TIME} s in its current state` : ''})`;
    }
    historyShape() {
        return this.shapeOf(this.tableName);
    }
    tableShape(table) {
        return this.shapeOf((0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .parseHistoryTable */ .Wi)(table));
    }
    async shapeOf(name) {
        const rows = await this.rows(`SELECT COLUMN_NAME AS name, DATA_TYPE AS t FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [name.schema ?? null, name.table]);
        const t = rows.find((c) => c.name.toLowerCase() === 'version')?.t?.toLowerCase();
        return { exists: rows.length > 0, integerVersions: t === 'bigint' || t === 'int', columns: rows.map((c) => c.name.toLowerCase()) };
    }
    async createHistory(integerVersions) {
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
    async readHistory() {
        const rows = await this.rows(`SELECT CAST(version AS CHAR) AS version, name, checksum, applied_at, execution_ms, applied_by, dirty FROM ${this.table} ORDER BY version_key`);
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
    async begin() {
        await this.conn.query('START TRANSACTION');
    }
    async commit() {
        await this.conn.query('COMMIT');
    }
    async rollback() {
        await this.conn.query('ROLLBACK');
    }
    async runScript(script) {
        // One statement per round trip: the server's "at line N" is then relative to that statement.
        for (const stmt of script.statements) {
            try {
                await this.conn.query(stmt.text);
            }
            catch (err) {
                const e = err;
                if (!e || typeof e !== 'object' || e.sqlState === undefined)
                    throw err;
                const msg = e.sqlMessage ?? e.message ?? String(err);
                const at = /at line (\d+)\s*$/.exec(msg);
                const line = at ? stmt.line + Number(at[1]) - 1 : stmt.line;
                throw new _session_js__WEBPACK_IMPORTED_MODULE_1__/* .MigrationSqlError */ .Z4(msg, script, line, e.code);
            }
        }
    }
    async insertHistory(rows) {
        if (rows.length === 0)
            return;
        const values = [];
        for (const r of rows)
            values.push(r.version, r.versionKey, r.name, r.checksum, r.executionMs, r.appliedBy, r.dirty ? 1 : 0);
        await this.conn.query(`INSERT INTO ${this.table} (version, version_key, name, checksum, execution_ms, applied_by, dirty) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`, values);
    }
    async deleteHistory(versions) {
        if (versions.length === 0)
            return;
        await this.conn.query(`DELETE FROM ${this.table} WHERE CAST(version AS CHAR) IN (?)`, [versions]);
    }
    async markClean(version, executionMs) {
        await this.conn.query(`UPDATE ${this.table} SET dirty = FALSE, execution_ms = ? WHERE CAST(version AS CHAR) = ?`, [Math.round(executionMs), version]);
    }
    async setDirty(version, dirty) {
        await this.conn.query(`UPDATE ${this.table} SET dirty = ? WHERE CAST(version AS CHAR) = ?`, [dirty ? 1 : 0, version]);
    }
    async updateChecksum(version, checksum) {
        await this.conn.query(`UPDATE ${this.table} SET checksum = ? WHERE CAST(version AS CHAR) = ?`, [checksum, version]);
    }
    async readRepeatables() {
        if (!(await this.shapeOf(this.repeatables)).exists)
            return new Map();
        const rows = await this.rows(`SELECT name, checksum FROM ${(0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)(this.repeatables, 'mysql')}`);
        return new Map(rows.map((x) => [x.name, x.checksum]));
    }
    async createRepeatables() {
        await this.conn.query(`CREATE TABLE IF NOT EXISTS ${(0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)(this.repeatables, 'mysql')} (
      name VARCHAR(255) NOT NULL PRIMARY KEY,
      checksum CHAR(64) NOT NULL,
      applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      execution_ms INT NOT NULL DEFAULT 0,
      applied_by VARCHAR(512) NOT NULL DEFAULT ''
    )`);
    }
    async recordRepeatables(rows) {
        if (rows.length === 0)
            return;
        const values = [];
        for (const r of rows)
            values.push(r.name, r.checksum, r.executionMs, r.appliedBy);
        await this.conn.query(`INSERT INTO ${(0,_session_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteTable */ .Z8)(this.repeatables, 'mysql')} (name, checksum, execution_ms, applied_by) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE checksum = VALUES(checksum), execution_ms = VALUES(execution_ms), applied_by = VALUES(applied_by), applied_at = CURRENT_TIMESTAMP(3)`, values);
    }
    async currentVersion() {
        const rows = await this.rows(`SELECT CAST(version AS CHAR) AS version FROM ${this.table} ORDER BY version_key DESC LIMIT 1`);
        return rows[0]?.version;
    }
    async listObjects() {
        const rels = await this.rows('SELECT TABLE_TYPE AS kind, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
        const routines = await this.rows('SELECT ROUTINE_TYPE AS kind, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()');
        const q = (s) => `\`${s.replace(/`/g, '``')}\``;
        const out = [];
        for (const r of rels) {
            const kind = r.kind === 'VIEW' || r.kind === 'SYSTEM VIEW' ? 'VIEW' : r.kind === 'SEQUENCE' ? 'SEQUENCE' : 'TABLE';
            out.push({ kind, schema: '', name: r.name, drop: `DROP ${kind} IF EXISTS ${q(r.name)}` });
        }
        for (const r of routines)
            out.push({ kind: r.kind, schema: '', name: r.name, drop: `DROP ${r.kind} IF EXISTS ${q(r.name)}` });
        return out;
    }
    async execute(sql) {
        await this.conn.query(sql);
    }
    async close() {
        await this.conn.end().catch(() => undefined);
    }
    abort() {
        this.conn.destroy();
    }
}


/***/ })

};
