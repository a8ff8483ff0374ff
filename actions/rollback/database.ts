/**
 * The database part of rollback, through src/db (loaded only when database-url is given): restore
 * a backup (`restore-backup`) or migrate down to `to-migration-version`. Inputs are checked in full
 * before anything connects.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { restoreWarning } from '../../src/db/backup-age.js';
import { readDatabaseInputs } from '../../src/db/settings.js';
import { artifactServiceMissing, downloadFileArtifact } from '../../src/runtime/artifact.js';
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { RecordedDatabase } from '../../src/record/rollback-plan.js';

export interface DatabaseRollback {
  url: string;
  mode: 'restore' | 'migrate';
  /** restore: the backup file (absolute), or an artifact of this workflow run holding it. */
  backupPath?: string;
  backupArtifact?: string;
  /** migrate: the version to go down to, the migrations directory and its label. */
  toVersion?: string;
  migrationsDir?: string;
  migrationsLabel?: string;
  historyTable?: string;
  backupDir: string;
  /** Restore a dump taken from another database (by name). */
  allowForeignBackup: boolean;
  /** `record` was given: the backup or version comes from the deployment record, once the rollback is planned. */
  fromRecord?: boolean;
}

/** Pure: which database rollback the inputs ask for, or undefined without database-url. */
export function readDatabaseRollback(inputs: Inputs, workspace: string, tempDir: string): DatabaseRollback | undefined {
  const backup = inputs.optional('restore-backup');
  const toVersion = inputs.optional('to-migration-version');
  if (!inputs.has('database-url')) {
    if (backup || toVersion) {
      const input = backup ? 'restore-backup' : 'to-migration-version';
      throw new ConfigurationError(`${input} needs database-url: give the database's connection URL (from a secret).`, { input: 'database-url' });
    }
    return undefined;
  }
  if (backup && toVersion) throw new ConfigurationError('Give restore-backup or to-migration-version, not both.', { input: 'to-migration-version' });
  if (!backup && !toVersion) {
    throw new ConfigurationError('database-url is given but not what to do: give restore-backup (a backup file) or to-migration-version.', {
      input: 'database-url',
    });
  }
  // The same reader as migrate-db's: a down migration backs up first, so backup-dir is checked then.
  // A restore takes a safety dump of the current state first, so backup-dir is checked for both.
  const db = readDatabaseInputs(inputs, { workspace, tempDir }, { backup: true });
  const { url, historyTable, backupDir } = db;
  const allowForeignBackup = inputs.boolean('allow-foreign-backup', false);
  if (backup === 'record') return { url, mode: 'restore', fromRecord: true, historyTable, backupDir, allowForeignBackup };
  if (toVersion === 'record') {
    return {
      url,
      mode: 'migrate',
      fromRecord: true,
      migrationsDir: db.migrationsDir,
      migrationsLabel: db.migrationsLabel,
      historyTable,
      backupDir,
      allowForeignBackup,
    };
  }
  if (backup) {
    const path = isAbsolute(backup) ? backup : resolve(workspace, backup);
    if (!existsSync(path) || !statSync(path).isFile()) {
      // Not a file here: the name of a backup artifact of this run (migrate-db's backup-artifact), when the service is there.
      if (!artifactServiceMissing() && !backup.includes('/'))
        return { url, mode: 'restore', backupArtifact: backup, historyTable, backupDir, allowForeignBackup };
      throw new ConfigurationError(
        `restore-backup: the file "${backup}" does not exist (resolved to ${path}), and it is not an artifact name of this workflow run either. Give the backup's path or the backup-artifact-name output of migrate-db.`,
        { input: 'restore-backup' },
      );
    }
    return { url, mode: 'restore', backupPath: path, historyTable, backupDir, allowForeignBackup };
  }
  return {
    url,
    mode: 'migrate',
    toVersion,
    migrationsDir: db.migrationsDir,
    migrationsLabel: db.migrationsLabel,
    historyTable,
    backupDir,
    allowForeignBackup,
  };
}

/**
 * `record` resolved: the version the record keeps for the release rolled back to, or the backup it keeps
 * for the release rolled back from. Nothing recorded (or the file gone) is a ConfigurationError: nothing
 * has changed yet.
 */
