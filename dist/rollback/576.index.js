export const id = 576;
export const ids = [576];
export const modules = {

/***/ 1576:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BASELINE_NAME: () => (/* reexport */ BASELINE_NAME),
  MigrationFailedError: () => (/* reexport */ MigrationFailedError),
  MigrationSqlError: () => (/* reexport */ db_session/* MigrationSqlError */.Z4),
  NO_TRANSACTION_MARKER: () => (/* reexport */ NO_TRANSACTION_MARKER),
  acquireRunLock: () => (/* reexport */ acquireRunLock),
  advisoryLockKey: () => (/* reexport */ db_session/* advisoryLockKey */.Ut),
  allIntegerVersions: () => (/* reexport */ allIntegerVersions),
  applyMigrations: () => (/* reexport */ applyMigrations),
  backupDatabase: () => (/* reexport */ backupDatabase),
  backupFileName: () => (/* reexport */ backupFileName),
  buildMigrationSet: () => (/* reexport */ buildMigrationSet),
  checkBackupDir: () => (/* reexport */ checkBackupDir),
  checkDumpToolVersion: () => (/* reexport */ checkDumpToolVersion),
  checkExpectedVersion: () => (/* reexport */ checkExpectedVersion),
  checkSqlDumpText: () => (/* reexport */ checkSqlDumpText),
  checkTargetVersion: () => (/* reexport */ checkTargetVersion),
  checksumOf: () => (/* reexport */ checksumOf),
  clientEnvironment: () => (/* reexport */ clientEnvironment),
  compareVersions: () => (/* reexport */ compareVersions),
  defaultAppliedBy: () => (/* reexport */ defaultAppliedBy),
  describeTarget: () => (/* reexport */ describeTarget),
  findChangedFiles: () => (/* reexport */ findChangedFiles),
  findTransactionControl: () => (/* reexport */ sql_split/* findTransactionControl */.f6),
  hasNoTransactionMarker: () => (/* reexport */ hasNoTransactionMarker),
  isVersion: () => (/* reexport */ isVersion),
  lineAt: () => (/* reexport */ sql_split/* lineAt */.mh),
  lockPollDelay: () => (/* reexport */ lockPollDelay),
  lockWaitDecision: () => (/* reexport */ lockWaitDecision),
  majorVersion: () => (/* reexport */ majorVersion),
  maxVersion: () => (/* reexport */ maxVersion),
  migrateTo: () => (/* reexport */ migrateTo),
  mysqlClientArgs: () => (/* reexport */ mysqlClientArgs),
  mysqlLockName: () => (/* reexport */ db_session/* mysqlLockName */.vD),
  normalizeContent: () => (/* reexport */ normalizeContent),
  normalizeVersion: () => (/* reexport */ normalizeVersion),
  objectsMissingFromBackup: () => (/* reexport */ objectsMissingFromBackup),
  openSession: () => (/* reexport */ openSession),
  parseDatabaseUrl: () => (/* reexport */ parseDatabaseUrl),
  parseHistoryTable: () => (/* reexport */ db_session/* parseHistoryTable */.Wi),
  parseMigrationFileName: () => (/* reexport */ parseMigrationFileName),
  parseVersionInput: () => (/* reexport */ parseVersionInput),
  planMigrations: () => (/* reexport */ planMigrations),
  readMigrationDirectory: () => (/* reexport */ readMigrationDirectory),
  restoreBackup: () => (/* reexport */ restoreBackup),
  shouldRestore: () => (/* reexport */ shouldRestore),
  splitIntoBatches: () => (/* reexport */ splitIntoBatches),
  splitStatements: () => (/* reexport */ sql_split/* splitStatements */.Xd),
  toolVersion: () => (/* reexport */ toolVersion),
  verifyBackup: () => (/* reexport */ verifyBackup),
  versionSortKey: () => (/* reexport */ versionSortKey)
});

// EXTERNAL MODULE: ./src/runtime/errors.ts
var errors = __webpack_require__(9541);
;// CONCATENATED MODULE: ./src/db/version.ts

const VERSION_PATTERN = /^\d+(\.\d+)*$/;
function isVersion(text) {
    return VERSION_PATTERN.test(text);
}
/** Segments as digit strings without leading zeros ("" for 0), trailing zero segments dropped. */
function segments(v) {
    const parts = v.split('.').map((s) => s.replace(/^0+/, ''));
    while (parts.length > 1 && parts[parts.length - 1] === '')
        parts.pop();
    return parts;
}
/** Canonical text: leading zeros and trailing `.0` segments dropped (`007` → `7`, `1.2.0` → `1.2`). */
function normalizeVersion(v) {
    return segments(v)
        .map((s) => s || '0')
        .join('.');
}
/** Negative when a < b, 0 when equal, positive when a > b. Numeric per segment, on digit strings (any length). */
function compareVersions(a, b) {
    if (a === b)
        return 0;
    const x = segments(a);
    const y = segments(b);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const p = x[i] ?? '';
        const q = y[i] ?? '';
        if (p.length !== q.length)
            return p.length < q.length ? -1 : 1;
        if (p !== q)
            return p < q ? -1 : 1;
    }
    return 0;
}
/** True when every version is a plain integer that fits a BIGINT column. */
function allIntegerVersions(versions) {
    for (const v of versions) {
        if (!/^\d+$/.test(v) || BigInt(v) > 9223372036854775807n)
            return false;
    }
    return true;
}
/**
 * A text key whose plain string order is version order (each segment zero-padded to 20 digits),
 * stored next to the version so `ORDER BY version_key` works for dotted versions too.
 */
function versionSortKey(v) {
    return segments(v)
        .map((s) => s.padStart(20, '0'))
        .join('.');
}
function maxVersion(versions) {
    let best;
    for (const v of versions)
        if (best === undefined || compareVersions(v, best) > 0)
            best = v;
    return best;
}
/** A version given as an input (`to-version`, `baseline-version`, `expect-version`); normalized. */
function parseVersionInput(text, name) {
    if (text === undefined || text.trim() === '')
        return undefined;
    const v = text.trim().replace(/^[vV]/, '');
    if (!isVersion(v)) {
        throw new errors/* ConfigurationError */.j1(`${name} is "${text}": give a migration version, an integer (42, 20240101120000) or dotted (1.2.10).`, { input: name });
    }
    return normalizeVersion(v);
}

// EXTERNAL MODULE: ./src/db/sql-split.ts
var sql_split = __webpack_require__(7183);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/db/files.ts
/**
 * Migration files: name parsing (Flyway `V<version>__<name>.sql` / `U<version>__<name>.sql`,
 * golang-migrate `<version>_<name>.up.sql` / `.down.sql`), the ordered set built from a directory
 * listing, checksums and the no-transaction marker. Everything but `readMigrationDirectory` is pure.
 */






/** The marker that makes a file run on its own, outside a transaction. */
const NO_TRANSACTION_MARKER = '-- deploy-kit:no-transaction';
const FLYWAY = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const GOLANG = /^(\d+(?:\.\d+)*)_(.+)\.(up|down)\.sql$/;
/**
 * Parses a migration file name; returns undefined for files that are not migrations at all
 * (README.md, .gitkeep), and throws for `.sql` files whose name is malformed.
 */
function parseMigrationFileName(fileName) {
    if (!/\.sql$/i.test(fileName))
        return undefined;
    const fw = FLYWAY.exec(fileName);
    if (fw) {
        // Flyway allows `V1_2__x.sql` for version 1.2.
        const version = normalizeVersion(fw[2].replace(/_/g, '.'));
        return { version, name: humanName(fw[3]), direction: fw[1] === 'V' ? 'up' : 'down', style: 'flyway' };
    }
    const gm = GOLANG.exec(fileName);
    if (gm) {
        return { version: normalizeVersion(gm[1]), name: humanName(gm[2]), direction: gm[3], style: 'golang-migrate' };
    }
    throw new errors/* ConfigurationError */.j1(`migrations: "${fileName}" is not a migration file name. Use V<version>__<name>.sql (e.g. V3__add_users.sql) or <version>_<name>.up.sql / .down.sql (e.g. 0003_add_users.up.sql); versions are integers or dotted (1.2.10).`, { input: 'migrations', file: fileName });
}
function humanName(raw) {
    return raw.replace(/_/g, ' ').trim();
}
/** Content as hashed and run: BOM dropped and CRLF as LF, so a checkout's line endings do not change it. */
function normalizeContent(text) {
    return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}
