/** migrate-db's inputs, read and validated before anything connects. */
import type { Inputs } from '../../src/runtime/inputs.js';
import type { RunContext } from '../../src/runtime/context.js';
import {
  checkTargetVersion,
  parseVersionInput,
  readDatabaseInputs,
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
  const dryRun = inputs.boolean('dry-run', false);
  const backup = inputs.boolean('backup', true);
  const db = readDatabaseInputs(inputs, run, { backup: backup && !dryRun });
  const transactionMode = inputs.choice('transaction-mode', ['all', 'per-migration'] as const, 'all');
  const onFailure = inputs.choice('on-failure', ['auto', 'restore', 'none'] as const, 'auto');
  const toVersion = parseVersionInput(inputs.optional('to-version'), 'to-version');
  const baselineVersion = parseVersionInput(inputs.optional('baseline-version'), 'baseline-version');
  const expectVersion = parseVersionInput(inputs.optional('expect-version'), 'expect-version');
  const allowDown = inputs.boolean('allow-down', false);
  const allowChanged = inputs.boolean('allow-changed', false);
  const lockTimeoutMs = inputs.duration('lock-timeout', '5m');
  const connectTimeoutMs = inputs.duration('connect-timeout', '10s', { min: 1000 });
  const migrations = readMigrationDirectory(db.migrationsDir, db.target.engine, db.migrationsLabel);
  checkTargetVersion(migrations, toVersion, baselineVersion);
  return {
    target: db.target,
    migrationsDir: db.migrationsDir,
    migrationsLabel: db.migrationsLabel,
    migrations,
    historyTable: db.historyTable,
    transactionMode,
    toVersion,
    allowDown,
    allowChanged,
    baselineVersion,
    expectVersion,
    dryRun,
    backup,
    backupDir: db.backupDir,
    onFailure,
    lockTimeoutMs,
    connectTimeoutMs,
  };
}
