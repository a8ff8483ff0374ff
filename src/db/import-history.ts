/**
 * Adopting a database another tool migrated: golang-migrate's `schema_migrations (version, dirty)`
 * or Flyway's `flyway_schema_history`. Their history is read, checked against the files here and
 * converted into deploy-kit's rows, which the executor writes with the first batch. Their table is
 * never written: a team can go back to the other tool. The conversions are pure.
 */
import { crc32 } from 'node:zlib';
import { ConfigurationError } from '../runtime/errors.js';
import type { Migration, RepeatableMigration } from './files.js';
import { BASELINE_NAME } from './plan.js';
import type { DatabaseSession, HistoryRecord, RepeatableRecord } from './session.js';
import { compareVersions, isVersion, normaliseVersion, versionSortKey, type Version } from './version.js';

export type ImportHistory = 'auto' | 'golang-migrate' | 'flyway' | 'none';
export type ForeignTool = 'golang-migrate' | 'flyway';

export const GOLANG_MIGRATE_TABLE = 'schema_migrations';
export const FLYWAY_TABLE = 'flyway_schema_history';

export interface ImportedHistory {
  tool: ForeignTool;
  table: string;
  rows: HistoryRecord[];
  repeatables: RepeatableRecord[];
}

/** golang-migrate's `(version, dirty)` — a project's own migration may have added columns to it, but not ours. */
export function isGolangMigrateTable(columns: readonly string[]): boolean {
  return columns.includes('version') && columns.includes('dirty') && !columns.includes('version_key');
}

export function isFlywayTable(columns: readonly string[]): boolean {
  return ['installed_rank', 'version', 'description', 'type', 'script', 'checksum', 'success'].every((c) => columns.includes(c));
}

/**
 * Flyway's checksum of a file: CRC-32 over its lines (without line terminators, a leading BOM
 * dropped), as a signed 32-bit integer — what `flyway_schema_history.checksum` holds.
 */
export function flywayChecksum(text: string): number {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  let crc = 0;
  for (const line of lines) crc = crc32(Buffer.from(line, 'utf8'), crc);
  return crc | 0;
}

const importedBy = (tool: ForeignTool, table: string, who?: string): string => `imported from ${tool} (${table})${who ? `, applied by ${who}` : ''}`;

function record(m: Migration, checksum: string | null, appliedBy: string, executionMs = 0): HistoryRecord {
  return { version: m.version, versionKey: versionSortKey(m.version), name: m.name, checksum, executionMs, appliedBy };
}

/**
 * golang-migrate keeps one row: the version the database is at, and whether a migration stopped
 * half-way (dirty). Every file up to that version is recorded as applied.
 */
export function importGolangMigrate(
  rows: readonly { version: string; dirty: boolean }[],
  migrations: readonly Migration[],
  table = GOLANG_MIGRATE_TABLE,
): ImportedHistory {
  const empty: ImportedHistory = { tool: 'golang-migrate', table, rows: [], repeatables: [] };
  if (rows.length === 0) return empty;
  if (rows.length > 1) {
    throw new ConfigurationError(`import-history: ${table} holds ${rows.length} rows; golang-migrate keeps exactly one. Check the table, then re-run.`, {
      input: 'import-history',
    });
  }
  const { version: raw, dirty } = rows[0]!;
  if (Number(raw) < 0) return empty; // golang-migrate's "nil version"
  const version = normaliseVersion(raw);
  if (dirty) {
    throw new ConfigurationError(
      `import-history: golang-migrate left version ${version} dirty in ${table}: a migration stopped part-way, so the database may hold part of it. Nothing was applied. Finish or undo version ${version}'s changes by hand, then run \`migrate force ${version}\` (its changes are in) or \`migrate force <the version before>\` (they are not), and re-run.`,
      { input: 'import-history' },
    );
  }
  if (!migrations.some((m) => compareVersions(m.version, version) === 0)) {
    throw new ConfigurationError(
      `import-history: ${table} says the database is at version ${version}, but no migration file has that version. Check the migrations directory (it must hold the files golang-migrate applied), nothing was applied.`,
      { input: 'migrations' },
    );
  }
  const appliedBy = importedBy('golang-migrate', table);
  // golang-migrate records no checksums: the files as they are now are taken as the ones applied.
  const applied = migrations.filter((m) => compareVersions(m.version, version) <= 0).map((m) => record(m, m.up!.checksum, appliedBy));
  return { tool: 'golang-migrate', table, rows: applied, repeatables: [] };
}

export interface FlywayRow {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  installed_by: string | null;
  execution_time: number | null;
  success: boolean | number;
}

/**
 * Flyway's history in installed order: versioned rows apply, undo rows remove, a baseline row
 * adopts, the last row of each repeatable says which content was applied. A failed row stops the
 * run; a file whose content no longer matches Flyway's checksum does too, unless allowChanged.
 */
