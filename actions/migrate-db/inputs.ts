/** migrate-db's inputs, read and validated before anything connects. */
import { isAbsolute, join, resolve } from 'node:path';
import type { Inputs } from '../../src/runtime/inputs.js';
import type { RunContext } from '../../src/runtime/context.js';
import {
  checkBackupDir,
  checkTargetVersion,
  parseDatabaseUrl,
  parseHistoryTable,
  parseVersionInput,
  readMigrationDirectory,
  type DatabaseTarget,
  type Migration,
  type OnFailure,
  type TransactionMode,
  type Version,
} from '../../src/db/index.js';

export interface MigrateDbInputs {
  target: DatabaseTarget;
  migrationsDir: string;
  /** As given, for annotations relative to the workspace. */
  migrationsLabel: string;
  migrations: Migration[];
  historyTable: string;
  transactionMode: TransactionMode;
  toVersion?: Version;
  allowDown: boolean;
  allowChanged: boolean;
  baselineVersion?: Version;
  expectVersion?: Version;
  dryRun: boolean;
  backup: boolean;
  backupDir: string;
  onFailure: OnFailure;
  lockTimeoutMs: number;
  connectTimeoutMs: number;
}

export function readInputs(inputs: Inputs, run: RunContext): MigrateDbInputs {
  // Masked whole and by its password as soon as it is read.
  const url = inputs.secret('database-url', { required: true });
  const target = parseDatabaseUrl(url);
  const historyTable = inputs.string('history-table', { default: 'schema_migrations' });
  parseHistoryTable(historyTable);
  const transactionMode = inputs.choice('transaction-mode', ['all', 'per-migration'] as const, 'all');
  const onFailure = inputs.choice('on-failure', ['auto', 'restore', 'none'] as const, 'auto');
  const toVersion = parseVersionInput(inputs.optional('to-version'), 'to-version');
  const baselineVersion = parseVersionInput(inputs.optional('baseline-version'), 'baseline-version');
  const expectVersion = parseVersionInput(inputs.optional('expect-version'), 'expect-version');
  const allowDown = inputs.boolean('allow-down', false);
  const allowChanged = inputs.boolean('allow-changed', false);
  const dryRun = inputs.boolean('dry-run', false);
  const backup = inputs.boolean('backup', true);
  const lockTimeoutMs = inputs.duration('lock-timeout', '5m');
  const connectTimeoutMs = inputs.duration('connect-timeout', '10s', { min: 1000 });
  const backupDirInput = inputs.optional('backup-dir');
  const backupDir = backupDirInput ? resolve(run.workspace, backupDirInput) : join(run.tempDir, 'deploy-kit-backups');
  const migrationsLabel = inputs.string('migrations', { default: 'db/migrations' });
  const migrationsDir = isAbsolute(migrationsLabel) ? migrationsLabel : resolve(run.workspace, migrationsLabel);
  const migrations = readMigrationDirectory(migrationsDir, target.engine, migrationsLabel);
  checkTargetVersion(migrations, toVersion, baselineVersion);
  if (backup && !dryRun) checkBackupDir(backupDir, backupDirInput ?? backupDir);
  return {
    target,
    migrationsDir,
    migrationsLabel,
    migrations,
    historyTable,
    transactionMode,
    toVersion,
    allowDown,
    allowChanged,
    baselineVersion,
    expectVersion,
    dryRun,
    backup,
    backupDir,
    onFailure,
    lockTimeoutMs,
    connectTimeoutMs,
  };
}
