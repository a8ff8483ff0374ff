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
  version: Version;
  /** Human name from the file name, underscores as spaces. */
  name: string;
  direction: MigrationDirection;
  style: 'flyway' | 'golang-migrate';
}

/** The marker that makes a file run on its own, outside a transaction. */
export const NO_TRANSACTION_MARKER = '-- deploy-kit:no-transaction';

const FLYWAY = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const GOLANG = /^(\d+(?:\.\d+)*)_(.+)\.(up|down)\.sql$/;

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
  const gm = GOLANG.exec(fileName);
  if (gm) {
    return { version: normaliseVersion(gm[1]!), name: humanName(gm[2]!), direction: gm[3] as MigrationDirection, style: 'golang-migrate' };
  }
  throw new ConfigurationError(
    `migrations: "${fileName}" is not a migration file name. Use V<version>__<name>.sql (e.g. V3__add_users.sql) or <version>_<name>.up.sql / .down.sql (e.g. 0003_add_users.up.sql); versions are integers or dotted (1.2.10).`,
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

export interface ListedFile {
  name: string;
  content: string;
}

/**
 * Builds the ordered set of migrations from a directory listing. Duplicated versions, malformed
 * names, a down file without its up file, and files that manage transactions themselves are
 * errors naming the file.
 */
export function buildMigrationSet(files: readonly ListedFile[], dialect: Dialect, dirLabel = ''): Migration[] {
  const byVersion = new Map<string, Migration>();
  const seen = new Map<string, string>();
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const parsed = parseMigrationFileName(f.name);
    if (!parsed) continue;
    const key = `${parsed.direction}:${parsed.version}`;
    const other = seen.get(key);
    if (other) {
      throw new ConfigurationError(
        `migrations: "${f.name}" and "${other}" both have version ${parsed.version} (${parsed.direction}). Give each migration its own version.`,
        { input: 'migrations', file: join(dirLabel, f.name) },
      );
    }
    seen.set(key, f.name);
    const sql = normaliseContent(f.content);
    const statements = splitStatements(sql, dialect);
    const path = join(dirLabel, f.name);
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
    const script: MigrationScript = { file: f.name, path, sql, checksum: checksumOf(sql), transactional, statements };
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
  return set;
}

/**
 * Reads a migrations directory (not recursive). A missing or empty directory is an error, as is
 * one without any migration file in it.
 */
export function readMigrationDirectory(dir: string, dialect: Dialect, label = dir): Migration[] {
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
  const set = buildMigrationSet(files, dialect, label);
  if (set.length === 0) {
    throw new ConfigurationError(`migrations: the directory "${label}" holds no migration files (V<version>__<name>.sql or <version>_<name>.up.sql).`, {
      input: 'migrations',
    });
  }
  return set;
}
