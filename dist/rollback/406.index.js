export const id = 406;
export const ids = [406];
export const modules = {

/***/ 70406:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BASELINE_NAME: () => (/* reexport */ BASELINE_NAME),
  COMPRESSED_SUFFIX: () => (/* reexport */ backup_files/* COMPRESSED_SUFFIX */.O8),
  DEFAULT_HISTORY_TABLE: () => (/* reexport */ db_session/* DEFAULT_HISTORY_TABLE */._h),
  DEFAULT_MIGRATIONS_DIR: () => (/* reexport */ settings/* DEFAULT_MIGRATIONS_DIR */.GR),
  DEFAULT_STATEMENT_LIMITS: () => (/* reexport */ DEFAULT_STATEMENT_LIMITS),
  FLYWAY_TABLE: () => (/* reexport */ FLYWAY_TABLE),
  GOLANG_MIGRATE_TABLE: () => (/* reexport */ GOLANG_MIGRATE_TABLE),
  LEGACY_HISTORY_TABLE: () => (/* reexport */ db_session/* LEGACY_HISTORY_TABLE */.M8),
  MigrationFailedError: () => (/* reexport */ MigrationFailedError),
  MigrationSqlError: () => (/* reexport */ db_session/* MigrationSqlError */.Z4),
  NO_TRANSACTION_MARKER: () => (/* reexport */ NO_TRANSACTION_MARKER),
  PlanExecutor: () => (/* reexport */ PlanExecutor),
  RestoreFailedError: () => (/* reexport */ RestoreFailedError),
  acquireRunLock: () => (/* reexport */ acquireRunLock),
  advisoryLockKey: () => (/* reexport */ db_session/* advisoryLockKey */.Ut),
  allIntegerVersions: () => (/* reexport */ allIntegerVersions),
  applyMigrations: () => (/* reexport */ applyMigrations),
  backupDatabase: () => (/* reexport */ db_backup/* backupDatabase */._h),
  backupFileName: () => (/* reexport */ db_backup/* backupFileName */.iP),
  backupListing: () => (/* reexport */ db_backup/* backupListing */.bR),
  backupsOf: () => (/* reexport */ backup_files/* backupsOf */.pi),
  buildMigrationFiles: () => (/* reexport */ buildMigrationFiles),
  buildMigrationSet: () => (/* reexport */ buildMigrationSet),
  checkBackupDir: () => (/* reexport */ db_backup/* checkBackupDir */.yA),
  checkBackupOrigin: () => (/* reexport */ checkBackupOrigin),
  checkDumpToolVersion: () => (/* reexport */ db_backup/* checkDumpToolVersion */.TV),
  checkExpectedVersion: () => (/* reexport */ checkExpectedVersion),
  checkSqlDumpText: () => (/* reexport */ db_backup/* checkSqlDumpText */.EH),
  checkTargetVersion: () => (/* reexport */ checkTargetVersion),
  checksumOf: () => (/* reexport */ checksumOf),
  chooseForeignTool: () => (/* reexport */ chooseForeignTool),
  clientEnvironment: () => (/* reexport */ url/* clientEnvironment */.B5),
  compareVersions: () => (/* reexport */ compareVersions),
  compressFile: () => (/* reexport */ backup_files/* compressFile */.Xi),
  compressionOfPath: () => (/* reexport */ backup_files/* compressionOfPath */.Dy),
  defaultAppliedBy: () => (/* reexport */ defaultAppliedBy),
  describeTarget: () => (/* reexport */ url/* describeTarget */.ff),
  dumpDatabaseName: () => (/* reexport */ db_backup/* dumpDatabaseName */.tu),
  expandFile: () => (/* reexport */ backup_files/* expandFile */.T8),
  expiredBackups: () => (/* reexport */ backup_files/* expiredBackups */.Tt),
  failureHeadline: () => (/* reexport */ failureHeadline),
  findChangedFiles: () => (/* reexport */ findChangedFiles),
  findTransactionControl: () => (/* reexport */ sql_split/* findTransactionControl */.f6),
  flywayChecksum: () => (/* reexport */ flywayChecksum),
  handleFailure: () => (/* reexport */ handleFailure),
  hasNoTransactionMarker: () => (/* reexport */ hasNoTransactionMarker),
  historyLockName: () => (/* reexport */ db_session/* historyLockName */.ZD),
  importFlyway: () => (/* reexport */ importFlyway),
  importGolangMigrate: () => (/* reexport */ importGolangMigrate),
  isFlywayTable: () => (/* reexport */ isFlywayTable),
  isGolangMigrateTable: () => (/* reexport */ isGolangMigrateTable),
  isLoopbackHost: () => (/* reexport */ url/* isLoopbackHost */.cW),
  isVersion: () => (/* reexport */ isVersion),
  lineAt: () => (/* reexport */ sql_split/* lineAt */.mh),
  lockPollDelay: () => (/* reexport */ lockPollDelay),
  lockWaitDecision: () => (/* reexport */ lockWaitDecision),
  majorVersion: () => (/* reexport */ db_backup/* majorVersion */.iR),
  makePrivateDir: () => (/* reexport */ db_backup/* makePrivateDir */.hI),
  maxVersion: () => (/* reexport */ maxVersion),
  migrateTo: () => (/* reexport */ migrateTo),
  mysqlClientArgs: () => (/* reexport */ url/* mysqlClientArgs */.$m),
  mysqlLockName: () => (/* reexport */ db_session/* mysqlLockName */.vD),
  normaliseContent: () => (/* reexport */ normaliseContent),
  normaliseVersion: () => (/* reexport */ normaliseVersion),
  objectsMissingFromBackup: () => (/* reexport */ db_backup/* objectsMissingFromBackup */.$w),
  openSession: () => (/* reexport */ openSession),
  parseBackupCompression: () => (/* reexport */ backup_files/* parseBackupCompression */.kV),
  parseDatabaseUrl: () => (/* reexport */ url/* parseDatabaseUrl */.mx),
  parseHistoryTable: () => (/* reexport */ db_session/* parseHistoryTable */.Wi),
  parseMigrationFileName: () => (/* reexport */ parseMigrationFileName),
  parseRetention: () => (/* reexport */ backup_files/* parseRetention */.Ay),
  parseVersionInput: () => (/* reexport */ parseVersionInput),
  pgConnectionArgs: () => (/* reexport */ url/* pgConnectionArgs */.tU),
  pgConninfo: () => (/* reexport */ url/* pgConninfo */.qJ),
  pgDumpCompressArg: () => (/* reexport */ backup_files/* pgDumpCompressArg */.CX),
  planMigrations: () => (/* reexport */ planMigrations),
  pruneBackups: () => (/* reexport */ backup_files/* pruneBackups */.Aw),
  readDatabaseInputs: () => (/* reexport */ settings/* readDatabaseInputs */.ZU),
  readEnds: () => (/* reexport */ db_backup/* readEnds */.jS),
  readForeignHistory: () => (/* reexport */ readForeignHistory),
  readMigrationDirectory: () => (/* reexport */ readMigrationDirectory),
  readMigrationFiles: () => (/* reexport */ readMigrationFiles),
  readPlaceholders: () => (/* reexport */ settings/* readPlaceholders */.Xy),
  repeatableSteps: () => (/* reexport */ repeatableSteps),
  restoreBackup: () => (/* reexport */ restoreBackup),
  safeDatabaseName: () => (/* reexport */ db_backup/* safeDatabaseName */.Q0),
  shouldRestore: () => (/* reexport */ shouldRestore),
  splitIntoBatches: () => (/* reexport */ splitIntoBatches),
  splitStatements: () => (/* reexport */ sql_split/* splitStatements */.Xd),
  sqlCompression: () => (/* reexport */ backup_files/* sqlCompression */.xb),
  statementLimitSql: () => (/* reexport */ db_session/* statementLimitSql */.ld),
  substitutePlaceholders: () => (/* reexport */ substitutePlaceholders),
  toolError: () => (/* reexport */ db_backup/* toolError */.$4),
  toolVersion: () => (/* reexport */ db_backup/* toolVersion */.fX),
  verifyBackup: () => (/* reexport */ db_backup/* verifyBackup */.gu),
  versionSortKey: () => (/* reexport */ versionSortKey),
  zstdPresent: () => (/* reexport */ backup_files/* zstdPresent */.rT)
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
function normaliseVersion(v) {
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
/** A version given as an input (`to-version`, `baseline-version`, `expect-version`); normalised. */
function parseVersionInput(text, name) {
    if (text === undefined || text.trim() === '')
        return undefined;
    const v = text.trim().replace(/^[vV]/, '');
    if (!isVersion(v)) {
        throw new errors/* ConfigurationError */.j1(`${name} is "${text}": give a migration version, an integer (42, 20240101120000) or dotted (1.2.10).`, { input: name });
    }
    return normaliseVersion(v);
}

// EXTERNAL MODULE: ./src/db/sql-split.ts
var sql_split = __webpack_require__(47183);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
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
const REPEATABLE = /^R__(.+)\.sql$/;
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
        const version = normaliseVersion(fw[2].replace(/_/g, '.'));
        return { version, name: humanName(fw[3]), direction: fw[1] === 'V' ? 'up' : 'down', style: 'flyway' };
    }
    if (/^B\d/.test(fileName)) {
        throw new errors/* ConfigurationError */.j1(`migrations: "${fileName}" is a Flyway baseline migration, which deploy-kit does not run. Remove it and use baseline-version for a database that is already at that version.`, { input: 'migrations', file: fileName });
    }
    const rp = REPEATABLE.exec(fileName);
    if (rp)
        return { version: '', name: humanName(rp[1]), direction: 'up', style: 'flyway', repeatable: true };
    const gm = GOLANG.exec(fileName);
    if (gm) {
        return { version: normaliseVersion(gm[1]), name: humanName(gm[2]), direction: gm[3], style: 'golang-migrate' };
    }
    throw new errors/* ConfigurationError */.j1(`migrations: "${fileName}" is not a migration file name. Use V<version>__<name>.sql (e.g. V3__add_users.sql), U<version>__<name>.sql (its undo), R__<name>.sql (repeatable) or <version>_<name>.up.sql / .down.sql (e.g. 0003_add_users.up.sql); versions are integers or dotted (1.2.10).`, { input: 'migrations', file: fileName });
}
function humanName(raw) {
    return raw.replace(/_/g, ' ').trim();
}
/** Content as hashed and run: BOM dropped and CRLF as LF, so a checkout's line endings do not change it. */
function normaliseContent(text) {
    return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}