/** SHA-256 (hex) of the normalized content. */
function checksumOf(text) {
    return (0,external_node_crypto_.createHash)('sha256').update(normalizeContent(text)).digest('hex');
}
function hasNoTransactionMarker(text) {
    return text.split('\n').some((l) => l.trim().toLowerCase() === NO_TRANSACTION_MARKER);
}
/**
 * Builds the ordered set of migrations from a directory listing. Duplicated versions, malformed
 * names, a down file without its up file, and files that manage transactions themselves are
 * errors naming the file.
 */
function buildMigrationSet(files, dialect, dirLabel = '') {
    const byVersion = new Map();
    const seen = new Map();
    for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const parsed = parseMigrationFileName(f.name);
        if (!parsed)
            continue;
        const key = `${parsed.direction}:${parsed.version}`;
        const other = seen.get(key);
        if (other) {
            throw new errors/* ConfigurationError */.j1(`migrations: "${f.name}" and "${other}" both have version ${parsed.version} (${parsed.direction}). Give each migration its own version.`, { input: 'migrations', file: (0,external_node_path_.join)(dirLabel, f.name) });
        }
        seen.set(key, f.name);
        const sql = normalizeContent(f.content);
        const statements = (0,sql_split/* splitStatements */.Xd)(sql, dialect);
        const path = (0,external_node_path_.join)(dirLabel, f.name);
        const transactional = !hasNoTransactionMarker(sql);
        if (transactional) {
            const control = (0,sql_split/* findTransactionControl */.f6)(statements);
            if (control) {
                throw new errors/* ConfigurationError */.j1(`migrations: ${f.name} line ${control.line} manages the transaction itself ("${control.text.split(/\s+/).slice(0, 2).join(' ')}"). Remove it (deploy-kit runs files in a transaction), or mark the file with "${NO_TRANSACTION_MARKER}".`, { input: 'migrations', file: path, line: control.line });
            }
        }
        const script = { file: f.name, path, sql, checksum: checksumOf(sql), transactional, statements };
        const m = byVersion.get(parsed.version) ?? { version: parsed.version, name: parsed.name };
        if (parsed.direction === 'up') {
            m.up = script;
            m.name = parsed.name;
        }
        else
            m.down = script;
        byVersion.set(parsed.version, m);
    }
    const set = [...byVersion.values()].sort((a, b) => compareVersions(a.version, b.version));
    for (const m of set) {
        if (!m.up) {
            throw new errors/* ConfigurationError */.j1(`migrations: "${m.down.file}" is a down migration without its up migration (version ${m.version}). Add the up file or remove the down file.`, { input: 'migrations', file: m.down.path });
        }
    }
    return set;
}
/**
 * Reads a migrations directory (not recursive). A missing or empty directory is an error, as is
 * one without any migration file in it.
 */
function readMigrationDirectory(dir, dialect, label = dir) {
    if (!(0,external_node_fs_.existsSync)(dir) || !(0,external_node_fs_.statSync)(dir).isDirectory()) {
        throw new errors/* ConfigurationError */.j1(`migrations: the directory "${label}" does not exist (resolved to ${dir}). Check the path; it is relative to the workspace.`, {
            input: 'migrations',
        });
    }
    const files = [];
    for (const entry of (0,external_node_fs_.readdirSync)(dir, { withFileTypes: true })) {
        if (!entry.isFile() || !/\.sql$/i.test(entry.name))
            continue;
        files.push({ name: entry.name, content: (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(dir, entry.name), 'utf8') });
    }
    const set = buildMigrationSet(files, dialect, label);
    if (set.length === 0) {
        throw new errors/* ConfigurationError */.j1(`migrations: the directory "${label}" holds no migration files (V<version>__<name>.sql or <version>_<name>.up.sql).`, {
            input: 'migrations',
        });
    }
    return set;
}

;// CONCATENATED MODULE: ./src/db/plan.ts
/**
 * The migration plan: from the migration files, the history rows and the options, which files
 * run, in which order, in which direction, grouped in which transactions. Pure: the dry run
 * prints it, the engine executes it, and the rollback action computes its own with `to-version`.
 */


const BASELINE_NAME = '<< baseline >>';
/** Validates `to-version` against the files (before anything connects). */
function checkTargetVersion(migrations, toVersion, baselineVersion) {
    if (toVersion === undefined)
        return;
    if (compareVersions(toVersion, '0') === 0)
        return;
    if (baselineVersion !== undefined && compareVersions(toVersion, baselineVersion) === 0)
        return;
    if (migrations.some((m) => compareVersions(m.version, toVersion) === 0))
        return;
    const lower = migrations.filter((m) => compareVersions(m.version, toVersion) < 0).at(-1);
    const higher = migrations.find((m) => compareVersions(m.version, toVersion) > 0);
    const near = [lower, higher].filter(Boolean).map((m) => m.version);
    throw new errors/* ConfigurationError */.j1(`to-version ${toVersion} is not the version of any migration file${near.length ? ` (nearest: ${near.join(', ')})` : ''}. Give an existing version, or 0 for "before the first migration".`, { input: 'to-version' });
}
/** Applied versions whose file content changed since they were applied. */
function findChangedFiles(migrations, history) {
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    const changed = [];
    for (const row of history) {
        if (row.checksum === null)
            continue;
        const m = byVersion.get(normalizeVersion(row.version));
        if (m?.up && m.up.checksum !== row.checksum) {
            changed.push({ version: m.version, file: m.up.file, path: m.up.path, recorded: row.checksum, current: m.up.checksum });
        }
    }
    return changed;
}
/**
 * Groups steps into transactions. `all`: consecutive transactional steps share one transaction
 * and a no-transaction file splits the batch around itself. `per-migration`: one each.
 */
