/**
 * What rollback tells the user after the use case ran (pure): the same outputs on every path, the
 * job summary, the closing notice and, when it failed, the error.
 */
import { checksSummary, type ChecksReport } from '../../src/checks/report.js';
import type { RollbackStep } from '../../src/record/rollback-plan.js';
import type { RevisionChange, RollbackResult } from '../../src/release/rollback.js';
import { SummaryBuilder } from '../../src/runtime/summary.js';

/** Every output action.yml declares (`checks` is empty when no checks ran). */
export interface RollbackOutputs {
  'rolled-back-from': string;
  'rolled-back-to': string;
  database: string;
  checks: ChecksReport | '';
}

export function formatImages(list: Array<{ service: string; image: string }>): string {
  return list.length === 1 ? (list[0]?.image ?? '') : list.map((entry) => `${entry.service}=${entry.image}`).join('\n');
}

const targetsOf = (steps: RollbackStep[]): Array<{ service: string; image: string }> => steps.map((step) => ({ service: step.service, image: step.to }));

export function rollbackOutputs(result: RollbackResult): RollbackOutputs {
  const from = formatImages(result.from);
  switch (result.kind) {
    case 'impossible':
    case 'failed':
      return { 'rolled-back-from': from, 'rolled-back-to': '', database: 'untouched', checks: '' };
    case 'planned':
      return { 'rolled-back-from': from, 'rolled-back-to': formatImages(targetsOf(result.steps)), database: 'untouched', checks: '' };
    case 'rolled-back':
      return {
        'rolled-back-from': from,
        'rolled-back-to': formatImages(targetsOf(result.steps)),
        database: result.database,
        checks: result.checks?.report ?? '',
      };
  }
}

function stepsTable(title: string, steps: RollbackStep[], done: RollbackStep[], reason?: string, revisions?: RevisionChange[]): SummaryBuilder {
  const summary = new SummaryBuilder().heading(title);
  const revision = (service: string): string => {
    const change = revisions?.find((r) => r.service === service);
    return change ? `${change.before.revision} → ${change.after?.revision ?? 'new'}` : '';
  };
  summary.table(
    ['Service', 'From', 'To', 'Chosen from', ...(revisions ? ['Revision'] : []), 'Done'],
    steps.map((step) => [
      step.service,
      step.from,
      step.to,
      step.source,
      ...(revisions ? [revision(step.service)] : []),
      done.includes(step) ? 'yes, healthy' : 'no',
    ]),
  );
  if (reason) summary.paragraph(reason);
  return summary;
}

export function rollbackSummary(result: RollbackResult): SummaryBuilder {
  switch (result.kind) {
    case 'impossible':
      return new SummaryBuilder().heading('Rollback: nothing to roll back to').paragraph(result.reason);
    case 'planned':
      return stepsTable('Rollback plan (dry run)', result.steps, [], undefined, result.revisions);
    case 'failed':
      return stepsTable('Rollback failed', result.steps, result.done, result.reason, result.revisions);
    case 'rolled-back': {
      const report = new SummaryBuilder().raw(
        stepsTable(`Rolled back in ${(result.durationMs / 1000).toFixed(1)}s`, result.steps, result.done, undefined, result.revisions).toString(),
      );
      if (result.database !== 'untouched') report.heading('Database', 3).paragraph(result.database);
      if (result.checks) report.raw(checksSummary(result.checks.results, 'Checks after the rollback').toString());
      return report;
    }
  }
}

export function rollbackFailure(result: RollbackResult): string | undefined {
  switch (result.kind) {
    case 'impossible':
    case 'failed':
      return result.reason;
    case 'planned':
      return undefined;
    case 'rolled-back': {
      if (!result.problem) return undefined;
      const to = targetsOf(result.steps);
      return `Services rolled back (${to.map((entry) => `${entry.service} → ${entry.image}`).join(', ')}), but ${result.problem}.`;
    }
  }
}

export function rollbackNotice(result: RollbackResult): string | undefined {
  if (result.kind !== 'rolled-back' || result.problem) return undefined;
  const database = result.database !== 'untouched' ? ` Database: ${result.database}.` : '';
  return `Rolled back: ${result.steps.map((step) => `${step.service} ${step.from} → ${step.to}`).join('; ')}; all healthy.${database}`;
}
