export * from './version.js';
export * from './sql-split.js';
export * from './files.js';
export * from './plan.js';
export * from './url.js';
export * from './lock.js';
export * from './backup.js';
export * from './backup-files.js';
export * from './engine.js';
export * from './settings.js';
export * from './import-history.js';
export * from './executor.js';
export * from './failure-policy.js';
export { openSession } from './connect.js';
export {
  DEFAULT_HISTORY_TABLE,
  LEGACY_HISTORY_TABLE,
  MigrationSqlError,
  parseHistoryTable,
  advisoryLockKey,
  mysqlLockName,
  type DatabaseSession,
  type HistoryRecord,
} from './session.js';