function splitIntoBatches(steps, mode) {
    const batches = [];
    for (const step of steps) {
        const last = batches.at(-1);
        if (mode === 'all' && step.transactional && last?.transactional)
            last.steps.push(step);
        else
            batches.push({ transactional: step.transactional, steps: [step] });
    }
    return batches;
}
function step(m, direction, script) {
    return { version: m.version, name: m.name, direction, script, transactional: script.transactional, statementCount: script.statements.length };
}
function planMigrations(migrations, history, options = {}) {
    const mode = options.transactionMode ?? 'all';
    const dirty = history.find((r) => r.dirty);
    if (dirty) {
        throw new errors/* ConfigurationError */.j1(`version ${dirty.version} (${dirty.name}) is marked dirty in the history: a run${dirty.appliedBy ? ` (${dirty.appliedBy})` : ''} stopped while applying it${dirty.appliedAt ? ` at ${dirty.appliedAt.toISOString()}` : ''}, and MySQL may have committed part of it. Nothing was applied. Check the database (restore that run's backup if needed), then delete the row (DELETE FROM <history-table> WHERE version = '${dirty.version}') and re-run.`, { input: 'migrations' });
    }
    const rows = history.map((r) => ({ ...r, version: normalizeVersion(r.version) }));
    let baseline;
    if (rows.length === 0 && options.baselineVersion !== undefined) {
        baseline = normalizeVersion(options.baselineVersion);
        rows.push({ version: baseline, name: BASELINE_NAME, checksum: null });
    }
    const applied = new Set(rows.map((r) => r.version));
    const previousVersion = maxVersion(history.map((r) => normalizeVersion(r.version)));
    const current = maxVersion(applied);
    const baselineRow = rows.find((r) => r.checksum === null && r.name === BASELINE_NAME);
    const coveredByBaseline = (v) => baselineRow !== undefined && compareVersions(v, baselineRow.version) <= 0;
    const changed = findChangedFiles(migrations, rows);
    if (changed.length > 0 && !options.allowChanged) {
        const first = changed[0];
        throw new errors/* ConfigurationError */.j1(`${first.file} was changed after it was applied (version ${first.version}: recorded checksum ${first.recorded.slice(0, 12)}…, file now ${first.current.slice(0, 12)}…)${changed.length > 1
            ? ` — and ${changed.length - 1} more: ${changed
                .slice(1)
                .map((c) => c.file)
                .join(', ')}`
            : ''}. Nothing was applied. Restore the file, or add a new migration for the change; set allow-changed: true only if the edit is deliberate (the recorded checksums are then updated).`, { input: 'migrations', file: first.path });
    }
    const known = new Set(migrations.map((m) => m.version));
    const unknownApplied = rows.filter((r) => !known.has(r.version) && r.checksum !== null).map((r) => r.version);
    const target = options.toVersion !== undefined ? normalizeVersion(options.toVersion) : undefined;
    const goingDown = target !== undefined && current !== undefined && compareVersions(target, current) < 0;
    if (goingDown) {
        const toUndo = rows.filter((r) => compareVersions(r.version, target) > 0).sort((a, b) => compareVersions(b.version, a.version));
        if (!options.allowDown) {
            throw new errors/* ConfigurationError */.j1(`to-version ${target} is below the database's current version ${current}: that would undo ${toUndo.map((r) => r.version).join(', ')}. Set allow-down: true to run their down migrations.`, { input: 'to-version' });
        }
        const steps = [];
        for (const r of toUndo) {
            const m = migrations.find((x) => x.version === r.version);
            if (r.checksum === null) {
                throw new errors/* ConfigurationError */.j1(`to-version ${target} is below the baseline ${r.version}, which has no down migration. Choose a version at or above the baseline.`, { input: 'to-version' });
            }
            if (!m?.down) {
                throw new errors/* ConfigurationError */.j1(`to-version ${target}: version ${r.version} (${m?.up?.file ?? r.name}) has no down migration. Add ${m?.up ? downNameFor(m.up.file) : `a .down.sql file for version ${r.version}`}, or choose a higher to-version.`, { input: 'to-version', file: m?.up?.path });
            }
            steps.push(step(m, 'down', m.down));
        }
        const remaining = maxVersion(rows.filter((r) => compareVersions(r.version, target) <= 0).map((r) => r.version));
        return {
            previousVersion,
            targetVersion: remaining,
            direction: 'down',
            steps,
            batches: splitIntoBatches(steps, mode),
            baseline,
            checksumUpdates: changed,
            unknownApplied,
        };
    }
    const pending = migrations.filter((m) => !applied.has(m.version) && !coveredByBaseline(m.version) && (target === undefined || compareVersions(m.version, target) <= 0));
    if (current !== undefined) {
        const late = pending.find((m) => compareVersions(m.version, current) < 0);
        if (late) {
            throw new errors/* ConfigurationError */.j1(`${late.up.file} (version ${late.version}) is not applied, but the database is already at version ${current}: it would run out of order. Give it a version above ${current} (rename the file), nothing was applied.`, { input: 'migrations', file: late.up.path });
        }
    }
    const steps = pending.map((m) => step(m, 'up', m.up));
    const last = steps.at(-1)?.version;
    return {
        previousVersion,
        targetVersion: last !== undefined && (current === undefined || compareVersions(last, current) > 0) ? last : current,
        direction: steps.length > 0 ? 'up' : 'none',
        steps,
        batches: splitIntoBatches(steps, mode),
        baseline,
        checksumUpdates: changed,
        unknownApplied,
    };
}
function downNameFor(upFile) {
    if (upFile.endsWith('.up.sql'))
        return upFile.replace(/\.up\.sql$/, '.down.sql');
    return upFile.replace(/^V/, 'U');
}
/** A checked `expect-version`: the version the plan ends at must be the expected one. */
function checkExpectedVersion(plan, expectVersion) {
    if (expectVersion === undefined)
        return;
    const at = plan.targetVersion;
    if (at === undefined || compareVersions(at, expectVersion) !== 0) {
        throw new errors/* ConfigurationError */.j1(`expect-version is ${expectVersion}, but after this run the database would be at ${at ?? 'no version'}${plan.steps.length ? ` (applying ${plan.steps.map((s) => s.version).join(', ')})` : ''}. Nothing was applied. Check the migrations directory or expect-version.`, { input: 'expect-version' });
    }
}

;// CONCATENATED MODULE: ./src/db/url.ts
/**
 * `database-url` parsing: the engine from the scheme, the connection parts, TLS options. Pure; it
 * never echoes the URL or its password in an error.
 */

