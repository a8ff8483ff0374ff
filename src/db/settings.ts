/**
 * The one reader of the database inputs that migrate-db and rollback share (`database-url`,
 * `history-table`, `migrations`, `backup-dir`), through the runtime's typed input reader, so both
 * actions check them alike before anything connects.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Inputs } from '../runtime/inputs.js';
import { checkBackupDir } from './backup.js';
import { parseHistoryTable } from './session.js';
import { parseDatabaseUrl, type DatabaseTarget } from './url.js';

export const DEFAULT_HISTORY_TABLE = 'schema_migrations';
export const DEFAULT_MIGRATIONS_DIR = 'db/migrations';

export interface DatabaseInputs {
  /** The URL as given (masked as it was read). */
  url: string;
  target: DatabaseTarget;
  historyTable: string;
  /** The migrations directory, absolute, and as given (for annotations relative to the workspace). */
  migrationsDir: string;
  migrationsLabel: string;
  /** Absolute; `$RUNNER_TEMP/deploy-kit-backups` when not given. */
  backupDir: string;
}

export interface DatabaseInputOptions {
  /** A backup will be written into backup-dir: check it is (or can be made) a writable directory. */
  backup: boolean;
}

/** Reads and checks the shared database inputs; `database-url` is required. */
export function readDatabaseInputs(inputs: Inputs, run: { workspace: string; tempDir: string }, options: DatabaseInputOptions): DatabaseInputs {
  // Masked whole and by its password as soon as it is read.
  const url = inputs.secret('database-url', { required: true });
  const target = parseDatabaseUrl(url);
  const historyTable = inputs.string('history-table', { default: DEFAULT_HISTORY_TABLE });
  parseHistoryTable(historyTable);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(run.workspace, p));
  const migrationsLabel = inputs.string('migrations', { default: DEFAULT_MIGRATIONS_DIR });
  const backupDirInput = inputs.optional('backup-dir');
  const backupDir = backupDirInput ? abs(backupDirInput) : join(run.tempDir, 'deploy-kit-backups');
  if (options.backup) checkBackupDir(backupDir, backupDirInput ?? backupDir);
  return { url, target, historyTable, migrationsDir: abs(migrationsLabel), migrationsLabel, backupDir };
}
