/** The job summary and log lines of a migrate-db run, built from the engine's result (pure). */
import { SummaryBuilder } from '../../src/runtime/summary.js';
import { formatDuration } from '../../src/runtime/parse.js';
import type { MigrateResult, MigrationPlan } from '../../src/db/index.js';

const OUTCOME_TEXT = {
  'rolled-back': 'The failing transaction was rolled back; the database is as it was before that transaction.',
  restored: 'The database was restored from the backup taken before the run.',
  'left-partial': 'The database may be partly changed: statements that ran before the error stay applied.',
  'restore-failed': 'Restoring the backup FAILED: restore it by hand (see below).',
} as const;

/** Plan lines for the log (dry run and before applying). */
export function planLines(plan: MigrationPlan, engine: MigrateResult['engine']): string[] {
  if (plan.steps.length === 0) return [`Nothing to apply: the database is at version ${plan.previousVersion ?? '(none)'}.`];
  const lines = [`Plan: ${plan.direction} from ${plan.previousVersion ?? '(empty)'} to ${plan.targetVersion ?? '(empty)'}, ${plan.steps.length} migration(s):`];
  plan.batches.forEach((batch, i) => {
    for (const s of batch.steps) {
      const tx = !batch.transactional ? 'no transaction' : engine === 'mysql' ? 'own transaction (DDL commits implicitly)' : `transaction ${i + 1}`;
      lines.push(`  ${s.direction === 'up' ? '↑' : '↓'} ${s.repeatable ? 'R' : s.version} ${s.script.file} — ${s.statementCount} statement(s), ${tx}`);
    }
  });
  return lines;
}

export function buildSummary(result: MigrateResult, artifact?: { name: string; id: number }): SummaryBuilder {
  const s = new SummaryBuilder();
  const f = result.failure;
  const title = result.dryRun
    ? `migrate-db dry run: ${result.plan.steps.length} pending`
    : f
      ? `migrate-db failed: ${f.file ?? 'migration'}`
      : `migrate-db: ${result.applied.length === 0 ? 'nothing to apply' : `applied ${result.applied.length} migration(s)`}`;
  s.heading(title);
  const facts = [
    `${result.database} (server ${result.serverVersion}).`,
    `Version: ${result.previousVersion ?? '(none)'} → ${result.dryRun ? `${result.plan.targetVersion ?? '(none)'} (planned)` : (result.currentVersion ?? '(none)')}.`,
  ];
  facts.push(`History table: ${result.historyTable}.`);
  if (result.imported) {
    facts.push(
      `Adopted from ${result.imported.tool}: ${result.imported.versions} applied version(s)${result.imported.repeatables ? ` and ${result.imported.repeatables} repeatable(s)` : ''} read from ${result.imported.table} (left as it was).`,
    );
  }
  if (result.backup) facts.push(`Backup: ${result.backup.path} (${result.backup.bytes} bytes, ${formatDuration(result.backup.durationMs)}).`);
  if (artifact) facts.push(`Backup kept as the workflow artifact "${artifact.name}" (id ${artifact.id}).`);
  if (result.backup?.pruned.length) facts.push(`backup-retention removed ${result.backup.pruned.length} older backup(s).`);
  if (result.lockWaitMs > 500) facts.push(`Waited ${formatDuration(result.lockWaitMs)} for the migration lock.`);
  if (result.dryRun) facts.push('Dry run: nothing was changed.');
  s.paragraph(facts.join(' '));
  if (f) s.paragraph(`❌ ${f.file ?? 'The run'}${f.line ? ` line ${f.line}` : ''}: ${f.message}. ${OUTCOME_TEXT[f.outcome]}`);

  if (result.plan.steps.length > 0) {
    const applied = new Map(result.applied.map((a) => [a.file, a]));
    const undone = new Set(f?.undone ?? []);
    const rows = result.plan.batches.flatMap((batch, i) =>
      batch.steps.map((step) => {
        const a = applied.get(step.script.file);
        const tx = !batch.transactional ? 'no' : result.engine === 'mysql' ? 'own (DDL commits)' : `yes (#${i + 1})`;
        let status: string;
        if (result.dryRun) status = 'pending';
        else if (a) status = '✅ applied';
        else if (f && f.file === step.script.file)
          status = `❌ failed${f.line ? ` at line ${f.line}` : ''}${undone.has(step.version) ? (f.outcome === 'restored' ? ', restored' : ', rolled back') : ''}`;
        else if (undone.has(step.version)) status = f?.outcome === 'restored' ? '↩ restored' : '↩ rolled back';
        else status = '⏭ not run';
        const duration = a ? formatDuration(a.durationMs) : '';
        return [step.repeatable ? 'R' : step.version, step.script.file, step.direction, step.statementCount, tx, duration, status];
      }),
    );
    s.table(['Version', 'File', 'Direction', 'Statements', 'Transaction', 'Duration', 'Result'], rows);
  }
  if (result.engine === 'mysql' && !result.dryRun && result.plan.steps.length > 0) {
    s.paragraph('MySQL/MariaDB commits DDL implicitly, so a transaction cannot undo a schema change there: the backup is the safety net.');
  }
  if (f?.outcome === 'restore-failed' && result.backup) {
    s.details(
      'Restore by hand',
      `${f.restoreError ?? ''}\n\n${result.engine === 'postgres' ? `pg_restore --clean --if-exists --single-transaction -d <database> ${result.backup.path}` : `mysql <database> < ${result.backup.path}`}`,
      { code: 'text' },
    );
  }
  if (f) s.details('Error', f.message, { code: 'text' });
  return s;
}