const SCHEMES = {
    'postgres:': 'postgres',
    'postgresql:': 'postgres',
    'mysql:': 'mysql',
    'mariadb:': 'mysql',
};
const DEFAULT_PORT = { postgres: 5432, mysql: 3306 };
const PG_SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
function fail(message) {
    throw new errors/* ConfigurationError */.j1(`database-url ${message}`, { input: 'database-url' });
}
function decode(part, what) {
    try {
        return decodeURIComponent(part);
    }
    catch {
        return fail(`has a badly percent-encoded ${what}. Percent-encode special characters (e.g. @ as %40).`);
    }
}
function parseDatabaseUrl(raw) {
    const text = raw.trim();
    if (text === '')
        fail('is empty: give a URL such as postgres://user:password@host:5432/dbname.');
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
    if (!scheme)
        fail('is not a URL: give one such as postgres://user:password@host:5432/dbname or mysql://user:password@host:3306/dbname.');
    const engine = SCHEMES[`${scheme[1].toLowerCase()}:`];
    if (!engine) {
        fail(`has the scheme "${scheme[1]}", which is not supported: use postgres://, postgresql://, mysql:// or mariadb://.`);
    }
    let url;
    try {
        url = new URL(text);
    }
    catch {
        return fail('cannot be parsed as a URL (check for unencoded special characters in the password: percent-encode @ : / ? # as %40 %3A %2F %3F %23).');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === '')
        fail('has no host: give one such as postgres://user:password@db.example.com:5432/dbname.');
    const port = url.port ? Number(url.port) : DEFAULT_PORT[engine];
    const database = decode(url.pathname.replace(/^\//, ''), 'database name');
    if (database === '' || database.includes('/'))
        fail('has no database name: end it with /<dbname>, e.g. …:5432/app.');
    const user = decode(url.username, 'user name');
    if (user === '')
        fail('has no user name: give one as scheme://user:password@host/dbname.');
    const password = decode(url.password, 'password');
    const params = url.searchParams;
    let tls;
    let caFile;
    if (engine === 'postgres') {
        const mode = (params.get('sslmode') ?? 'prefer').toLowerCase();
        if (!PG_SSLMODES.includes(mode))
            fail(`has sslmode=${mode}: use one of ${PG_SSLMODES.join(', ')}.`);
        tls = mode === 'allow' ? 'prefer' : mode;
        caFile = params.get('sslrootcert') ?? undefined;
    }
    else {
        tls = mysqlTls(params);
        caFile = params.get('ssl-ca') ?? params.get('sslca') ?? undefined;
    }
    if (caFile !== undefined && tls !== 'verify-ca' && tls !== 'verify-full') {
        fail('names a CA file but does not verify the server: add sslmode=verify-full (PostgreSQL) or ssl-mode=VERIFY_IDENTITY (MySQL).');
    }
    return { engine, host, port, user, password, database, tls, caFile, address: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}
function mysqlTls(params) {
    const mode = params.get('ssl-mode') ?? params.get('sslmode');
    if (mode !== null) {
        const m = mode.toUpperCase().replace(/-/g, '_');
        const map = {
            DISABLED: 'disable',
            PREFERRED: 'prefer',
            REQUIRED: 'require',
            VERIFY_CA: 'verify-ca',
            VERIFY_IDENTITY: 'verify-full',
            // libpq spellings too
            DISABLE: 'disable',
            PREFER: 'prefer',
            REQUIRE: 'require',
            VERIFY_FULL: 'verify-full',
        };
        const tls = map[m];
        if (!tls)
            fail(`has ssl-mode=${mode}: use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY.`);
        return tls;
    }
    const ssl = params.get('ssl');
    if (ssl === null)
        return 'disable';
    const v = ssl.toLowerCase();
    if (['true', '1', 'yes', 'on', 'required'].includes(v))
        return 'require';
    if (['false', '0', 'no', 'off'].includes(v))
        return 'disable';
    if (v === 'verify')
        return 'verify-full';
    return fail(`has ssl=${ssl}: use true, false or verify.`);
}
/** The target without secrets, for logs and summaries: `postgres app@db.example.com:5432`. */
function describeTarget(t) {
    return `${t.engine === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} database "${t.database}" at ${t.address} as ${t.user}`;
}
/** libpq / mysql client environment for the dump tools: the password goes in the environment, never argv. */
function clientEnvironment(t, base = process.env) {
    const env = { ...base };
    if (t.engine === 'postgres') {
        Object.assign(env, {
            PGHOST: t.host,
            PGPORT: String(t.port),
            PGUSER: t.user,
            PGDATABASE: t.database,
            PGSSLMODE: t.tls,
            PGCONNECT_TIMEOUT: '10',
            PGAPPNAME: 'deploy-kit migrate-db',
        });
        if (t.password)
            env.PGPASSWORD = t.password;
        else
            delete env.PGPASSWORD;
        if (t.caFile)
            env.PGSSLROOTCERT = t.caFile;
    }
    else {
        if (t.password)
            env.MYSQL_PWD = t.password;
        else
            delete env.MYSQL_PWD;
    }
    return env;
}
/** Connection arguments for mysql / mysqldump (no password: that is MYSQL_PWD). */
function mysqlClientArgs(t) {
    const args = [`--host=${t.host}`, `--port=${t.port}`, `--user=${t.user}`, '--protocol=TCP'];
    if (t.tls === 'disable')
        args.push('--skip-ssl');
    else if (t.tls !== 'prefer') {
        args.push('--ssl');
        if (t.caFile)
            args.push(`--ssl-ca=${t.caFile}`);
        if (t.tls === 'verify-ca' || t.tls === 'verify-full')
            args.push('--ssl-verify-server-cert');
    }
    return args;
}

// EXTERNAL MODULE: ./src/runtime/parse.ts
var parse = __webpack_require__(6219);
// EXTERNAL MODULE: ./src/db/session.ts
var db_session = __webpack_require__(9750);
;// CONCATENATED MODULE: ./src/db/lock.ts
/**
 * The run lock: one migration run at a time per database and history table. The waiting side
 * polls a non-blocking try-lock in autocommit mode, so it never sits inside an open transaction
 * (a waiter inside a transaction deadlocks CREATE INDEX CONCURRENTLY — flyway#1654,
 * golang-migrate#960), and its wait is bounded by lock-timeout and the cancel signal.
 */



/** Delay before the next try: 100 ms doubling to 1 s, never past the deadline. */
function lockPollDelay(attempt, remainingMs) {
    return Math.max(0, Math.min(100 * 2 ** Math.min(attempt, 10), 1000, remainingMs));
}
/** What to do after a failed try: wait this long, or give up. */
function lockWaitDecision(attempt, elapsedMs, timeoutMs) {
    const remaining = timeoutMs - elapsedMs;
    if (remaining <= 0)
        return { action: 'give-up' };
    return { action: 'wait', delayMs: lockPollDelay(attempt, remaining) };
}
/** Takes the run lock or throws naming the holder; returns how long it waited (ms). */
async function acquireRunLock(session, options) {
    const started = Date.now();
    let announced = false;
    for (let attempt = 0;; attempt++) {
        if (await session.tryLock())
            return Date.now() - started;
        if (options.signal?.aborted)
            throw new errors/* OperationFailedError */.Bp(`cancelled while waiting for the migration lock on ${options.what}`);
        const decision = lockWaitDecision(attempt, Date.now() - started, options.timeoutMs);
        if (decision.action === 'give-up') {
            const holder = await session.lockHolder().catch(() => undefined);
            throw new errors/* OperationFailedError */.Bp(`another migration run holds the lock on ${options.what}${holder ? `: ${holder}` : ''}. Gave up after lock-timeout ${(0,parse/* formatDuration */.a3)(options.timeoutMs)}; nothing was applied. Re-run when it finishes, or raise lock-timeout.`);
        }
        if (!announced) {
            const holder = await session.lockHolder().catch(() => undefined);
            options.log.info(`Waiting up to ${(0,parse/* formatDuration */.a3)(options.timeoutMs)} for the migration lock on ${options.what}, held by ${holder ?? 'another session'}.`);
            announced = true;
        }
        await (0,db_session/* sleep */.yy)(decision.delayMs, options.signal);
    }
}

// EXTERNAL MODULE: ./src/exec/run.ts + 1 modules
var run = __webpack_require__(1755);
// EXTERNAL MODULE: ./src/runtime/logger.ts
var logger = __webpack_require__(8118);
;// CONCATENATED MODULE: ./src/db/connect.ts
async function openSession(target, options) {
    if (target.engine === 'postgres') {
        const { openPostgres } = await __webpack_require__.e(/* import() */ 343).then(__webpack_require__.bind(__webpack_require__, 1343));
        return openPostgres(target, options);
    }
    const { openMysql } = await __webpack_require__.e(/* import() */ 660).then(__webpack_require__.bind(__webpack_require__, 5660));
    return openMysql(target, options);
}

;// CONCATENATED MODULE: ./src/db/backup.ts
/**
 * Backups before a migration and restores after a failed one: `pg_dump -Fc` / `pg_restore`,
 * `mysqldump --single-transaction` / `mysql`. Programs run through src/exec with argument arrays;
 * the password travels in PGPASSWORD / MYSQL_PWD, never on a command line.
 */







/** `app-20261128T093000Z.dump` (PostgreSQL custom format) or `.sql` (mysqldump); safe file characters only. */
function backupFileName(database, engine, at) {
    const stamp = at
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    const safe = database.replace(/[^A-Za-z0-9_.-]/g, '_');
    return `${safe}-${stamp}.${engine === 'postgres' ? 'dump' : 'sql'}`;
}
/** The major version from `pg_dump --version` output or a server version (`15.18 (Debian…)` → 15). */
function majorVersion(text) {
    const m = /(\d+)(?:\.(\d+))?/.exec(text.replace(/^[^\d]*/, ''));
    return m ? Number(m[1]) : undefined;
}
/** pg_dump refuses a server newer than itself: say so before anything is applied. */
function checkDumpToolVersion(toolVersionText, serverVersion) {
    const tool = majorVersion(toolVersionText);
    const server = majorVersion(serverVersion);
    if (tool !== undefined && server !== undefined && tool < server) {
        throw new errors/* ConfigurationError */.j1(`pg_dump is version ${tool} but the server runs PostgreSQL ${server}: pg_dump cannot back up a newer server. Install postgresql-client-${server} on the runner (or set backup: false).`, { input: 'backup' });
    }
}
/** A mysqldump file is complete when it starts with the dump header and ends with "Dump completed". */
function checkSqlDumpText(head, tail) {
    if (!/^-- (MySQL|MariaDB) dump/m.test(head.slice(0, 200)))
        return 'it does not start with a mysqldump header';
    if (!/-- Dump completed[^\n]*\n?\s*$/.test(tail))
        return 'it does not end with "-- Dump completed" (the dump was cut short)';
    return undefined;
}
/** Objects in the database that the backup does not hold: the restore drops them first. */
function objectsMissingFromBackup(objects, listing, engine) {
    if (engine === 'postgres') {
        // `pg_restore --list` lines: "215; 1259 16386 TABLE public users owner"; functions' tags are "name(args)".
        const entries = listing.split('\n').filter((l) => /^\d+;/.test(l));
        return objects.filter((o) => {
            const prefix = ` ${o.kind} ${o.schema} ${o.name}`;
            const tagEnd = o.kind === 'FUNCTION' || o.kind === 'PROCEDURE' || o.kind === 'AGGREGATE' ? '(' : ' ';
            return !entries.some((l) => l.includes(prefix + tagEnd) || l.endsWith(prefix));
        });
    }
    const quoted = (name) => `\`${name.replace(/`/g, '``')}\``;
    return objects.filter((o) => {
        const kinds = o.kind === 'VIEW' ? ['VIEW', 'TABLE'] : [o.kind];
        return !kinds.some((k) => listing.includes(`${k} ${quoted(o.name)}`));
    });
}
function readEnds(path, bytes = 4096) {
    const fd = (0,external_node_fs_.openSync)(path, 'r');
    try {
        const size = (0,external_node_fs_.fstatSync)(fd).size;
        const head = Buffer.alloc(Math.min(bytes, size));
        (0,external_node_fs_.readSync)(fd, head, 0, head.length, 0);
        const tail = Buffer.alloc(Math.min(bytes, size));
        (0,external_node_fs_.readSync)(fd, tail, 0, tail.length, Math.max(0, size - tail.length));
        return { head: head.toString('utf8'), tail: tail.toString('utf8') };
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
}
function toolError(err, what, redact) {
    const detail = err instanceof run/* ExecError */.cI ? err.message : err instanceof Error ? err.message : String(err);
    return new errors/* OperationFailedError */.Bp(redact(`${what} failed: ${detail}`));
}
/** The tool's version, e.g. to compare pg_dump with the server; a missing tool is a configuration error. */
async function toolVersion(tool) {
    try {
        const r = await (0,run/* runProgram */.mB)(tool, ['--version'], { timeoutMs: 15_000 });
        return r.stdout.trim();
    }
    catch (err) {
        const pkg = tool.startsWith('pg_') ? 'postgresql-client' : 'mariadb-client (or mysql-client)';
        throw new errors/* ConfigurationError */.j1(`backup: ${tool} cannot run (${err instanceof Error ? err.message : String(err)}). Install ${pkg} on the runner, or set backup: false.`, {
            input: 'backup',
        });
    }
}
/**
 * `backup-dir` must be a writable directory, or creatable under a writable one: checked before
 * anything connects, so a bad path never fails a run half-way.
 */
function checkBackupDir(dir, label = dir) {
    let probe = (0,external_node_path_.resolve)(dir);
    while (!(0,external_node_fs_.existsSync)(probe)) {
        const parent = (0,external_node_path_.dirname)(probe);
        if (parent === probe)
            break;
        probe = parent;
    }
    const fail = (why) => {
        throw new errors/* ConfigurationError */.j1(`backup-dir "${label}" ${why}. Give a writable directory, or set backup: false.`, { input: 'backup-dir' });
    };
    if (!(0,external_node_fs_.statSync)(probe).isDirectory())
        fail(`cannot be used: ${probe} is a file`);
    try {
        (0,external_node_fs_.accessSync)(probe, external_node_fs_.constants.W_OK | external_node_fs_.constants.X_OK);
    }
    catch {
        fail(`is not writable (${probe})`);
    }
}
/** Dumps the database into `dir` and checks the dump reads back before returning. */
async function backupDatabase(target, dir, options = {}) {
    const redact = options.redact ?? ((t) => t);
    const started = performance.now();
    (0,external_node_fs_.mkdirSync)(dir, { recursive: true });
    let path = (0,external_node_path_.resolve)((0,external_node_path_.join)(dir, backupFileName(target.database, target.engine, new Date())));
    for (let i = 2; (0,external_node_fs_.existsSync)(path); i++)
        path = path.replace(/(-\d+)?\.(dump|sql)$/, `-${i}.$2`);
    const env = clientEnvironment(target);
    const common = { env, signal: options.signal, timeoutMs: options.timeoutMs ?? 60 * 60_000, redact };
    try {
        if (target.engine === 'postgres') {
            await (0,run/* runProgram */.mB)('pg_dump', ['--format=custom', '--no-password', `--file=${path}`], common);
        }
        else {
            await (0,run/* runProgram */.mB)('mysqldump', [
                ...mysqlClientArgs(target),
                '--single-transaction',
                '--routines',
                '--triggers',
                '--hex-blob',
                '--no-tablespaces',
                '--skip-dump-date',
                `--result-file=${path}`,
                target.database,
            ], common);
        }
    }
    catch (err) {
        throw toolError(err, target.engine === 'postgres' ? 'pg_dump' : 'mysqldump', redact);
    }
    const entries = await verifyBackup(target, path, options);
    return { path, bytes: (0,external_node_fs_.statSync)(path).size, durationMs: performance.now() - started, entries };
}
/** Reads a backup back: `pg_restore --list` for a custom-format dump, a completeness check for SQL. Returns its entry count. */
async function verifyBackup(target, path, options = {}) {
    const redact = options.redact ?? ((t) => t);
    if (!(0,external_node_fs_.existsSync)(path) || (0,external_node_fs_.statSync)(path).size === 0)
        throw new errors/* OperationFailedError */.Bp(`the backup ${path} is missing or empty`);
    if (target.engine === 'postgres') {
        try {
            const r = await (0,run/* runProgram */.mB)('pg_restore', ['--list', path], { signal: options.signal, timeoutMs: 10 * 60_000, redact });
            return r.stdout.split('\n').filter((l) => /^\d+;/.test(l)).length;
        }
        catch (err) {
            throw toolError(err, `reading the backup back (pg_restore --list ${path})`, redact);
        }
    }
    const { head, tail } = readEnds(path);
    const problem = checkSqlDumpText(head, tail);
    if (problem)
        throw new errors/* OperationFailedError */.Bp(`the backup ${path} is not a complete dump: ${problem}`);
    return 1;
}
async function backupListing(target, path, options) {
    if (target.engine === 'postgres') {
        const r = await (0,run/* runProgram */.mB)('pg_restore', ['--list', path], { signal: options.signal, timeoutMs: 10 * 60_000, redact: options.redact });
        return r.stdout;
    }
    // A SQL dump can be far larger than a string may be: keep only the lines that create objects.
    const { createReadStream } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 3024, 23));
    const { createInterface } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 481, 23));
    const kept = [];
    for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
        if (/\b(CREATE|VIEW)\b/.test(line) && !line.startsWith('INSERT'))
            kept.push(line.length > 400 ? line.slice(0, 400) : line);
    }
    return kept.join('\n');
}
/**
 * Puts the database back to the backup: objects the backup does not hold are dropped, then
 * `pg_restore --clean --if-exists --single-transaction` (PostgreSQL: all or nothing) or the SQL
 * dump through `mysql` (MySQL: statement by statement, DDL commits as it goes).
 */