/** SHA-256 (hex) of the normalised content. */
function checksumOf(text) {
    return (0,external_node_crypto_.createHash)('sha256').update(normaliseContent(text)).digest('hex');
}
function hasNoTransactionMarker(text) {
    return text.split('\n').some((l) => l.trim().toLowerCase() === NO_TRANSACTION_MARKER);
}
/**
 * Builds the ordered set of migrations from a directory listing. Duplicated versions, malformed
 * names, a down file without its up file, and files that manage transactions themselves are
 * errors naming the file.
 */
function buildMigrationSet(files, dialect, dirLabel = '', placeholders) {
    return buildMigrationFiles(files, dialect, dirLabel, placeholders).migrations;
}
/** The versioned set and the repeatable files of a listing; `${name}` placeholders substituted when given. */
function buildMigrationFiles(files, dialect, dirLabel = '', placeholders) {
    const byVersion = new Map();
    const repeatables = [];
    const seen = new Map();
    for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const parsed = parseMigrationFileName(f.name);
        if (!parsed)
            continue;
        const key = parsed.repeatable ? `R:${f.name}` : `${parsed.direction}:${parsed.version}`;
        const other = seen.get(key);
        if (other) {
            throw new errors/* ConfigurationError */.j1(`migrations: "${f.name}" and "${other}" both have version ${parsed.version} (${parsed.direction}). Give each migration its own version.`, { input: 'migrations', file: (0,external_node_path_.join)(dirLabel, f.name) });
        }
        seen.set(key, f.name);
        const raw = normaliseContent(f.content);
        const path = (0,external_node_path_.join)(dirLabel, f.name);
        // The checksum is of the file as written: a placeholder's value (a secret, an environment) is not a change.
        const sql = placeholders ? substitutePlaceholders(raw, placeholders, path) : raw;
        const statements = (0,sql_split/* splitStatements */.Xd)(sql, dialect);
        const transactional = !hasNoTransactionMarker(sql);
        if (transactional) {
            const control = (0,sql_split/* findTransactionControl */.f6)(statements);
            if (control) {
                throw new errors/* ConfigurationError */.j1(`migrations: ${f.name} line ${control.line} manages the transaction itself ("${control.text.split(/\s+/).slice(0, 2).join(' ')}"). Remove it (deploy-kit runs files in a transaction), or mark the file with "${NO_TRANSACTION_MARKER}".`, { input: 'migrations', file: path, line: control.line });
            }
        }
        const script = { file: f.name, path, sql, checksum: checksumOf(raw), transactional, statements, ...(sql !== raw ? { source: raw } : {}) };
        if (parsed.repeatable) {
            repeatables.push({ name: f.name, script });
            continue;
        }
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
    return { migrations: set, repeatables };
}
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_.:-]*)\}/g;
/**
 * Replaces `${name}` with its value. A `${name}` without a value is an error naming the file and
 * line, as in Flyway: running SQL with a placeholder left in it would fail later or do harm.
 */
