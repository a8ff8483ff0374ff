/**
 * The one reader of the database inputs that migrate-db and rollback share (`database-url`,
 * `history-table`, `migrations`, `backup-dir`), through the runtime's typed input reader, so both
 * actions check them alike before anything connects.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError } from '../runtime/errors.js';
import type { Inputs } from '../runtime/inputs.js';
import type { Placeholders } from './files.js';
import { checkBackupDir } from './backup.js';
import { parseHistoryTable } from './session.js';
import { parseDatabaseUrl, type DatabaseTarget } from './url.js';

export const DEFAULT_MIGRATIONS_DIR = 'db/migrations';

export interface DatabaseInputs {
  /** The URL as given (masked as it was read). */
  url: string;
  target: DatabaseTarget;
  /** Not given: the engine uses deploy_kit_migrations, or schema_migrations where an older deploy-kit left its history. */
  historyTable?: string;
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
  const historyTable = inputs.optional('history-table');
  if (historyTable !== undefined) parseHistoryTable(historyTable);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(run.workspace, p));
  const migrationsLabel = inputs.string('migrations', { default: DEFAULT_MIGRATIONS_DIR });
  const backupDirInput = inputs.optional('backup-dir');
  const backupDir = backupDirInput ? abs(backupDirInput) : join(run.tempDir, 'deploy-kit-backups');
  if (options.backup) checkBackupDir(backupDir, backupDirInput ?? backupDir);
  return { url, target, historyTable, migrationsDir: abs(migrationsLabel), migrationsLabel, backupDir };
}

/**
 * `placeholders` (shown in logs) and `secret-placeholders` (each value masked as it is read), both
 * `name=value` lines or a YAML mapping; a name given in both is an error.
 */
export function readPlaceholders(inputs: Inputs, mask: (value: string) => void): Placeholders | undefined {
  const plain = placeholderMap(inputs, 'placeholders');
  const secret = placeholderMap(inputs, 'secret-placeholders');
  for (const value of Object.values(secret ?? {})) if (value !== '') mask(value);
  if (!plain && !secret) return undefined;
  const both = Object.keys(plain ?? {}).find((k) => secret && k in secret);
  if (both) throw new ConfigurationError(`placeholders and secret-placeholders both define ${both}: give it in one of them.`, { input: 'secret-placeholders' });
  return { ...plain, ...secret };
}

const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function placeholderMap(inputs: Inputs, input: string): Record<string, string> | undefined {
  const text = inputs.optional(input);
  if (text === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s?(.*)$/.exec(line);
    if (!m || !PLACEHOLDER_NAME.test(m[1]!)) {
      throw new ConfigurationError(`${input} line ${i + 1} is not "name=value" (or "name: value"); names are letters, digits, _ . -.`, { input });
    }
    out[m[1]!] = unquote(m[2]!.trim());
  }
  return out;
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) && v.length >= 2 ? v.slice(1, -1) : v;
}