async function restoreBackup(target, path, options = {}) {
    const redact = options.redact ?? ((t) => t);
    const log = options.log ?? logger/* nullLogger */.G;
    const started = performance.now();
    await verifyBackup(target, path, options);
    const listing = await backupListing(target, path, options);
    const session = await openSession(target, {
        historyTable: options.historyTable ?? 'schema_migrations',
        connectTimeoutMs: 10_000,
        label: 'deploy-kit restore',
        signal: options.signal,
    });
    const dropped = [];
    try {
        const extra = objectsMissingFromBackup(await session.listObjects(), listing, target.engine);
        if (extra.length > 0) {
            log.info(`Dropping ${extra.length} object(s) created after the backup: ${extra.map((o) => `${o.kind} ${o.schema && o.schema !== '-' ? `${o.schema}.` : ''}${o.name}`).join(', ')}`);
            if (target.engine === 'postgres') {
                await session.begin();
                try {
                    for (const o of extra)
                        await session.execute(o.drop);
                    await session.commit();
                }
                catch (err) {
                    await session.rollback().catch(() => undefined);
                    throw err;
                }
            }
            else {
                await session.execute('SET FOREIGN_KEY_CHECKS = 0');
                for (const o of extra)
                    await session.execute(o.drop);
                await session.execute('SET FOREIGN_KEY_CHECKS = 1');
            }
            dropped.push(...extra.map((o) => `${o.kind} ${o.name}`));
        }
    }
    finally {
        await session.close();
    }
    const env = clientEnvironment(target);
    try {
        if (target.engine === 'postgres') {
            await (0,run/* runProgram */.mB)('pg_restore', ['--clean', '--if-exists', '--single-transaction', '--no-password', `--dbname=${target.database}`, path], {
                env,
                signal: options.signal,
                timeoutMs: options.timeoutMs ?? 60 * 60_000,
                redact,
            });
        }
        else {
            await (0,run/* runProgram */.mB)('mysql', [...mysqlClientArgs(target), '--connect-timeout=10', '--batch', target.database, `--execute=source ${path}`], {
                env,
                signal: options.signal,
                timeoutMs: options.timeoutMs ?? 60 * 60_000,
                redact,
            });
        }
    }
    catch (err) {
        throw toolError(err, `restoring ${path}`, redact);
    }
    return { durationMs: performance.now() - started, dropped };
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
;// CONCATENATED MODULE: ./src/db/engine.ts
/**
 * The migration engine: lock, read the history, plan, back up, apply in transactions, verify,
 * and restore the backup when a failure left the database changed. Free of @actions/core: the
 * migrate-db action and the rollback action both drive it.
 */











/** The run failed; `result` says what was applied, what was undone and how. */
class MigrationFailedError extends errors/* OperationFailedError */.Bp {
    result;
    constructor(message, result) {
        super(message);
        this.result = result;
    }
}
/**
 * Whether to restore the backup after a failure. `auto` restores when the database may be left
 * changed outside a rolled-back transaction: on MySQL (DDL commits implicitly), when the failing
 * file ran outside a transaction, or when `all` mode already committed part of the run.
 */
function shouldRestore(onFailure, situation) {
    if (onFailure === 'none')
        return false;
    if (onFailure === 'restore')
        return true;
    if (situation.engine === 'mysql')
        return situation.startedFailingFile || situation.committedInRun > 0;
    if (!situation.failingTransactional && situation.startedFailingFile)
        return true;
    return situation.mode === 'all' && situation.committedInRun > 0;
}
function defaultAppliedBy() {
    let user = 'unknown';
    try {
        user = (0,external_node_os_.userInfo)().username;
    }
    catch {
        // no passwd entry (containers)
    }
    return `${user}@${(0,external_node_os_.hostname)()}`;
}
/** Runs the plan for `options` (or only computes it, with dryRun). Throws MigrationFailedError when a migration fails. */
async function applyMigrations(options) {
    const started = performance.now();
    const log = options.log ?? logger/* nullLogger */.G;
    const target = options.target;
    const historyTable = options.historyTable ?? 'schema_migrations';
    const mode = options.transactionMode ?? 'all';
    const appliedBy = options.appliedBy ?? defaultAppliedBy();
    const wantBackup = options.backup ?? true;
    if (wantBackup && !options.dryRun && !options.backupDir)
        throw new errors/* ConfigurationError */.j1('backup-dir is required when backup is on.', { input: 'backup-dir' });
    const session = await openSession(target, {
        historyTable,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        label: `deploy-kit migrate-db ${appliedBy}`,
        signal: options.signal,
    });
    const onAbort = () => session.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
        const lockWaitMs = options.dryRun
            ? 0
            : await acquireRunLock(session, { timeoutMs: options.lockTimeoutMs ?? 300_000, signal: options.signal, log, what: describeTarget(target) });
        const shape = await session.historyShape();
        (0,db_session/* checkHistoryShape */.Kp)(shape, historyTable);
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
                throw new errors/* ConfigurationError */.j1(`${dotted.script.file}: version ${dotted.version} is dotted, but ${historyTable} stores integer versions (its version column is BIGINT). Use an integer version.`, { input: 'migrations', file: dotted.script.path });
            }
        }
        options.onPlan?.(plan, target.engine);
        for (const v of plan.unknownApplied)
            log.warning(`Version ${v} is in ${historyTable} but has no migration file here (applied by a newer release?).`);
        const result = {
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
            if (target.engine === 'postgres')
                checkDumpToolVersion(await toolVersion('pg_dump'), session.serverVersion);
            else
                await toolVersion('mysqldump');
            log.info(`Backing up ${describeTarget(target)} into ${options.backupDir} …`);
            result.backup = await backupDatabase(target, options.backupDir, { signal: options.signal, log, redact: options.redact });
            log.info(`Backup ${result.backup.path} (${result.backup.bytes} bytes, ${result.backup.entries} entries) written and read back in ${(0,parse/* formatDuration */.a3)(result.backup.durationMs)}.`);
        }
        const executor = new PlanExecutor(session, options, plan, shape.exists, integerVersions, appliedBy, log);
        try {
            await executor.run();
        }
        catch (err) {
            result.applied = executor.committed;
            result.failure = await handleFailure(err, executor, result, options, mode, log);
            result.currentVersion = await session.currentVersion().catch(() => undefined);
            if (result.failure.outcome === 'restored')
                result.applied = [];
            result.durationMs = performance.now() - started;
            await releaseLock(session);
            throw new MigrationFailedError(failureHeadline(result.failure), result);
        }
        result.applied = executor.committed;
        // The seeds' verify step: read the version back from the database.
        result.currentVersion = await session.currentVersion();
        if (options.expectVersion !== undefined && (result.currentVersion === undefined || compareVersions(result.currentVersion, options.expectVersion) !== 0)) {
            const err = new errors/* OperationFailedError */.Bp(`expect-version is ${options.expectVersion} but the database reports ${result.currentVersion ?? 'no version'} after the run`);
            result.failure = await handleFailure(err, executor, result, options, mode, log, true);
            result.durationMs = performance.now() - started;
            await releaseLock(session);
            throw new MigrationFailedError(failureHeadline(result.failure), result);
        }
        result.durationMs = performance.now() - started;
        await releaseLock(session);
        return result;
    }
    finally {
        options.signal?.removeEventListener('abort', onAbort);
        await session.close();
    }
}
/** Runs to a version: up, or down with allowDown (the rollback action's entry point). */
function migrateTo(version, options) {
    return applyMigrations({ ...options, toVersion: version });
}
async function releaseLock(session, skip = false) {
    if (skip)
        return;
    // Closing the session releases it too; an explicit unlock keeps a reused session honest.
    await session.unlock().catch(() => undefined);
}
function failureHeadline(f) {
    const where = f.file ? `${f.file}${f.line ? ` line ${f.line}` : ''}: ` : '';
    const what = {
        'rolled-back': 'its transaction was rolled back',
        restored: 'the database was restored from the backup',
        'left-partial': 'the database may be partly changed (no restore)',
        'restore-failed': 'restoring the backup FAILED',
    };
    return `migration failed — ${where}${f.message} — ${what[f.outcome]}`;
}
async function handleFailure(err, executor, result, options, mode, log, afterSuccess = false) {
    if (err instanceof errors/* ConfigurationError */.j1)
        throw err;
    const sqlErr = err instanceof db_session/* MigrationSqlError */.Z4 ? err : undefined;
    const failing = executor.current;
    const failure = {
        message: options.redact ? options.redact((0,errors/* errorMessage */.gJ)(err)) : (0,errors/* errorMessage */.gJ)(err),
        version: failing?.version,
        file: sqlErr?.script.file ?? failing?.script.file,
        path: sqlErr?.script.path ?? failing?.script.path,
        line: sqlErr?.line,
        code: sqlErr?.code,
        outcome: 'rolled-back',
        undone: executor.inOpenTransaction.map((s) => s.version),
    };
    // A transactional file on PostgreSQL rolled back with its batch: it is undone too.
    if (failing && failing.transactional && result.engine === 'postgres' && !afterSuccess)
        failure.undone.push(failing.version);
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
            log.warning(`${failure.file ?? 'A migration'} failed and on-failure is "none": ${result.engine === 'mysql' ? 'MySQL commits DDL implicitly, so statements before the error stay applied' : 'it ran outside a transaction, so statements before the error stay applied'}. Restore ${result.backup?.path ?? 'a backup'} if needed.`);
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
        log.info(`Restored the backup in ${(0,parse/* formatDuration */.a3)(r.durationMs)}.`);
        failure.outcome = 'restored';
        failure.undone = [...executor.committed.map((s) => s.version), ...failure.undone];
        if (failing && !failure.undone.includes(failing.version))
            failure.undone.push(failing.version);
    }
    catch (restoreErr) {
        failure.outcome = 'restore-failed';
        failure.restoreError = (0,errors/* errorMessage */.gJ)(restoreErr);
        log.error(`Restoring ${result.backup.path} failed: ${failure.restoreError}`);
    }
    return failure;
}
/** Executes the batches of a plan, keeping track of what is committed and what is in flight. */
class PlanExecutor {
    session;
    options;
    plan;
    integerVersions;
    appliedBy;
    log;
    committed = [];
    /** Steps run in the currently open transaction (undone if it rolls back). */
    inOpenTransaction = [];
    current;
    historyReady;
    preludeDone = false;
    constructor(session, options, plan, historyExists, integerVersions, appliedBy, log) {
        this.session = session;
        this.options = options;
        this.plan = plan;
        this.integerVersions = integerVersions;
        this.appliedBy = appliedBy;
        this.log = log;
        this.historyReady = historyExists;
    }
    async run() {
        if (this.plan.batches.length === 0) {
            await this.inTransaction([]);
            return;
        }
        if (this.session.engine === 'mysql') {
            await this.mysqlFiles(this.plan.steps);
            return;
        }
        for (const batch of this.plan.batches) {
            if (this.options.signal?.aborted)
                throw new errors/* OperationFailedError */.Bp('cancelled before the next migration');
            if (batch.transactional)
                await this.inTransaction(batch.steps);
            else
                await this.alone(batch);
        }
    }
    /** History table, baseline row and checksum repairs, written with the first batch. */
    async prelude() {
        if (this.preludeDone)
            return;
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
    record(step, durationMs) {
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
    historyRecord(a, checksum) {
        return {
            version: a.version,
            versionKey: versionSortKey(a.version),
            name: a.name,
            checksum,
            executionMs: Math.round(a.durationMs),
            appliedBy: this.appliedBy,
        };
    }
    async writeHistory(steps) {
        const ups = steps.filter((s) => s.step.direction === 'up');
        const downs = steps.filter((s) => s.step.direction === 'down');
        await this.session.insertHistory(ups.map((s) => this.historyRecord(s.applied, s.step.script.checksum)));
        await this.session.deleteHistory(downs.map((s) => s.step.version));
    }
    async runStep(step, transactional) {
        this.current = step;
        const verb = step.direction === 'up' ? 'Applying' : 'Reverting';
        this.log.info(`${verb} ${step.script.file} (${step.statementCount} statement${step.statementCount === 1 ? '' : 's'}${transactional ? '' : ', outside a transaction'})`);
        const t0 = performance.now();
        await this.session.runScript(step.script, transactional);
        return this.record(step, performance.now() - t0);
    }
    async inTransaction(steps) {
        await this.session.begin();
        const done = [];
        try {
            await this.prelude();
            if (this.session.runScriptsPipelined && steps.length > 0) {
                await this.pipelined(steps, done);
            }
            else {
                for (const step of steps) {
                    if (this.options.signal?.aborted)
                        throw new errors/* OperationFailedError */.Bp('cancelled before the next migration');
                    const applied = await this.runStep(step, true);
                    done.push({ step, applied });
                    this.inOpenTransaction.push(applied);
                }
            }
            await this.writeHistory(done);
            await this.session.commit();
        }
        catch (err) {
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
    async mysqlFiles(steps) {
        await this.prelude();
        for (const step of steps) {
            if (this.options.signal?.aborted)
                throw new errors/* OperationFailedError */.Bp('cancelled before the next migration');
            this.current = step;
            const up = step.direction === 'up';
            if (up)
                await this.session.insertHistory([{ ...this.historyRecord(this.record(step, 0), step.script.checksum), dirty: true }]);
            else
                await this.session.setDirty(step.version, true);
            if (step.transactional)
                await this.session.begin();
            try {
                const applied = await this.runStep(step, step.transactional);
                if (up)
                    await this.session.markClean(step.version, applied.durationMs);
                else
                    await this.session.deleteHistory([step.version]);
                if (step.transactional)
                    await this.session.commit();
                this.committed.push(applied);
            }
            catch (err) {
                if (step.transactional)
                    await this.session.rollback().catch(() => undefined);
                // Still alive: the failure is reported (and the backup restored per on-failure), so the mark goes.
                if (up)
                    await this.session.deleteHistory([step.version]).catch(() => undefined);
                else
                    await this.session.setDirty(step.version, false).catch(() => undefined);
                throw err;
            }
        }
        this.current = undefined;
    }
    /** PostgreSQL: every statement of the batch on the wire at once, inside the one transaction. */
    async pipelined(steps, done) {
        this.log.info(steps
            .map((step) => `${step.direction === 'up' ? 'Applying' : 'Reverting'} ${step.script.file} (${step.statementCount} statement${step.statementCount === 1 ? '' : 's'})`)
            .join('\n'));
        this.current = steps[0];
        const outcome = await this.session.runScriptsPipelined(steps.map((s) => s.script));
        outcome.durationsMs.forEach((ms, i) => {
            const applied = this.record(steps[i], ms);
            done.push({ step: steps[i], applied });
            this.inOpenTransaction.push(applied);
        });
        if (outcome.failedIndex !== undefined) {
            this.current = steps[outcome.failedIndex];
            throw outcome.error;
        }
    }
    async alone(batch) {
        await this.prelude();
        const step = batch.steps[0];
        const applied = await this.runStep(step, false);
        await this.writeHistory([{ step, applied }]);
        this.committed.push(applied);
        this.current = undefined;
    }
}

;// CONCATENATED MODULE: ./src/db/index.ts












/***/ }),

/***/ 9750:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   J_: () => (/* binding */ initialized),
/* harmony export */   Kp: () => (/* binding */ checkHistoryShape),
/* harmony export */   Ut: () => (/* binding */ advisoryLockKey),
/* harmony export */   Wi: () => (/* binding */ parseHistoryTable),
/* harmony export */   Z4: () => (/* binding */ MigrationSqlError),
/* harmony export */   Z8: () => (/* binding */ quoteTable),
/* harmony export */   ZO: () => (/* binding */ connectWithRetry),
/* harmony export */   d8: () => (/* binding */ networkReason),
/* harmony export */   vD: () => (/* binding */ mysqlLockName),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/* unused harmony exports HISTORY_COLUMNS, connectRetryDelay, describeEngine */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _runtime_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9541);
/* harmony import */ var _http_socket_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9323);
/**
 * What the engine needs from a database, implemented for PostgreSQL (`pg`) and MySQL/MariaDB
 * (`mysql2`), plus the pure helpers both share: history table naming, lock names, connect retry.
 */



