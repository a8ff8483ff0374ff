/**
 * Migration files: name parsing (Flyway `V<version>__<name>.sql` / `U<version>__<name>.sql`,
 * golang-migrate `<version>_<name>.up.sql` / `.down.sql`), the ordered set built from a directory
 * listing, checksums and the no-transaction marker. Everything but `readMigrationDirectory` is pure.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../runtime/errors.js';
import { findTransactionControl, splitStatements, type Dialect, type SqlStatement } from './sql-split.js';
import { compareVersions, normaliseVersion, type Version } from './version.js';

export type MigrationDirection = 'up' | 'down';

export interface ParsedFileName {
  /** '' for a repeatable (`R__`) file. */
  version: Version;
  /** Human name from the file name, underscores as spaces. */
  name: string;
  direction: MigrationDirection;
  style: 'flyway' | 'golang-migrate';
  /** Flyway's `R__<name>.sql`: re-applied whenever its checksum changes, after the versioned files. */
  repeatable?: true;
}

/** The marker that makes a file run on its own, outside a transaction. */
export const NO_TRANSACTION_MARKER = '-- deploy-kit:no-transaction';

const FLYWAY = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const GOLANG = /^(\d+(?:\.\d+)*)_(.+)\.(up|down)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

/**
 * Parses a migration file name; returns undefined for files that are not migrations at all
 * (README.md, .gitkeep), and throws for `.sql` files whose name is malformed.
 */
export function parseMigrationFileName(fileName: string): ParsedFileName | undefined {
  if (!/\.sql$/i.test(fileName)) return undefined;
  const fw = FLYWAY.exec(fileName);
  if (fw) {
    // Flyway allows `V1_2__x.sql` for version 1.2.
    const version = normaliseVersion(fw[2]!.replace(/_/g, '.'));
    return { version, name: humanName(fw[3]!), direction: fw[1] === 'V' ? 'up' : 'down', style: 'flyway' };
  }
  if (/^B\d/.test(fileName)) {
    throw new ConfigurationError(
      `migrations: "${fileName}" is a Flyway baseline migration, which deploy-kit does not run. Remove it and use baseline-version for a database that is already at that version.`,
      { input: 'migrations', file: fileName },
    );
  }
  const rp = REPEATABLE.exec(fileName);
  if (rp) return { version: '', name: humanName(rp[1]!), direction: 'up', style: 'flyway', repeatable: true };
  const gm = GOLANG.exec(fileName);
  if (gm) {
    return { version: normaliseVersion(gm[1]!), name: humanName(gm[2]!), direction: gm[3] as MigrationDirection, style: 'golang-migrate' };
  }
  throw new ConfigurationError(
    `migrations: "${fileName}" is not a migration file name. Use V<version>__<name>.sql (e.g. V3__add_users.sql), U<version>__<name>.sql (its undo), R__<name>.sql (repeatable) or <version>_<name>.up.sql / .down.sql (e.g. 0003_add_users.up.sql); versions are integers or dotted (1.2.10).`,
    { input: 'migrations', file: fileName },
  );
}

function humanName(raw: string): string {
  return raw.replace(/_/g, ' ').trim();
}

