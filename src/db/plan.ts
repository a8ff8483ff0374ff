/**
 * The migration plan: from the migration files, the history rows and the options, which files
 * run, in which order, in which direction, grouped in which transactions. Pure: the dry run
 * prints it, the engine executes it, and the rollback action computes its own with `to-version`.
 */
import { ConfigurationError } from '../runtime/errors.js';
import type { Migration, MigrationDirection, MigrationScript, RepeatableMigration } from './files.js';
import { compareVersions, maxVersion, normaliseVersion, type Version } from './version.js';

export type TransactionMode = 'all' | 'per-migration';

export interface HistoryRow {
  version: Version;
  name: string;
  /** Null for a baseline row. */
  checksum: string | null;
  appliedAt?: Date;
  executionMs?: number;
  appliedBy?: string;
  /** A run died while applying this file (MySQL, where DDL commits as it goes): state unknown. */
  dirty?: boolean;
}

export const BASELINE_NAME = '<< baseline >>';

export interface PlanOptions {
  toVersion?: Version;
  allowDown?: boolean;
  allowChanged?: boolean;
  baselineVersion?: Version;
  transactionMode?: TransactionMode;
  /** Flyway `R__` files: run after the versioned ones (not on the way down) when new or changed. */
  repeatables?: readonly RepeatableMigration[];
  /** What the repeatables' history says: file name → checksum last applied. */
  repeatableHistory?: ReadonlyMap<string, string>;
}

export interface PlanStep {
  version: Version;
  name: string;
  direction: MigrationDirection;
  script: MigrationScript;
  /** Whether the file runs inside a transaction (false for files with the no-transaction marker). */
  transactional: boolean;
  statementCount: number;
  /** A repeatable (`R__`) file: version is ''; recorded by file name, not in the versioned history. */
  repeatable?: true;
}

export interface PlanBatch {
  /** One transaction around all steps; false: a single no-transaction step, statement by statement. */
  transactional: boolean;
  steps: PlanStep[];
}

export interface ChangedFile {
  version: Version;
  file: string;
  path: string;
  recorded: string;
  current: string;
}

export interface MigrationPlan {
  /** The database's version before the run (undefined: nothing applied yet). */
  previousVersion?: Version;
  /** The version the database is at when the plan has run. */
  targetVersion?: Version;
  direction: MigrationDirection | 'none';
  steps: PlanStep[];
  batches: PlanBatch[];
  /** A baseline row to write first (adopting an existing database). */
  baseline?: Version;
  /** Applied files whose content changed, accepted with allow-changed: their checksums are updated. */
  checksumUpdates: ChangedFile[];
  /** Versions in the history without a file (e.g. applied by a newer release). */
  unknownApplied: Version[];
}

/** Validates `to-version` against the files (before anything connects). */
export function checkTargetVersion(migrations: readonly Migration[], toVersion: Version | undefined, baselineVersion?: Version): void {
  if (toVersion === undefined) return;
  if (compareVersions(toVersion, '0') === 0) return;
  if (baselineVersion !== undefined && compareVersions(toVersion, baselineVersion) === 0) return;
  if (migrations.some((m) => compareVersions(m.version, toVersion) === 0)) return;
  const lower = migrations.filter((m) => compareVersions(m.version, toVersion) < 0).at(-1);
  const higher = migrations.find((m) => compareVersions(m.version, toVersion) > 0);
  const near = [lower, higher].filter(Boolean).map((m) => m!.version);
  throw new ConfigurationError(
    `to-version ${toVersion} is not the version of any migration file${near.length ? ` (nearest: ${near.join(', ')})` : ''}. Give an existing version, or 0 for "before the first migration".`,
    { input: 'to-version' },
  );
}