const HISTORY_COLUMNS = ['version', 'version_key', 'name', 'checksum', 'applied_at', 'execution_ms', 'applied_by', 'dirty'];
/**
 * A table of that name that is not ours (golang-migrate's `schema_migrations (version, dirty)`,
 * Rails' `schema_migrations (version)`) must not be read as our history nor written to.
 */
function checkHistoryShape(shape, table) {
    if (!shape.exists)
        return;
    const missing = HISTORY_COLUMNS.filter((c) => !shape.columns.includes(c));
    if (missing.length === 0)
        return;
    const hint = shape.columns.includes('dirty') && !shape.columns.includes('version_key') ? " (it looks like golang-migrate's)" : '';
    throw new _runtime_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j1(`history-table: ${table} exists but is not a deploy-kit history table${hint}: it has columns ${shape.columns.join(', ')} and lacks ${missing.join(', ')}. Give another history-table (e.g. deploy_kit_migrations) and baseline-version set to the version this database is at.`, { input: 'history-table' });
}
/** A SQL error inside a migration file, mapped to the file's line. */
class MigrationSqlError extends Error {
    script;
    line;
    code;
    name = 'MigrationSqlError';
    constructor(message, script, line, code) {
        super(message);
        this.script = script;
        this.line = line;
        this.code = code;
    }
}
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** `schema_migrations` or `app.schema_migrations`: plain identifiers only, so quoting is exact. */
function parseHistoryTable(text) {
    const parts = text.trim().split('.');
    if (parts.length > 2 || parts.some((p) => !IDENT.test(p))) {
        throw new _runtime_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j1(`history-table is "${text}": give a table name (letters, digits, _; at most 63 characters), optionally schema-qualified like app.schema_migrations.`, { input: 'history-table' });
    }
    return parts.length === 2 ? { schema: parts[0], table: parts[1] } : { table: parts[0] };
}
function quoteTable(t, engine) {
    const q = engine === 'postgres' ? (s) => `"${s}"` : (s) => `\`${s}\``;
    return t.schema ? `${q(t.schema)}.${q(t.table)}` : q(t.table);
}
/** A signed 64-bit advisory lock key from the history table's name (one run at a time per table). */
function advisoryLockKey(historyTable) {
    const digest = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(`deploy-kit:migrate-db:${historyTable}`).digest();
    return digest.readBigInt64BE(0);
}
/** A MySQL GET_LOCK name (at most 64 characters), per database and history table. */
function mysqlLockName(database, historyTable) {
    const name = `deploy-kit:${database}.${historyTable}`;
    if (name.length <= 64)
        return name;
    return `deploy-kit:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(name).digest('hex').slice(0, 40)}`;
}
/** Delay before the next connect attempt: 250 ms doubling to 2 s, never past the deadline. */
function connectRetryDelay(attempt, remainingMs) {
    return Math.max(0, Math.min(250 * 2 ** attempt, 2000, remainingMs));
}
/**
 * Connects with retries until the deadline: a refused or timed-out connection is retried (the
 * database may be starting); a login or unknown-database error fails at once.
 */