function substitutePlaceholders(sql, values, path) {
    return sql.replace(PLACEHOLDER, (whole, name, offset) => {
        const value = values[name];
        if (value !== undefined)
            return value;
        const line = sql.slice(0, offset).split('\n').length;
        throw new errors/* ConfigurationError */.j1(`migrations: ${path} line ${line} uses the placeholder \${${name}}, which placeholders does not define. Add ${name} to placeholders (or secret-placeholders).`, { input: 'placeholders', file: path, line });
    });
}
/**
 * Reads a migrations directory (not recursive). A missing or empty directory is an error, as is
 * one without any migration file in it.
 */
function readMigrationDirectory(dir, dialect, label = dir) {
    return readMigrationFiles(dir, dialect, label).migrations;
}
/** Reads a migrations directory: the versioned set and the repeatable files. */
function readMigrationFiles(dir, dialect, label = dir, placeholders) {
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
    const set = buildMigrationFiles(files, dialect, label, placeholders);
    if (set.migrations.length === 0 && set.repeatables.length === 0) {
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
        const m = byVersion.get(normaliseVersion(row.version));
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
    const rows = history.map((r) => ({ ...r, version: normaliseVersion(r.version) }));
    let baseline;
    if (rows.length === 0 && options.baselineVersion !== undefined) {
        baseline = normaliseVersion(options.baselineVersion);
        rows.push({ version: baseline, name: BASELINE_NAME, checksum: null });
    }
    const applied = new Set(rows.map((r) => r.version));
    const previousVersion = maxVersion(history.map((r) => normaliseVersion(r.version)));
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
    const target = options.toVersion !== undefined ? normaliseVersion(options.toVersion) : undefined;
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
    const versioned = pending.map((m) => step(m, 'up', m.up));
    const last = versioned.at(-1)?.version;
    const steps = [...versioned, ...repeatableSteps(options)];
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
/** New or changed repeatable files, in file-name order (Flyway's order). */
function repeatableSteps(options) {
    const applied = options.repeatableHistory ?? new Map();
    return (options.repeatables ?? [])
        .filter((r) => applied.get(r.name) !== r.script.checksum)
        .map((r) => ({
        version: '',
        name: r.name,
        direction: 'up',
        script: r.script,
        transactional: r.script.transactional,
        statementCount: r.script.statements.length,
        repeatable: true,
    }));
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

// EXTERNAL MODULE: ./src/db/url.ts
var url = __webpack_require__(50879);
// EXTERNAL MODULE: ./src/runtime/parse.ts
var parse = __webpack_require__(96219);
// EXTERNAL MODULE: ./src/util/sleep.ts
var sleep = __webpack_require__(97783);
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
        await (0,sleep/* sleep */.y)(decision.delayMs, options.signal, { resolveOnAbort: true });
    }
}

// EXTERNAL MODULE: ./src/db/backup.ts
var db_backup = __webpack_require__(38158);
// EXTERNAL MODULE: ./src/exec/run.ts + 1 modules
var exec_run = __webpack_require__(91755);
// EXTERNAL MODULE: ./src/runtime/logger.ts
var logger = __webpack_require__(38118);
// EXTERNAL MODULE: ./src/db/backup-files.ts
var backup_files = __webpack_require__(30312);
;// CONCATENATED MODULE: ./src/db/connect.ts
async function openSession(target, options) {
    if (target.engine === 'postgres') {
        const { openPostgres } = await __webpack_require__.e(/* import() */ 343).then(__webpack_require__.bind(__webpack_require__, 1343));
        return openPostgres(target, options);
    }
    const { openMysql } = await __webpack_require__.e(/* import() */ 660).then(__webpack_require__.bind(__webpack_require__, 25660));
    return openMysql(target, options);
}

// EXTERNAL MODULE: ./src/db/session.ts
var db_session = __webpack_require__(59750);
;// CONCATENATED MODULE: ./src/db/restore.ts
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












/** A restore that failed after its safety dump was taken: the dump's path goes with the error. */
class RestoreFailedError extends errors/* OperationFailedError */.Bp {
    safetyBackup;
    constructor(message, safetyBackup) {
        super(message);
        this.safetyBackup = safetyBackup;
    }
}
/** A dump of another database is refused unless allow-foreign-backup says otherwise. */
function checkBackupOrigin(target, path, from, allowForeign) {
    if (from === target.database)
        return undefined;
    const what = from === undefined ? 'does not say which database it was taken from' : `was taken from the database "${from}"`;
    if (allowForeign)
        return `The backup ${path} ${what}; restoring it into "${target.database}" because allow-foreign-backup is true.`;
    throw new errors/* ConfigurationError */.j1(`The backup ${path} ${what}, not from "${target.database}": restoring it would replace this database with another one. Check restore-backup and database-url, or set allow-foreign-backup: true if this is meant.`, { input: 'allow-foreign-backup' });
}
async function restoreBackup(target, path, options) {
    if ((0,backup_files/* compressionOfPath */.Dy)(path) === 'none')
        return restorePlain(target, path, options);
    const plain = await (0,backup_files/* expandFile */.T8)(path);
    try {
        return await restorePlain(target, plain, options);
    }
    finally {
        (0,external_node_fs_.rmSync)(plain, { force: true });
    }
}
async function restorePlain(target, path, options) {
    const redact = options.redact ?? ((t) => t);
    const log = options.log ?? logger/* nullLogger */.G;
    const timeoutMs = options.timeoutMs ?? 60 * 60_000;
    const started = performance.now();
    // Everything about the dump is checked before anything connects.
    await (0,db_backup/* verifyBackup */.gu)(target, path, { redact, timeoutMs, signal: options.signal });
    const listing = await (0,db_backup/* backupListing */.bR)(target, path, { redact, signal: options.signal });
    const from = (0,db_backup/* dumpDatabaseName */.tu)(target.engine, target.engine === 'postgres' ? listing : (0,db_backup/* readEnds */.jS)(path).head);
    const foreign = checkBackupOrigin(target, path, from, options.allowForeignBackup ?? false);
    if (foreign)
        log.warning(foreign);
    const session = await openSession(target, {
        historyTable: options.historyTable ?? db_session/* DEFAULT_HISTORY_TABLE */._h,
        connectTimeoutMs: 10_000,
        label: 'deploy-kit restore',
        signal: options.signal,
    });
    let locked = false;
    try {
        if (!options.historyTable)
            session.useHistoryTable((await (0,db_session/* resolveDefaultHistoryTable */.UN)(session)).table);
        let lockWaitMs = 0;
        if (!options.lockHeld) {
            lockWaitMs = await acquireRunLock(session, { timeoutMs: options.lockTimeoutMs ?? 300_000, signal: options.signal, log, what: (0,url/* describeTarget */.ff)(target) });
            locked = true;
        }
        if (options.signal?.aborted)
            throw new errors/* OperationFailedError */.Bp('cancelled before the restore began; nothing was changed');
        log.info(`Taking a safety dump of ${(0,url/* describeTarget */.ff)(target)} as it is now …`);
        const safety = await (0,db_backup/* backupDatabase */._h)(target, options.safetyBackupDir, { label: 'before-restore', log, redact, timeoutMs });
        log.info(`Safety dump ${safety.path} written and read back; restoring ${path} …`);
        const tools = { target, path, redact, timeoutMs, workDir: options.safetyBackupDir };
        let dropped;
        try {
            dropped =
                target.engine === 'postgres'
                    ? await restorePostgres(tools, (0,db_backup/* objectsMissingFromBackup */.$w)(await session.listObjects(), listing, 'postgres'))
                    : await restoreMysql(tools, session, log);
        }
        catch (err) {
            if (err instanceof errors/* ConfigurationError */.j1)
                throw err;
            throw new RestoreFailedError(`${(0,errors/* errorMessage */.gJ)(err)}\nThe state before the restore is kept in ${safety.path}.`, safety.path);
        }
        if (dropped.length > 0)
            log.info(`Dropped ${dropped.length} object(s) the backup does not hold: ${dropped.join(', ')}`);
        return { durationMs: performance.now() - started, dropped, safetyBackup: safety.path, lockWaitMs };
    }
    finally {
        if (locked)
            await session.unlock().catch(() => undefined);
        await session.close();
    }
}
function describeObject(o) {
    return `${o.kind} ${o.schema && o.schema !== '-' ? `${o.schema}.` : ''}${o.name}`;
}
/** Drops and the whole restore script through one psql session in one transaction: all or nothing. */
async function restorePostgres(run, extra) {
    (0,db_backup/* makePrivateDir */.hI)(run.workDir);
    const work = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(run.workDir, '.restore-'));
    const env = (0,url/* clientEnvironment */.B5)(run.target);
    try {
        const drops = (0,external_node_path_.join)(work, 'drops.sql');
        (0,external_node_fs_.writeFileSync)(drops, extra.map((o) => `${o.drop};\n`).join(''), { mode: 0o600 });
        const script = (0,external_node_path_.join)(work, 'restore.sql');
        (0,external_node_fs_.closeSync)((0,external_node_fs_.openSync)(script, 'wx', 0o600));
        try {
            await (0,exec_run/* runProgram */.mB)('pg_restore', ['--clean', '--if-exists', `--file=${script}`, run.path], { env, timeoutMs: run.timeoutMs, redact: run.redact });
            await (0,exec_run/* runProgram */.mB)('psql', [
                ...(0,url/* pgConnectionArgs */.tU)(run.target, 'deploy-kit restore'),
                '--no-psqlrc',
                '--quiet',
                '--set=ON_ERROR_STOP=1',
                '--single-transaction',
                '--output=/dev/null',
                `--file=${drops}`,
                `--file=${script}`,
            ], { env, timeoutMs: run.timeoutMs, redact: run.redact });
        }
        catch (err) {
            throw new errors/* OperationFailedError */.Bp(`${(0,db_backup/* toolError */.$4)(err, `restoring ${run.path}`, run.redact).message}\nThe restore ran in one transaction, which was rolled back: the database is as it was before.`);
        }
        return extra.map(describeObject);
    }
    finally {
        (0,external_node_fs_.rmSync)(work, { recursive: true, force: true });
    }
}
const q = (name) => `\`${name.replace(/`/g, '``')}\``;
const lit = (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
async function mysqlObjects(session, schema) {
    const rels = await session.select(`SELECT TABLE_TYPE AS t, TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${lit(schema)} ORDER BY TABLE_NAME`);
    const routines = await session.select(`SELECT ROUTINE_TYPE AS kind, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${lit(schema)} ORDER BY ROUTINE_NAME`);
    const triggers = await session.select(`SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${lit(schema)} ORDER BY ACTION_ORDER`);
    return {
        tables: rels.filter((r) => r.t !== 'VIEW' && r.t !== 'SYSTEM VIEW').map((r) => r.n),
        views: rels.filter((r) => r.t === 'VIEW').map((r) => r.n),
        routines,
        triggers: triggers.map((r) => r.n),
    };
}
async function showCreate(session, kind, schema, name) {
    const [row] = await session.select(`SHOW CREATE ${kind} ${q(schema)}.${q(name)}`);
    const sql = row?.['Create View'] ?? row?.['SQL Original Statement'] ?? row?.['Create Procedure'] ?? row?.['Create Function'];
    if (!row || !sql)
        throw new errors/* OperationFailedError */.Bp(`cannot read the definition of ${kind} ${name} from the restored dump`);
    return { sqlMode: row.sql_mode ?? '', sql };
}
/**
 * MySQL has no transactional DDL: the dump (on stdin, never `source <path>`) loads into a scratch
 * database, then one RENAME TABLE swaps every table in (the replaced ones go to a second scratch
 * database, dropped at the end), then views, routines and triggers are recreated.
 */
async function restoreMysql(run, session, log) {
    const db = run.target.database;
    const suffix = (0,external_node_crypto_.randomBytes)(4).toString('hex');
    const scratch = `dk_restore_${suffix}`;
    const replaced = `dk_replaced_${suffix}`;
    try {
        await session.execute(`CREATE DATABASE ${q(scratch)}`);
    }
    catch (err) {
        throw new errors/* ConfigurationError */.j1(`restoring on MySQL/MariaDB loads the dump into a scratch database first (so no table is ever missing), but ${run.target.user} cannot create one: ${(0,errors/* errorMessage */.gJ)(err)}. Grant it CREATE and DROP on \`dk\\_restore\\_%\` and \`dk\\_replaced\\_%\`.`, { input: 'database-url' });
    }
    try {
        await session.execute(`CREATE DATABASE ${q(replaced)}`);
        try {
            await (0,exec_run/* runProgram */.mB)('mysql', [...(0,url/* mysqlClientArgs */.$m)(run.target), '--connect-timeout=10', '--batch', scratch], {
                env: (0,url/* clientEnvironment */.B5)(run.target),
                inputFile: run.path,
                timeoutMs: run.timeoutMs,
                redact: run.redact,
            });
        }
        catch (err) {
            throw new errors/* OperationFailedError */.Bp(`${(0,db_backup/* toolError */.$4)(err, `loading ${run.path}`, run.redact).message}\nIt was loading into a scratch database: ${db} is unchanged.`);
        }
        const fresh = await mysqlObjects(session, scratch);
        const current = await mysqlObjects(session, db);
        const views = await Promise.all(fresh.views.map((v) => showCreate(session, 'VIEW', scratch, v)));
        const routines = await Promise.all(fresh.routines.map((r) => showCreate(session, r.kind, scratch, r.name)));
        const triggers = await Promise.all(fresh.triggers.map((t) => showCreate(session, 'TRIGGER', scratch, t)));
        // A table with triggers cannot move to another database: they go first and come back after.
        for (const t of fresh.triggers)
            await session.execute(`DROP TRIGGER ${q(scratch)}.${q(t)}`);
        for (const t of current.triggers)
            await session.execute(`DROP TRIGGER ${q(db)}.${q(t)}`);
        const pairs = [
            ...current.tables.map((t) => `${q(db)}.${q(t)} TO ${q(replaced)}.${q(t)}`),
            ...fresh.tables.map((t) => `${q(scratch)}.${q(t)} TO ${q(db)}.${q(t)}`),
        ];
        if (pairs.length > 0)
            await session.execute(`RENAME TABLE ${pairs.join(', ')}`);
        for (const v of current.views)
            await session.execute(`DROP VIEW IF EXISTS ${q(db)}.${q(v)}`);
        for (const r of current.routines)
            await session.execute(`DROP ${r.kind} IF EXISTS ${q(db)}.${q(r.name)}`);
        const scratchPrefix = new RegExp(`${q(scratch).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`, 'g');
        await createAll(session, [...views.map((v) => ({ ...v, sql: v.sql.replace(scratchPrefix, '') })), ...routines, ...triggers]);
        return [
            ...current.tables.filter((t) => !fresh.tables.includes(t)).map((t) => `TABLE ${t}`),
            ...current.views.filter((v) => !fresh.views.includes(v)).map((v) => `VIEW ${v}`),
            ...current.routines.filter((r) => !fresh.routines.some((f) => f.name === r.name && f.kind === r.kind)).map((r) => `${r.kind} ${r.name}`),
        ];
    }
    finally {
        for (const d of [scratch, replaced]) {
            await session
                .execute(`DROP DATABASE IF EXISTS ${q(d)}`)
                .catch((err) => log.warning(`Could not drop the scratch database ${d}: ${(0,errors/* errorMessage */.gJ)(err)}`));
        }
    }
}
/** Creates definitions in the target; a view over a view not yet created is retried after the others. */
async function createAll(session, defs) {
    let pending = defs;
    while (pending.length > 0) {
        const failed = [];
        for (const def of pending) {
            try {
                await session.execute(`SET SESSION sql_mode = ${lit(def.sqlMode)}`);
                await session.execute(def.sql);
            }
            catch (err) {
                failed.push({ def, err });
            }
        }
        if (failed.length === pending.length)
            throw new errors/* OperationFailedError */.Bp(`recreating ${failed[0].def.sql.slice(0, 80)}… failed: ${(0,errors/* errorMessage */.gJ)(failed[0].err)}`);
        pending = failed.map((f) => f.def);
    }
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
;// CONCATENATED MODULE: ./src/db/executor.ts
/**
 * The executor: runs the batches of a checked plan against a session — transactions, the
 * PostgreSQL pipeline, MySQL's per-file dirty marks — and the history rows that go with them. It
 * keeps track of what is committed and what is in flight; what to do after a failure is the
 * failure policy's business (failure-policy.ts), when to run it the engine's (engine.ts).
 */



/** Executes the batches of a plan, keeping track of what is committed and what is in flight. */
class PlanExecutor {
    session;
    plan;
    options;
    committed = [];
    /** Steps run in the currently open transaction (undone if it rolls back). */
    inOpenTransaction = [];
    current;
    historyReady;
    preludeDone = false;
    log;
    constructor(session, plan, options) {
        this.session = session;
        this.plan = plan;
        this.options = options;
        this.historyReady = options.historyExists;
        this.log = options.log;
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
            await this.session.createHistory(this.options.integerVersions);
            this.historyReady = true;
        }
        const imported = this.options.imported;
        if (imported) {
            await this.session.insertHistory(imported.rows);
            if (imported.repeatables.length > 0) {
                await this.session.createRepeatables();
                await this.session.recordRepeatables(imported.repeatables);
            }
            this.log.info(`Imported ${imported.rows.length} row(s) of ${imported.tool}'s history (${imported.table}); ${imported.table} is left as it was.`);
        }
        if (this.plan.steps.some((s) => s.repeatable) && !imported?.repeatables.length)
            await this.session.createRepeatables();
        if (this.plan.baseline) {
            await this.session.insertHistory([
                {
                    version: this.plan.baseline,
                    versionKey: versionSortKey(this.plan.baseline),
                    name: BASELINE_NAME,
                    checksum: null,
                    executionMs: 0,
                    appliedBy: this.options.appliedBy,
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
            appliedBy: this.options.appliedBy,
        };
    }
    repeatableRecord(a, checksum) {
        return { name: a.file, checksum, executionMs: Math.round(a.durationMs), appliedBy: this.options.appliedBy };
    }
    /** One statement per kind of row, however many files: the history of a 500-file batch is one INSERT. */
    async writeHistory(steps) {
        const ups = steps.filter((s) => s.step.direction === 'up' && !s.step.repeatable);
        const downs = steps.filter((s) => s.step.direction === 'down');
        const repeatables = steps.filter((s) => s.step.repeatable);
        await this.session.insertHistory(ups.map((s) => this.historyRecord(s.applied, s.step.script.checksum)));
        await this.session.deleteHistory(downs.map((s) => s.step.version));
        await this.session.recordRepeatables(repeatables.map((s) => this.repeatableRecord(s.applied, s.step.script.checksum)));
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
            if (step.repeatable) {
                await this.mysqlRepeatable(step);
                continue;
            }
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
    /** A repeatable file on MySQL: re-runnable by nature, so no dirty mark; its row is written in its transaction. */
    async mysqlRepeatable(step) {
        if (step.transactional)
            await this.session.begin();
        try {
            const applied = await this.runStep(step, step.transactional);
            await this.session.recordRepeatables([this.repeatableRecord(applied, step.script.checksum)]);
            if (step.transactional)
                await this.session.commit();
            this.committed.push(applied);
        }
        catch (err) {
            if (step.transactional)
                await this.session.rollback().catch(() => undefined);
            throw err;
        }
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

;// CONCATENATED MODULE: ./src/db/failure-policy.ts
/**
 * The failure policy: after a failed run (or a failed read-back), whether to restore the backup
 * (`on-failure`), doing so, and the words that say what became of the database.
 */





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
/**
 * Describes a failure and applies the policy: restore the backup when due. `afterSuccess`: every
 * migration committed but the read-back disagreed (expect-version), so any policy but `none` restores.
 */
async function handleFailure(err, executor, ctx, afterSuccess = false) {
    const { log, backup } = ctx;
    if (err instanceof errors/* ConfigurationError */.j1)
        throw err;
    const sqlErr = err instanceof db_session/* MigrationSqlError */.Z4 ? err : undefined;
    const failing = executor.current;
    const failure = {
        message: ctx.redact ? ctx.redact((0,errors/* errorMessage */.gJ)(err)) : (0,errors/* errorMessage */.gJ)(err),
        version: failing?.version,
        file: sqlErr?.script.file ?? failing?.script.file,
        path: sqlErr?.script.path ?? failing?.script.path,
        line: sqlErr?.line,
        code: sqlErr?.code,
        outcome: 'rolled-back',
        undone: executor.inOpenTransaction.map((s) => s.version),
    };
    // A transactional file on PostgreSQL rolled back with its batch: it is undone too.
    if (failing && failing.transactional && ctx.engine === 'postgres' && !afterSuccess)
        failure.undone.push(failing.version);
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
            log.warning(`${failure.file ?? 'A migration'} failed and on-failure is "none": ${ctx.engine === 'mysql' ? 'MySQL commits DDL implicitly, so statements before the error stay applied' : 'it ran outside a transaction, so statements before the error stay applied'}. Restore ${backup?.path ?? 'a backup'} if needed.`);
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
            safetyBackupDir: ctx.backupDir ?? (0,external_node_path_.dirname)(backup.path),
            lockHeld: true,
        });
        failure.safetyBackup = r.safetyBackup;
        log.info(`Restored the backup in ${(0,parse/* formatDuration */.a3)(r.durationMs)} (the failed state is kept in ${r.safetyBackup}).`);
        failure.outcome = 'restored';
        failure.undone = [...executor.committed.map((s) => s.version), ...failure.undone];
        if (failing && !failure.undone.includes(failing.version))
            failure.undone.push(failing.version);
    }
    catch (restoreErr) {
        failure.outcome = 'restore-failed';
        failure.restoreError = (0,errors/* errorMessage */.gJ)(restoreErr);
        if (restoreErr instanceof RestoreFailedError)
            failure.safetyBackup = restoreErr.safetyBackup;
        log.error(`Restoring ${backup.path} failed: ${failure.restoreError}`);
    }
    return failure;
}

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(38522);
;// CONCATENATED MODULE: ./src/db/import-history.ts
/**
 * Adopting a database another tool migrated: golang-migrate's `schema_migrations (version, dirty)`
 * or Flyway's `flyway_schema_history`. Their history is read, checked against the files here and
 * converted into deploy-kit's rows, which the executor writes with the first batch. Their table is
 * never written: a team can go back to the other tool. The conversions are pure.
 */




const GOLANG_MIGRATE_TABLE = 'schema_migrations';
const FLYWAY_TABLE = 'flyway_schema_history';
/** golang-migrate's `(version, dirty)` — a project's own migration may have added columns to it, but not ours. */
function isGolangMigrateTable(columns) {
    return columns.includes('version') && columns.includes('dirty') && !columns.includes('version_key');
}
function isFlywayTable(columns) {
    return ['installed_rank', 'version', 'description', 'type', 'script', 'checksum', 'success'].every((c) => columns.includes(c));
}
/**
 * Flyway's checksum of a file: CRC-32 over its lines (without line terminators, a leading BOM
 * dropped), as a signed 32-bit integer — what `flyway_schema_history.checksum` holds.
 */
function flywayChecksum(text) {
    const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
    if (lines.at(-1) === '')
        lines.pop();
    let crc = 0;
    for (const line of lines)
        crc = (0,external_node_zlib_.crc32)(Buffer.from(line, 'utf8'), crc);
    return crc | 0;
}
const importedBy = (tool, table, who) => `imported from ${tool} (${table})${who ? `, applied by ${who}` : ''}`;
function record(m, checksum, appliedBy, executionMs = 0) {
    return { version: m.version, versionKey: versionSortKey(m.version), name: m.name, checksum, executionMs, appliedBy };
}
/**
 * golang-migrate keeps one row: the version the database is at, and whether a migration stopped
 * half-way (dirty). Every file up to that version is recorded as applied.
 */
function importGolangMigrate(rows, migrations, table = GOLANG_MIGRATE_TABLE) {
    const empty = { tool: 'golang-migrate', table, rows: [], repeatables: [] };
    if (rows.length === 0)
        return empty;
    if (rows.length > 1) {
        throw new errors/* ConfigurationError */.j1(`import-history: ${table} holds ${rows.length} rows; golang-migrate keeps exactly one. Check the table, then re-run.`, {
            input: 'import-history',
        });
    }
    const { version: raw, dirty } = rows[0];
    if (Number(raw) < 0)
        return empty; // golang-migrate's "nil version"
    const version = normaliseVersion(raw);
    if (dirty) {
        throw new errors/* ConfigurationError */.j1(`import-history: golang-migrate left version ${version} dirty in ${table}: a migration stopped part-way, so the database may hold part of it. Nothing was applied. Finish or undo version ${version}'s changes by hand, then run \`migrate force ${version}\` (its changes are in) or \`migrate force <the version before>\` (they are not), and re-run.`, { input: 'import-history' });
    }
    if (!migrations.some((m) => compareVersions(m.version, version) === 0)) {
        throw new errors/* ConfigurationError */.j1(`import-history: ${table} says the database is at version ${version}, but no migration file has that version. Check the migrations directory (it must hold the files golang-migrate applied), nothing was applied.`, { input: 'migrations' });
    }
    const appliedBy = importedBy('golang-migrate', table);
    // golang-migrate records no checksums: the files as they are now are taken as the ones applied.
    const applied = migrations.filter((m) => compareVersions(m.version, version) <= 0).map((m) => record(m, m.up.checksum, appliedBy));
    return { tool: 'golang-migrate', table, rows: applied, repeatables: [] };
}
/**
 * Flyway's history in installed order: versioned rows apply, undo rows remove, a baseline row
 * adopts, the last row of each repeatable says which content was applied. A failed row stops the
 * run; a file whose content no longer matches Flyway's checksum does too, unless allowChanged.
 */
function importFlyway(rows, migrations, repeatables, options = {}) {
    const table = options.table ?? FLYWAY_TABLE;
    const ordered = [...rows].sort((a, b) => Number(a.installed_rank) - Number(b.installed_rank));
    const failed = ordered.find((r) => !(r.success === true || Number(r.success) === 1));
    if (failed) {
        throw new errors/* ConfigurationError */.j1(`import-history: ${table} has a failed row: ${failed.version ? `version ${failed.version}` : 'a repeatable migration'} (${failed.script}, installed rank ${failed.installed_rank}). Nothing was applied. Fix the database (undo what the failed migration left), run \`flyway repair\` to remove the failed row, then re-run.`, { input: 'import-history' });
    }
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    const applied = new Map();
    let baseline;
    const lastRepeatable = new Map();
    for (const r of ordered) {
        const type = r.type.toUpperCase();
        if (type === 'SCHEMA' || type === 'DELETE')
            continue;
        if (type === 'BASELINE') {
            baseline = r;
            continue;
        }
        if (r.version === null || r.version === '') {
            lastRepeatable.set(r.script, r);
            continue;
        }
        const version = normaliseVersion(r.version);
        if (type.startsWith('UNDO'))
            applied.delete(version);
        else
            applied.set(version, r);
    }
    const appliedBy = (r) => importedBy('flyway', table, r.installed_by ?? undefined);
    const out = [];
    if (baseline?.version && isVersion(normaliseVersion(baseline.version))) {
        const v = normaliseVersion(baseline.version);
        out.push({ version: v, versionKey: versionSortKey(v), name: BASELINE_NAME, checksum: null, executionMs: 0, appliedBy: appliedBy(baseline) });
    }
    for (const [version, r] of applied) {
        const m = byVersion.get(version);
        if (!m?.up) {
            throw new errors/* ConfigurationError */.j1(`import-history: ${table} records version ${version} (${r.script}) as applied, but no migration file has that version. Add the file (every file Flyway applied must stay), nothing was applied.`, { input: 'migrations' });
        }
        checkFlywayChecksum(m.up.source ?? m.up.sql, m.up.file, m.up.path, r, options.allowChanged);
        out.push(record(m, m.up.checksum, appliedBy(r), Number(r.execution_time ?? 0)));
    }
    const reps = [];
    for (const rep of repeatables) {
        const r = lastRepeatable.get(rep.name);
        // A repeatable Flyway applied with other content stays unrecorded: it runs again, as Flyway would.
        if (r && r.checksum !== null && Number(r.checksum) === flywayChecksum(rep.script.source ?? rep.script.sql)) {
            reps.push({ name: rep.name, checksum: rep.script.checksum, executionMs: Number(r.execution_time ?? 0), appliedBy: appliedBy(r) });
        }
    }
    out.sort((a, b) => compareVersions(a.version, b.version));
    return { tool: 'flyway', table, rows: out, repeatables: reps };
}
function checkFlywayChecksum(sql, file, path, row, allowChanged) {
    if (row.checksum === null || Number(row.checksum) === flywayChecksum(sql) || allowChanged)
        return;
    throw new errors/* ConfigurationError */.j1(`import-history: ${file} was changed after Flyway applied it (${row.script}: Flyway's checksum ${row.checksum}, the file now ${flywayChecksum(sql)}). Nothing was applied. Restore the file, or set allow-changed: true if the edit is deliberate.`, { input: 'migrations', file: path });
}
/**
 * Which tool's history to import, from what the database holds: `auto` takes whichever one is
 * there (both is an error: say which); a named tool must be there.
 */
function chooseForeignTool(wanted, found) {
    if (wanted === 'none')
        return undefined;
    if (wanted === 'auto') {
        if (found.golangMigrate && found.flyway) {
            throw new errors/* ConfigurationError */.j1(`import-history is auto, but the database holds both golang-migrate's ${GOLANG_MIGRATE_TABLE} and Flyway's ${FLYWAY_TABLE}: set import-history to the one whose history is current.`, { input: 'import-history' });
        }
        return found.golangMigrate ? 'golang-migrate' : found.flyway ? 'flyway' : undefined;
    }
    const there = wanted === 'flyway' ? found.flyway : found.golangMigrate;
    if (!there) {
        throw new errors/* ConfigurationError */.j1(`import-history is ${wanted}, but the database has no ${wanted === 'flyway' ? FLYWAY_TABLE : `golang-migrate ${GOLANG_MIGRATE_TABLE} (version, dirty)`} table. Check database-url, or set import-history: auto.`, { input: 'import-history' });
    }
    return wanted;
}
/** Reads the other tool's history from the database, when import-history finds one. */
async function readForeignHistory(session, wanted, files, options) {
    if (wanted === 'none')
        return undefined;
    const golang = await session.tableShape(GOLANG_MIGRATE_TABLE);
    const flyway = await session.tableShape(FLYWAY_TABLE);
    const tool = chooseForeignTool(wanted, {
        golangMigrate: golang.exists && isGolangMigrateTable(golang.columns),
        flyway: flyway.exists && isFlywayTable(flyway.columns),
    });
    if (tool === 'golang-migrate') {
        const rows = await session.select(`SELECT CAST(version AS ${session.engine === 'postgres' ? 'TEXT' : 'CHAR'}) AS version, dirty FROM ${GOLANG_MIGRATE_TABLE}`);
        return importGolangMigrate(rows.map((r) => ({ version: String(r.version), dirty: r.dirty === true || Number(r.dirty) === 1 })), files.migrations);
    }
    if (tool === 'flyway') {
        const rows = await session.select(`SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success FROM ${FLYWAY_TABLE}`);
        return importFlyway(rows, files.migrations, files.repeatables, options);
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/db/engine.ts
/**
 * The migration engine's orchestration: connect, lock, read the history, plan, back up, hand the
 * plan to the executor (executor.ts), read the version back, and on failure apply the failure
 * policy (failure-policy.ts). Free of @actions/core: the migrate-db action and the rollback action
 * both drive it.
 */














/**
 * An ALTER queued behind a long query holds up every query on its table while it waits: give up
 * after 10 s rather than block the table's traffic; a migration statement may run 15 minutes.
 */
const DEFAULT_STATEMENT_LIMITS = { lockTimeoutMs: 10_000, statementTimeoutMs: 15 * 60_000 };
/** The run failed; `result` says what was applied, what was undone and how. */
class MigrationFailedError extends errors/* OperationFailedError */.Bp {
    result;
    constructor(message, result) {
        super(message);
        this.result = result;
    }
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
    let historyTable = options.historyTable ?? db_session/* DEFAULT_HISTORY_TABLE */._h;
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
        limits: options.statementLimits ?? DEFAULT_STATEMENT_LIMITS,
    });
    const onAbort = () => session.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let locked = false;
    let result;
    try {
        if (!options.historyTable) {
            const resolved = await (0,db_session/* resolveDefaultHistoryTable */.UN)(session);
            if (resolved.legacy) {
                log.notice(`Using the history table ${resolved.table}, which an earlier deploy-kit created under its old default name (the default is now ${db_session/* DEFAULT_HISTORY_TABLE */._h}). Set history-table: ${resolved.table} to say so and silence this note.`);
            }
            historyTable = resolved.table;
            session.useHistoryTable(historyTable);
        }
        let lockWaitMs = 0;
        if (!options.dryRun) {
            lockWaitMs = await acquireRunLock(session, { timeoutMs: options.lockTimeoutMs ?? 300_000, signal: options.signal, log, what: (0,url/* describeTarget */.ff)(target) });
            locked = true;
        }
        const shape = await session.historyShape();
        (0,db_session/* checkHistoryShape */.Kp)(shape, historyTable);
        let history = shape.exists ? await session.readHistory() : [];
        const repeatables = options.repeatables ?? [];
        let repeatableHistory = repeatables.length > 0 ? await session.readRepeatables() : new Map();
        // Adopting a database another tool migrated: its history becomes ours, written with the first batch.
        const imported = history.length === 0
            ? await readForeignHistory(session, options.importHistory ?? 'auto', { migrations: options.migrations, repeatables }, { allowChanged: options.allowChanged })
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
        if (shape.exists && shape.integerVersions)
            checkIntegerVersions(plan, historyTable);
        options.onPlan?.(plan, target.engine);
        for (const v of plan.unknownApplied)
            log.warning(`Version ${v} is in ${historyTable} but has no migration file here (applied by a newer release?).`);
        const run = {
            dryRun: options.dryRun ?? false,
            engine: target.engine,
            serverVersion: session.serverVersion,
            database: (0,url/* describeTarget */.ff)(target),
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
        if (imported)
            run.imported = { tool: imported.tool, table: imported.table, versions: imported.rows.length, repeatables: imported.repeatables.length };
        const nothingToWrite = plan.steps.length === 0 && !plan.baseline && plan.checksumUpdates.length === 0 && !imported;
        if (options.dryRun || nothingToWrite)
            return run;
        if (wantBackup && plan.steps.length > 0) {
            run.backup = await takeBackup(session, options, log);
            await options.onBackup?.(run.backup);
        }
        const executor = new PlanExecutor(session, plan, { historyExists: shape.exists, integerVersions, appliedBy, log, signal: options.signal, imported });
        const policy = {
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
        }
        catch (err) {
            run.applied = executor.committed;
            run.failure = await handleFailure(err, executor, policy);
            // Read after the policy ran: a restore changes it.
            run.currentVersion = await session.currentVersion().catch(() => undefined);
            if (run.failure.outcome === 'restored')
                run.applied = [];
            throw new MigrationFailedError(failureHeadline(run.failure), run);
        }
        run.applied = executor.committed;
        // The seeds' verify step: read the version back from the database.
        run.currentVersion = await session.currentVersion();
        if (options.expectVersion !== undefined && (run.currentVersion === undefined || compareVersions(run.currentVersion, options.expectVersion) !== 0)) {
            const err = new errors/* OperationFailedError */.Bp(`expect-version is ${options.expectVersion} but the database reports ${run.currentVersion ?? 'no version'} after the run`);
            run.failure = await handleFailure(err, executor, policy, true);
            throw new MigrationFailedError(failureHeadline(run.failure), run);
        }
        return run;
    }
    finally {
        // The one exit sequence, for every path: the duration, the lock, the session.
        if (result)
            result.durationMs = performance.now() - started;
        // Closing the session releases the lock too; an explicit unlock keeps a reused session honest.
        if (locked)
            await session.unlock().catch(() => undefined);
        options.signal?.removeEventListener('abort', onAbort);
        await session.close();
    }
}
/** Runs to a version: up, or down with allowDown (the rollback action's entry point). */
function migrateTo(version, options) {
    return applyMigrations({ ...options, toVersion: version });
}
/** A dotted version cannot be recorded in a table whose version column is BIGINT. */
function checkIntegerVersions(plan, historyTable) {
    const dotted = plan.steps.find((s) => !s.repeatable && !/^\d+$/.test(s.version));
    if (!dotted)
        return;
    throw new errors/* ConfigurationError */.j1(`${dotted.script.file}: version ${dotted.version} is dotted, but ${historyTable} stores integer versions (its version column is BIGINT). Use an integer version.`, { input: 'migrations', file: dotted.script.path });
}
/** pg_dump must not be older than the server; the dump is read back before anything runs. */
async function takeBackup(session, options, log) {
    const target = options.target;
    if (target.engine === 'postgres')
        (0,db_backup/* checkDumpToolVersion */.TV)(await (0,db_backup/* toolVersion */.fX)('pg_dump'), session.serverVersion);
    else
        await (0,db_backup/* toolVersion */.fX)('mysqldump');
    log.info(`Backing up ${(0,url/* describeTarget */.ff)(target)} into ${options.backupDir} …`);
    const backup = await (0,db_backup/* backupDatabase */._h)(target, options.backupDir, {
        signal: options.signal,
        log,
        redact: options.redact,
        compression: options.backupCompression,
        retention: options.backupRetention,
    });
    log.info(`Backup ${backup.path} (${backup.bytes} bytes, ${backup.entries} entries) written and read back in ${(0,parse/* formatDuration */.a3)(backup.durationMs)}.`);
    return backup;
}

// EXTERNAL MODULE: ./src/db/settings.ts
var settings = __webpack_require__(55217);
;// CONCATENATED MODULE: ./src/db/index.ts


















/***/ }),

/***/ 47183:
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
