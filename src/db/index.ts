export * from './version.js';
export * from './sql-split.js';
export * from './files.js';
export * from './plan.js';
export * from './url.js';
export * from './lock.js';
export * from './backup.js';
export * from './restore.js';
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
  historyLockName,
  type DatabaseSession,
  type HistoryRecord,
  type StatementLimits,
  statementLimitSql,
} from './session.js';