async function connectWithRetry(target, timeoutMs, attempt, classify, signal) {
    const deadline = Date.now() + timeoutMs;
    let lastReason = '';
    for (let i = 0;; i++) {
        if (signal?.aborted)
            throw new _runtime_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationFailedError */ .Bp('cancelled while connecting to the database');
        const remaining = deadline - Date.now();
        try {
            return await attempt(Math.max(1000, remaining));
        }
        catch (err) {
            const failure = classify(err);
            if (failure.kind === 'fatal') {
                throw new _runtime_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j1(`database-url: ${describeEngine(target.engine)} at ${target.address} refused the connection: ${failure.reason}.`, {
                    input: 'database-url',
                });
            }
            lastReason = failure.reason;
        }
        const wait = connectRetryDelay(i, deadline - Date.now());
        if (wait <= 0)
            break;
        await sleep(wait, signal);
    }
    throw new _runtime_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationFailedError */ .Bp(`cannot reach ${target.address} after ${Math.round(timeoutMs / 1000)} s (${lastReason}). Check the host and port in database-url, and that the database accepts connections from this runner.`);
}
/** Runs a new session's set-up queries; closes it when they fail. */
async function initialized(session) {
    try {
        await session.init();
    }
    catch (err) {
        await session.close();
        throw err;
    }
    return session;
}
function describeEngine(engine) {
    return engine === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB';
}
function sleep(ms, signal) {
    return new Promise((resolve) => {
        if (signal?.aborted)
            return resolve();
        const t = setTimeout(done, ms);
        function done() {
            clearTimeout(t);
            signal?.removeEventListener('abort', done);
            resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
    });
}
/** Plain words for a socket error code. */
function networkReason(err) {
    return (0,_http_socket_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .socketErrorWords */ .X)(err?.code);
}


/***/ }),

