/** migrate-db's inputs, read and validated before anything connects. */
import { requireArtifactService } from '../../src/runtime/artifact.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import type { RunContext } from '../../src/runtime/context.js';
import {
  checkTargetVersion,
  parseVersionInput,
  parseBackupCompression,
  parseRetention,
  readDatabaseInputs,
  type BackupCompression,
  type Retention,
  readMigrationFiles,
  readPlaceholders,
  type ImportHistory,
  type RepeatableMigration,
  type DatabaseTarget,
  type Migration,
  type OnFailure,
  type StatementLimits,
  type TransactionMode,
  type Version,
} from '../../src/db/index.js';

export interface MigrateDbInputs {
  target: DatabaseTarget;
  migrationsDir: string;
  /** As given, for annotations relative to the workspace. */
  migrationsLabel: string;
  migrations: Migration[];
  historyTable?: string;
  repeatables: RepeatableMigration[];
  importHistory: ImportHistory;
  transactionMode: TransactionMode;
  toVersion?: Version;
  allowDown: boolean;
  allowChanged: boolean;
  baselineVersion?: Version;
  expectVersion?: Version;
  dryRun: boolean;
  backup: boolean;
  backupDir: string;
  backupCompression: BackupCompression;
  backupRetention: Retention;
  /** Upload the backup as a workflow artifact, kept this many days (undefined: the repository's default). */
  backupArtifact?: { retentionDays?: number };
  onFailure: OnFailure;
  lockTimeoutMs: number;
  statementLimits: StatementLimits;
  connectTimeoutMs: number;
}

export function readInputs(inputs: Inputs, run: RunContext, mask: (value: string) => void = () => undefined): MigrateDbInputs {
  const dryRun = inputs.boolean('dry-run', false);
  const backup = inputs.boolean('backup', true);
  const db = readDatabaseInputs(inputs, run, { backup: backup && !dryRun });
  const transactionMode = inputs.choice('transaction-mode', ['all', 'per-migration'] as const, 'all');
  const onFailure = inputs.choice('on-failure', ['auto', 'restore', 'none'] as const, 'auto');
  const importHistory = inputs.choice('import-history', ['auto', 'golang-migrate', 'flyway', 'none'] as const, 'auto');
  const placeholders = readPlaceholders(inputs, mask);
  const backupCompression = parseBackupCompression(inputs.optional('backup-compression'));
  const backupRetention = parseRetention(inputs.optional('backup-retention'));
  const artifact = inputs.boolean('backup-artifact', false);
  const retentionDays = inputs.integer('backup-artifact-retention-days', 0, { min: 0, max: 90 });
  if (artifact && backup && !dryRun) requireArtifactService('backup-artifact');
  const toVersion = parseVersionInput(inputs.optional('to-version'), 'to-version');
  const baselineVersion = parseVersionInput(inputs.optional('baseline-version'), 'baseline-version');
  const expectVersion = parseVersionInput(inputs.optional('expect-version'), 'expect-version');
  const allowDown = inputs.boolean('allow-down', false);
  const allowChanged = inputs.boolean('allow-changed', false);
  const lockTimeoutMs = inputs.duration('lock-timeout', '5m');
  const connectTimeoutMs = inputs.duration('connect-timeout', '10s', { min: 1000 });
  const statementLimits = {
    lockTimeoutMs: inputs.duration('migration-lock-timeout', '10s'),
    statementTimeoutMs: inputs.duration('statement-timeout', '15m'),
  };
  const { migrations, repeatables } = readMigrationFiles(db.migrationsDir, db.target.engine, db.migrationsLabel, placeholders);
  checkTargetVersion(migrations, toVersion, baselineVersion);
  return {
    target: db.target,
    migrationsDir: db.migrationsDir,
    migrationsLabel: db.migrationsLabel,
    migrations,
    historyTable: db.historyTable,
    repeatables,
    importHistory,
    transactionMode,
    toVersion,
    allowDown,
    allowChanged,
    baselineVersion,
    expectVersion,
    dryRun,
    backup,
    backupDir: db.backupDir,
    backupCompression,
    backupRetention,
    // 0 = the repository's default retention.
    ...(artifact ? { backupArtifact: retentionDays ? { retentionDays } : {} } : {}),
    onFailure,
    lockTimeoutMs,
    statementLimits,
    connectTimeoutMs,
  };
}