export function importFlyway(
  rows: readonly FlywayRow[],
  migrations: readonly Migration[],
  repeatables: readonly RepeatableMigration[],
  options: { allowChanged?: boolean; table?: string } = {},
): ImportedHistory {
  const table = options.table ?? FLYWAY_TABLE;
  const ordered = [...rows].sort((a, b) => Number(a.installed_rank) - Number(b.installed_rank));
  const failed = ordered.find((r) => !(r.success === true || Number(r.success) === 1));
  if (failed) {
    throw new ConfigurationError(
      `import-history: ${table} has a failed row: ${failed.version ? `version ${failed.version}` : 'a repeatable migration'} (${failed.script}, installed rank ${failed.installed_rank}). Nothing was applied. Fix the database (undo what the failed migration left), run \`flyway repair\` to remove the failed row, then re-run.`,
      { input: 'import-history' },
    );
  }
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const applied = new Map<Version, FlywayRow>();
  let baseline: FlywayRow | undefined;
  const lastRepeatable = new Map<string, FlywayRow>();
  for (const r of ordered) {
    const type = r.type.toUpperCase();
    if (type === 'SCHEMA' || type === 'DELETE') continue;
    if (type === 'BASELINE') {
      baseline = r;
      continue;
    }
    if (r.version === null || r.version === '') {
      lastRepeatable.set(r.script, r);
      continue;
    }
    const version = normaliseVersion(r.version);
    if (type.startsWith('UNDO')) applied.delete(version);
    else applied.set(version, r);
  }
  const appliedBy = (r: FlywayRow): string => importedBy('flyway', table, r.installed_by ?? undefined);
  const out: HistoryRecord[] = [];
  if (baseline?.version && isVersion(normaliseVersion(baseline.version))) {
    const v = normaliseVersion(baseline.version);
    out.push({ version: v, versionKey: versionSortKey(v), name: BASELINE_NAME, checksum: null, executionMs: 0, appliedBy: appliedBy(baseline) });
  }
  for (const [version, r] of applied) {
    const m = byVersion.get(version);
    if (!m?.up) {
      throw new ConfigurationError(
        `import-history: ${table} records version ${version} (${r.script}) as applied, but no migration file has that version. Add the file (every file Flyway applied must stay), nothing was applied.`,
        { input: 'migrations' },
      );
    }
    checkFlywayChecksum(m.up.source ?? m.up.sql, m.up.file, m.up.path, r, options.allowChanged);
    out.push(record(m, m.up.checksum, appliedBy(r), Number(r.execution_time ?? 0)));
  }
  const reps: RepeatableRecord[] = [];
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

function checkFlywayChecksum(sql: string, file: string, path: string, row: FlywayRow, allowChanged?: boolean): void {
  if (row.checksum === null || Number(row.checksum) === flywayChecksum(sql) || allowChanged) return;
  throw new ConfigurationError(
    `import-history: ${file} was changed after Flyway applied it (${row.script}: Flyway's checksum ${row.checksum}, the file now ${flywayChecksum(sql)}). Nothing was applied. Restore the file, or set allow-changed: true if the edit is deliberate.`,
    { input: 'migrations', file: path },
  );
}

/**
 * Which tool's history to import, from what the database holds: `auto` takes whichever one is
 * there (both is an error: say which); a named tool must be there.
 */
export function chooseForeignTool(wanted: ImportHistory, found: { golangMigrate: boolean; flyway: boolean }): ForeignTool | undefined {
  if (wanted === 'none') return undefined;
  if (wanted === 'auto') {
    if (found.golangMigrate && found.flyway) {
      throw new ConfigurationError(
        `import-history is auto, but the database holds both golang-migrate's ${GOLANG_MIGRATE_TABLE} and Flyway's ${FLYWAY_TABLE}: set import-history to the one whose history is current.`,
        { input: 'import-history' },
      );
    }
    return found.golangMigrate ? 'golang-migrate' : found.flyway ? 'flyway' : undefined;
  }
  const there = wanted === 'flyway' ? found.flyway : found.golangMigrate;
  if (!there) {
    throw new ConfigurationError(
      `import-history is ${wanted}, but the database has no ${wanted === 'flyway' ? FLYWAY_TABLE : `golang-migrate ${GOLANG_MIGRATE_TABLE} (version, dirty)`} table. Check database-url, or set import-history: auto.`,
      { input: 'import-history' },
    );
  }
  return wanted;
}

/** Reads the other tool's history from the database, when import-history finds one. */
export async function readForeignHistory(
  session: DatabaseSession,
  wanted: ImportHistory,
  files: { migrations: readonly Migration[]; repeatables: readonly RepeatableMigration[] },
  options: { allowChanged?: boolean },
): Promise<ImportedHistory | undefined> {
  if (wanted === 'none') return undefined;
  const golang = await session.tableShape(GOLANG_MIGRATE_TABLE);
  const flyway = await session.tableShape(FLYWAY_TABLE);
  const tool = chooseForeignTool(wanted, {
    golangMigrate: golang.exists && isGolangMigrateTable(golang.columns),
    flyway: flyway.exists && isFlywayTable(flyway.columns),
  });
  if (tool === 'golang-migrate') {
    const rows = await session.select<{ version: string; dirty: boolean | number }>(
      `SELECT CAST(version AS ${session.engine === 'postgres' ? 'TEXT' : 'CHAR'}) AS version, dirty FROM ${GOLANG_MIGRATE_TABLE}`,
    );
    return importGolangMigrate(
      rows.map((r) => ({ version: String(r.version), dirty: r.dirty === true || Number(r.dirty) === 1 })),
      files.migrations,
    );
  }
  if (tool === 'flyway') {
    const rows = await session.select<FlywayRow>(
      `SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success FROM ${FLYWAY_TABLE}`,
    );
    return importFlyway(rows, files.migrations, files.repeatables, options);
  }
  return undefined;
}