/** Content as hashed and run: BOM dropped and CRLF as LF, so a checkout's line endings do not change it. */
export function normaliseContent(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

/** SHA-256 (hex) of the normalised content. */
export function checksumOf(text: string): string {
  return createHash('sha256').update(normaliseContent(text)).digest('hex');
}

export function hasNoTransactionMarker(text: string): boolean {
  return text.split('\n').some((l) => l.trim().toLowerCase() === NO_TRANSACTION_MARKER);
}

export interface MigrationScript {
  /** File name relative to the migrations directory. */
  file: string;
  /** Path for annotations (as given, joined with the file name). */
  path: string;
  sql: string;
  /** The file as written, when placeholders changed it (checksums are of this). */
  source?: string;
  checksum: string;
  transactional: boolean;
  statements: SqlStatement[];
}

export interface Migration {
  version: Version;
  name: string;
  up?: MigrationScript;
  down?: MigrationScript;
}

/** A Flyway repeatable migration (`R__<name>.sql`), keyed by its file name. */
export interface RepeatableMigration {
  name: string;
  script: MigrationScript;
}

export interface MigrationFiles {
  migrations: Migration[];
  /** In file-name order, the order they run in. */
  repeatables: RepeatableMigration[];
}

export interface ListedFile {
  name: string;
  content: string;
}

/**
 * Builds the ordered set of migrations from a directory listing. Duplicated versions, malformed
 * names, a down file without its up file, and files that manage transactions themselves are
 * errors naming the file.
 */
export function buildMigrationSet(files: readonly ListedFile[], dialect: Dialect, dirLabel = '', placeholders?: Placeholders): Migration[] {
  return buildMigrationFiles(files, dialect, dirLabel, placeholders).migrations;
}

/** The versioned set and the repeatable files of a listing; `${name}` placeholders substituted when given. */
export function buildMigrationFiles(files: readonly ListedFile[], dialect: Dialect, dirLabel = '', placeholders?: Placeholders): MigrationFiles {
  const byVersion = new Map<string, Migration>();
  const repeatables: RepeatableMigration[] = [];
  const seen = new Map<string, string>();
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const parsed = parseMigrationFileName(f.name);
    if (!parsed) continue;
    const key = parsed.repeatable ? `R:${f.name}` : `${parsed.direction}:${parsed.version}`;
    const other = seen.get(key);
    if (other) {
      throw new ConfigurationError(
        `migrations: "${f.name}" and "${other}" both have version ${parsed.version} (${parsed.direction}). Give each migration its own version.`,
        { input: 'migrations', file: join(dirLabel, f.name) },
      );
    }
    seen.set(key, f.name);
    const raw = normaliseContent(f.content);
    const path = join(dirLabel, f.name);
    // The checksum is of the file as written: a placeholder's value (a secret, an environment) is not a change.
    const sql = placeholders ? substitutePlaceholders(raw, placeholders, path) : raw;
    const statements = splitStatements(sql, dialect);
    const transactional = !hasNoTransactionMarker(sql);
    if (transactional) {
      const control = findTransactionControl(statements);
      if (control) {
        throw new ConfigurationError(
          `migrations: ${f.name} line ${control.line} manages the transaction itself ("${control.text.split(/\s+/).slice(0, 2).join(' ')}"). Remove it (deploy-kit runs files in a transaction), or mark the file with "${NO_TRANSACTION_MARKER}".`,
          { input: 'migrations', file: path, line: control.line },
        );
      }
    }
    const script: MigrationScript = { file: f.name, path, sql, checksum: checksumOf(raw), transactional, statements, ...(sql !== raw ? { source: raw } : {}) };
    if (parsed.repeatable) {
      repeatables.push({ name: f.name, script });
      continue;
    }
    const m = byVersion.get(parsed.version) ?? { version: parsed.version, name: parsed.name };
    if (parsed.direction === 'up') {
      m.up = script;
      m.name = parsed.name;
    } else m.down = script;
    byVersion.set(parsed.version, m);
  }
  const set = [...byVersion.values()].sort((a, b) => compareVersions(a.version, b.version));
  for (const m of set) {
    if (!m.up) {
      throw new ConfigurationError(
        `migrations: "${m.down!.file}" is a down migration without its up migration (version ${m.version}). Add the up file or remove the down file.`,
        { input: 'migrations', file: m.down!.path },
      );
    }
  }
  return { migrations: set, repeatables };
}

/** Values for `${name}` in migration files (Flyway's placeholders). */
export type Placeholders = Readonly<Record<string, string>>;

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_.:-]*)\}/g;

/**
 * Replaces `${name}` with its value. A `${name}` without a value is an error naming the file and
 * line, as in Flyway: running SQL with a placeholder left in it would fail later or do harm.
 */
export function substitutePlaceholders(sql: string, values: Placeholders, path: string): string {
  return sql.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    const value = values[name];
    if (value !== undefined) return value;
    const line = sql.slice(0, offset).split('\n').length;
    throw new ConfigurationError(
      `migrations: ${path} line ${line} uses the placeholder \${${name}}, which placeholders does not define. Add ${name} to placeholders (or secret-placeholders).`,
      { input: 'placeholders', file: path, line },
    );
  });
}

/**
 * Reads a migrations directory (not recursive). A missing or empty directory is an error, as is
 * one without any migration file in it.
 */
export function readMigrationDirectory(dir: string, dialect: Dialect, label = dir): Migration[] {
  return readMigrationFiles(dir, dialect, label).migrations;
}

/** Reads a migrations directory: the versioned set and the repeatable files. */
export function readMigrationFiles(dir: string, dialect: Dialect, label = dir, placeholders?: Placeholders): MigrationFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigurationError(`migrations: the directory "${label}" does not exist (resolved to ${dir}). Check the path; it is relative to the workspace.`, {
      input: 'migrations',
    });
  }
  const files: ListedFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !/\.sql$/i.test(entry.name)) continue;
    files.push({ name: entry.name, content: readFileSync(join(dir, entry.name), 'utf8') });
  }
  const set = buildMigrationFiles(files, dialect, label, placeholders);
  if (set.migrations.length === 0 && set.repeatables.length === 0) {
    throw new ConfigurationError(`migrations: the directory "${label}" holds no migration files (V<version>__<name>.sql or <version>_<name>.up.sql).`, {
      input: 'migrations',
    });
  }
  return set;
}