export function withRecordedDatabase(settings: DatabaseRollback, recorded: RecordedDatabase, recordLocation: string): DatabaseRollback {
  if (!settings.fromRecord) return settings;
  if (settings.mode === 'migrate') {
    if (!recorded.version) {
      throw new ConfigurationError(
        `to-migration-version: record, but the deployment record ${recordLocation} keeps no database version for the release being rolled back to (deploy-canary's database-version was not given when it was deployed). Give the version instead.`,
        { input: 'to-migration-version' },
      );
    }
    return { ...settings, fromRecord: false, toVersion: recorded.version.value };
  }
  const path = recorded.backup?.path;
  if (!path) {
    throw new ConfigurationError(
      `restore-backup: record, but the deployment record ${recordLocation} keeps no backup for the release being rolled back from (deploy-canary's backup-path was not given, or its migration needed none). Give the backup file instead.`,
      { input: 'restore-backup' },
    );
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ConfigurationError(
      `restore-backup: record names ${path} (taken before ${recorded.backup!.image}), which does not exist on this host any more. Give another backup file.`,
      { input: 'restore-backup' },
    );
  }
  return { ...settings, fromRecord: false, backupPath: path };
}

/**
 * `record` resolved and prepared. For `to-migration-version: record`, a release without down files is not
 * an error (decision 0090: after a failure past promotion the app goes back, and the database is migrated
 * down only where down files exist): `warn` says why the database stays, and there is no database step.
 * An explicit version, or any other problem, still stops the rollback before anything changes.
 */
export async function prepareRecordedDatabase<T>(
  settings: DatabaseRollback,
  recorded: RecordedDatabase,
  recordLocation: string,
  prepare: (settings: DatabaseRollback) => Promise<T>,
  warn: (message: string) => void,
): Promise<T | undefined> {
  const resolved = withRecordedDatabase(settings, recorded, recordLocation);
  try {
    return await prepare(resolved);
  } catch (err) {
    if (resolved.mode === 'migrate' && err instanceof ConfigurationError && /has no down migration/.test(err.message)) {
      warn(`The database stays at its version: ${err.message} (to-migration-version: record migrates down only where down files exist.)`);
      return undefined;
    }
    throw err;
  }
}

export interface PreparedDatabaseRollback {
  settings: DatabaseRollback;
  describe: string;
  /** The version the database is left at (migrate), for the record. */
  version?: string;
  run(options: { log: Logger; signal: AbortSignal; redact: (t: string) => string; appliedBy: string }): Promise<string>;
}

/** Parses the URL, reads the migrations and checks the version — still without connecting. */
export async function prepareDatabaseRollback(settings: DatabaseRollback): Promise<PreparedDatabaseRollback> {
  const db = await import('../../src/db/index.js');
  const target = db.parseDatabaseUrl(settings.url);
  if (settings.mode === 'restore') {
    const lost = (path: string): string => restoreWarning(path, statSync(path).mtime, new Date());
    return {
      settings,
      describe: `restore ${settings.backupPath ?? `the artifact ${settings.backupArtifact}`} into ${db.describeTarget(target)}${settings.backupPath ? ` (${lost(settings.backupPath)})` : ''}`,
      async run(o) {
        const path = settings.backupPath ?? (await downloadFileArtifact(settings.backupArtifact!, settings.backupDir));
        // The signal only cancels the wait for the migrate-db lock: a begun restore runs to its end.
        const r = await db.restoreBackup(target, path, {
          log: o.log,
          signal: o.signal,
          redact: o.redact,
          historyTable: settings.historyTable,
          safetyBackupDir: settings.backupDir,
          allowForeignBackup: settings.allowForeignBackup,
        });
        const dropped = r.dropped.length ? `; dropped ${r.dropped.length} object(s) created after it: ${r.dropped.join(', ')}` : '';
        return `restored ${settings.backupArtifact ? `the artifact ${settings.backupArtifact} (${path})` : path} into ${target.database} in ${(r.durationMs / 1000).toFixed(1)}s${dropped}; the state before it is kept in ${r.safetyBackup}. ${lost(path)}`;
      },
    };
  }
  const version = db.parseVersionInput(settings.toVersion, 'to-migration-version')!;
  const migrations = db.readMigrationDirectory(settings.migrationsDir!, target.engine, settings.migrationsLabel);
  db.checkTargetVersion(migrations, version);
  return {
    settings,
    describe: `migrate ${db.describeTarget(target)} down to version ${version}`,
    version,
    async run(o) {
      const r = await db.migrateTo(version, {
        target,
        migrations,
        historyTable: settings.historyTable,
        allowDown: true,
        backup: true,
        backupDir: settings.backupDir,
        onFailure: 'auto',
        appliedBy: o.appliedBy,
        log: o.log,
        signal: o.signal,
        redact: o.redact,
      });
      const undone = r.applied.filter((a) => a.direction === 'down').map((a) => a.version);
      return `migrated ${target.database} from version ${r.previousVersion ?? '(none)'} down to ${r.currentVersion ?? '(none)'}${undone.length ? ` (undid ${undone.join(', ')})` : ' (nothing to undo)'}; backup first at ${r.backup?.path ?? '(none)'}`;
    },
  };
}