/** Applied versions whose file content changed since they were applied. */
export function findChangedFiles(migrations: readonly Migration[], history: readonly HistoryRow[]): ChangedFile[] {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const changed: ChangedFile[] = [];
  for (const row of history) {
    if (row.checksum === null) continue;
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
export function splitIntoBatches(steps: readonly PlanStep[], mode: TransactionMode): PlanBatch[] {
  const batches: PlanBatch[] = [];
  for (const step of steps) {
    const last = batches.at(-1);
    if (mode === 'all' && step.transactional && last?.transactional) last.steps.push(step);
    else batches.push({ transactional: step.transactional, steps: [step] });
  }
  return batches;
}

function step(m: Migration, direction: MigrationDirection, script: MigrationScript): PlanStep {
  return { version: m.version, name: m.name, direction, script, transactional: script.transactional, statementCount: script.statements.length };
}

export function planMigrations(migrations: readonly Migration[], history: readonly HistoryRow[], options: PlanOptions = {}): MigrationPlan {
  const mode = options.transactionMode ?? 'all';
  const dirty = history.find((r) => r.dirty);
  if (dirty) {
    throw new ConfigurationError(
      `version ${dirty.version} (${dirty.name}) is marked dirty in the history: a run${dirty.appliedBy ? ` (${dirty.appliedBy})` : ''} stopped while applying it${dirty.appliedAt ? ` at ${dirty.appliedAt.toISOString()}` : ''}, and MySQL may have committed part of it. Nothing was applied. Check the database (restore that run's backup if needed), then delete the row (DELETE FROM <history-table> WHERE version = '${dirty.version}') and re-run.`,
      { input: 'migrations' },
    );
  }
  const rows = history.map((r) => ({ ...r, version: normaliseVersion(r.version) }));
  let baseline: Version | undefined;
  if (rows.length === 0 && options.baselineVersion !== undefined) {
    baseline = normaliseVersion(options.baselineVersion);
    rows.push({ version: baseline, name: BASELINE_NAME, checksum: null });
  }
  const applied = new Set(rows.map((r) => r.version));
  const previousVersion = maxVersion(history.map((r) => normaliseVersion(r.version)));
  const current = maxVersion(applied);
  const baselineRow = rows.find((r) => r.checksum === null && r.name === BASELINE_NAME);
  const coveredByBaseline = (v: Version): boolean => baselineRow !== undefined && compareVersions(v, baselineRow.version) <= 0;

  const changed = findChangedFiles(migrations, rows);
  if (changed.length > 0 && !options.allowChanged) {
    const first = changed[0]!;
    throw new ConfigurationError(
      `${first.file} was changed after it was applied (version ${first.version}: recorded checksum ${first.recorded.slice(0, 12)}…, file now ${first.current.slice(0, 12)}…)${
        changed.length > 1
          ? ` — and ${changed.length - 1} more: ${changed
              .slice(1)
              .map((c) => c.file)
              .join(', ')}`
          : ''
      }. Nothing was applied. Restore the file, or add a new migration for the change; set allow-changed: true only if the edit is deliberate (the recorded checksums are then updated).`,
      { input: 'migrations', file: first.path },
    );
  }
  const known = new Set(migrations.map((m) => m.version));
  const unknownApplied = rows.filter((r) => !known.has(r.version) && r.checksum !== null).map((r) => r.version);

  const target = options.toVersion !== undefined ? normaliseVersion(options.toVersion) : undefined;
  const goingDown = target !== undefined && current !== undefined && compareVersions(target, current) < 0;

  if (goingDown) {
    const toUndo = rows.filter((r) => compareVersions(r.version, target) > 0).sort((a, b) => compareVersions(b.version, a.version));
    if (!options.allowDown) {
      throw new ConfigurationError(
        `to-version ${target} is below the database's current version ${current}: that would undo ${toUndo.map((r) => r.version).join(', ')}. Set allow-down: true to run their down migrations.`,
        { input: 'to-version' },
      );
    }
    const steps: PlanStep[] = [];
    for (const r of toUndo) {
      const m = migrations.find((x) => x.version === r.version);
      if (r.checksum === null) {
        throw new ConfigurationError(
          `to-version ${target} is below the baseline ${r.version}, which has no down migration. Choose a version at or above the baseline.`,
          { input: 'to-version' },
        );
      }
      if (!m?.down) {
        throw new ConfigurationError(
          `to-version ${target}: version ${r.version} (${m?.up?.file ?? r.name}) has no down migration. Add ${m?.up ? downNameFor(m.up.file) : `a .down.sql file for version ${r.version}`}, or choose a higher to-version.`,
          { input: 'to-version', file: m?.up?.path },
        );
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

  const pending = migrations.filter(
    (m) => !applied.has(m.version) && !coveredByBaseline(m.version) && (target === undefined || compareVersions(m.version, target) <= 0),
  );
  if (current !== undefined) {
    const late = pending.find((m) => compareVersions(m.version, current) < 0);
    if (late) {
      throw new ConfigurationError(
        `${late.up!.file} (version ${late.version}) is not applied, but the database is already at version ${current}: it would run out of order. Give it a version above ${current} (rename the file), nothing was applied.`,
        { input: 'migrations', file: late.up!.path },
      );
    }
  }
  const versioned = pending.map((m) => step(m, 'up', m.up!));
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
export function repeatableSteps(options: PlanOptions): PlanStep[] {
  const applied = options.repeatableHistory ?? new Map<string, string>();
  return (options.repeatables ?? [])
    .filter((r) => applied.get(r.name) !== r.script.checksum)
    .map((r) => ({
      version: '',
      name: r.name,
      direction: 'up' as const,
      script: r.script,
      transactional: r.script.transactional,
      statementCount: r.script.statements.length,
      repeatable: true as const,
    }));
}

function downNameFor(upFile: string): string {
  if (upFile.endsWith('.up.sql')) return upFile.replace(/\.up\.sql$/, '.down.sql');
  return upFile.replace(/^V/, 'U');
}

/** A checked `expect-version`: the version the plan ends at must be the expected one. */
export function checkExpectedVersion(plan: MigrationPlan, expectVersion: Version | undefined): void {
  if (expectVersion === undefined) return;
  const at = plan.targetVersion;
  if (at === undefined || compareVersions(at, expectVersion) !== 0) {
    throw new ConfigurationError(
      `expect-version is ${expectVersion}, but after this run the database would be at ${at ?? 'no version'}${plan.steps.length ? ` (applying ${plan.steps.map((s) => s.version).join(', ')})` : ''}. Nothing was applied. Check the migrations directory or expect-version.`,
      { input: 'expect-version' },
    );
  }
}