/***/ 7183:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Xd: () => (/* binding */ splitStatements),
/* harmony export */   f6: () => (/* binding */ findTransactionControl),
/* harmony export */   mh: () => (/* binding */ lineAt)
/* harmony export */ });
/**
 * Splits a migration file into statements the way the database's own client would: semicolons
 * outside strings, quoted identifiers, comments and (PostgreSQL) dollar-quoted bodies end a
 * statement; MySQL's client-side `DELIMITER` command is honoured. Pure; used for the plan's
 * statement counts, for files that run outside a transaction (one statement per round trip, as
 * `CREATE INDEX CONCURRENTLY` requires), for MySQL, and to map an error back to a file line.
 */
function splitStatements(sql, dialect) {
    const out = [];
    let delimiter = ';';
    let i = 0;
    let start = -1; // offset of the current statement's first token, -1 before it
    let line = 1;
    let startLine = 1;
    const n = sql.length;
    const push = (end) => {
        if (start >= 0) {
            const text = sql.slice(start, end).trim();
            if (text !== '')
                out.push({ text, line: startLine, offset: start });
        }
        start = -1;
    };
    const advanceTo = (j) => {
        for (; i < j && i < n; i++)
            if (sql[i] === '\n')
                line++;
    };
    const begin = () => {
        if (start < 0) {
            start = i;
            startLine = line;
        }
    };
    while (i < n) {
        const c = sql[i];
        const next = sql[i + 1];
        // MySQL client command at the start of a line: DELIMITER $$
        if (dialect === 'mysql' &&
            start < 0 &&
            /^delimiter[ \t]/i.test(sql.slice(i, i + 10)) &&
            (i === 0 || sql[i - 1] === '\n' || /^\s*$/.test(lineBefore(sql, i)))) {
            const eol = sql.indexOf('\n', i);
            const cmdEnd = eol < 0 ? n : eol;
            delimiter = sql.slice(i + 9, cmdEnd).trim() || ';';
            advanceTo(cmdEnd);
            continue;
        }
        if (c === '-' && next === '-') {
            const eol = sql.indexOf('\n', i);
            advanceTo(eol < 0 ? n : eol);
            continue;
        }
        if (dialect === 'mysql' && c === '#') {
            const eol = sql.indexOf('\n', i);
            advanceTo(eol < 0 ? n : eol);
            continue;
        }
        if (c === '/' && next === '*') {
            // MySQL executable comments /*! ... */ are statement text; PostgreSQL block comments nest.
            if (dialect === 'mysql' && sql[i + 2] === '!')
                begin();
            advanceTo(skipBlockComment(sql, i, dialect === 'postgres'));
            continue;
        }
        if (/\s/.test(c)) {
            advanceTo(i + 1);
            continue;
        }
        if (sql.startsWith(delimiter, i)) {
            push(i);
            advanceTo(i + delimiter.length);
            continue;
        }
        begin();
        if (c === "'") {
            const backslash = dialect === 'mysql' || isEscapeStringPrefix(sql, i);
            advanceTo(skipQuoted(sql, i, "'", backslash));
            continue;
        }
        if (c === '"') {
            advanceTo(skipQuoted(sql, i, '"', dialect === 'mysql'));
            continue;
        }
        if (c === '`' && dialect === 'mysql') {
            advanceTo(skipQuoted(sql, i, '`', false));
            continue;
        }
        if (c === '$' && dialect === 'postgres') {
            const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
            if (tag && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
                const close = sql.indexOf(tag[0], i + tag[0].length);
                advanceTo(close < 0 ? n : close + tag[0].length);
                continue;
            }
        }
        advanceTo(i + 1);
    }
    push(n);
    return out;
}
function lineBefore(sql, i) {
    const sol = sql.lastIndexOf('\n', i - 1);
    return sql.slice(sol + 1, i);
}
function isEscapeStringPrefix(sql, i) {
    const p = sql[i - 1];
    return (p === 'E' || p === 'e') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? ' ');
}
/** Offset just past the closing quote (a doubled quote is an escaped one). */
function skipQuoted(sql, i, quote, backslash) {
    let j = i + 1;
    while (j < sql.length) {
        const c = sql[j];
        if (backslash && c === '\\') {
            j += 2;
            continue;
        }
        if (c === quote) {
            if (sql[j + 1] === quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j++;
    }
    return sql.length;
}
function skipBlockComment(sql, i, nests) {
    let depth = 0;
    let j = i;
    while (j < sql.length) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
            if (depth === 0 || nests)
                depth++;
            j += 2;
        }
        else if (sql[j] === '*' && sql[j + 1] === '/') {
            depth--;
            j += 2;
            if (depth === 0)
                return j;
        }
        else
            j++;
    }
    return sql.length;
}
/** 1-based line of a 0-based character offset in `text`. */
function lineAt(text, offset) {
    let line = 1;
    for (let i = 0; i < offset && i < text.length; i++)
        if (text[i] === '\n')
            line++;
    return line;
}
const TRANSACTION_CONTROL = /^(begin|commit|rollback|end|start\s+transaction|abort|savepoint|release)\b/i;
/** The first statement that controls transactions itself (BEGIN, COMMIT, …), if any. */
function findTransactionControl(statements) {
    // `BEGIN ATOMIC` bodies and `BEGIN NOT ATOMIC` (MariaDB compound) are not transaction control.
    return statements.find((s) => TRANSACTION_CONTROL.test(s.text) && !/^begin\s+(not\s+)?atomic\b/i.test(s.text));
}


/***/ })

};
