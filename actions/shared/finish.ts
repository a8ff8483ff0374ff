import { OperationFailedError, type ActionContext } from '../../src/runtime/index.js';
import type { SummaryBuilder } from '../../src/runtime/summary.js';

/** What an entry tells the user once its use case returned. */
export interface ActionReport {
  outputs: object;
  summary: SummaryBuilder;
  /** Fails the step with this message (after outputs and summary are written). */
  failure?: string;
  /** The closing notice of a success. */
  notice?: string;
}

/** Sets every output, writes the summary, then fails the step or gives the notice. */
export async function finishAction(ctx: ActionContext, report: ActionReport): Promise<void> {
  for (const [name, value] of Object.entries(report.outputs)) ctx.setOutput(name, value);
  await ctx.writeSummary(report.summary);
  if (report.failure) throw new OperationFailedError(report.failure);
  if (report.notice) ctx.log.notice(report.notice);
}
