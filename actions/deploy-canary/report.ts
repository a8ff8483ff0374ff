/**
 * What deploy-canary tells the user after a use case ran (pure): the same four outputs on every
 * path, the job summary, the closing notice and, when the run failed, the error.
 */
import { analysisOutput, baselineText, canarySummary, resultText, type AnalysisOutputStep } from '../../src/release/canary-report.js';
import type { CleanupReport, DeployCanaryResult, FinishCanaryResult } from '../../src/release/canary.js';
import type { RollingResult } from '../../src/release/rolling.js';
import { SummaryBuilder } from '../../src/runtime/summary.js';

/** One run of the action: which use case ran, and what it returned. */
export type CanaryActionRun =
  { flow: 'canary'; run: DeployCanaryResult } | { flow: 'finish'; run: FinishCanaryResult } | { flow: 'rolling'; run: RollingResult };

/** Every output action.yml declares; a path that forgot one would not compile. */
export interface CanaryOutputs {
  result: 'promoted' | 'aborted' | 'paused' | 'planned';
  analysis: AnalysisOutputStep[];
  'previous-image': string;
  image: string;
}

const joinImages = (list: Array<{ image: string }>): string => list.map((entry) => entry.image).join(',');

export function canaryOutputs(action: CanaryActionRun): CanaryOutputs {
  switch (action.flow) {
    case 'canary': {
      const { run } = action;
      if (run.kind === 'planned') return { result: 'planned', analysis: [], 'previous-image': run.stableImage, image: run.image };
      const { result, steps } = run.outcome;
      const serving = result === 'promoted' || result === 'paused' ? run.image : run.stableImage;
      return { result, analysis: analysisOutput(steps), 'previous-image': run.stableImage, image: serving };
    }
    case 'finish': {
      const { run } = action;
      const serving = run.action === 'promote' ? run.canary.image : run.stableImage;
      const result = run.kind === 'planned' ? 'planned' : run.action === 'promote' ? 'promoted' : 'aborted';
      return { result, analysis: [], 'previous-image': run.stableImage, image: serving };
    }
    case 'rolling': {
      const { run } = action;
      return {
        result: run.kind === 'planned' ? 'planned' : 'promoted',
        analysis: [],
        'previous-image': joinImages(run.before),
        image: joinImages(run.updates),
      };
    }
  }
}

export function canaryActionSummary(action: CanaryActionRun): SummaryBuilder {
  switch (action.flow) {
    case 'canary': {
      const { run } = action;
      const base = { service: run.service, image: run.image, previousImage: run.stableImage };
      if (run.kind === 'planned') return canarySummary({ ...base, result: 'planned', steps: [], analysed: run.checks.length > 0 });
      const { outcome } = run;
      const notes: string[] = [];
      if (outcome.timings.verdictAt && outcome.timings.stableAt) {
        notes.push(`Traffic was back on stable ${outcome.timings.stableAt - outcome.timings.verdictAt} ms after the failing verdict.`);
      }
      for (const problem of outcome.cleanup?.problems ?? []) notes.push(`Cleanup problem: ${problem}`);
      const baselineName = outcome.canary?.baselineName;
      const baseline = baselineName ? { name: baselineName, running: outcome.result === 'paused' } : undefined;
      return canarySummary({ ...base, result: outcome.result, reason: outcome.reason, steps: outcome.steps, analysed: outcome.analysed, notes, baseline });
    }
    case 'finish': {
      const { run } = action;
      const problems = run.kind === 'finished' ? (run.cleanup?.problems ?? []) : [];
      const heading =
        run.kind === 'planned'
          ? `Canary of ${run.service}: ${run.action} planned (dry run)`
          : `Canary of ${run.service}: ${run.action === 'promote' ? 'promoted' : 'aborted'} by hand`;
      return new SummaryBuilder()
        .heading(heading)
        .table(
          ['', ''],
          [
            ['Canary image', run.canary.image],
            ['Stable image', run.stableImage],
            ...(run.canary.baselineName
              ? [['Baseline', baselineText({ name: run.canary.baselineName, running: run.kind === 'planned' }, run.stableImage)]]
              : []),
            ...problems.map((problem) => ['Cleanup problem', problem]),
          ],
        );
    }
    case 'rolling': {
      const { run } = action;
      return new SummaryBuilder().heading(run.kind === 'planned' ? 'Rolling deploy plan (dry run)' : 'Rolling deploy').table(
        ['Service', 'Before', run.kind === 'planned' ? 'Planned' : 'Now'],
        run.updates.map((update, i) => [update.service, run.before[i]?.image ?? '', update.image]),
      );
    }
  }
}

/** Why the step fails, or undefined when it succeeded. */
export function canaryActionFailure(action: CanaryActionRun): string | undefined {
  if (action.flow === 'canary' && action.run.kind === 'ran' && action.run.outcome.result === 'aborted') {
    const { outcome, service } = action.run;
    const problems = outcome.cleanup?.problems ?? [];
    const extra = problems.length ? ` Cleanup problems: ${problems.join('; ')}` : ' Traffic is back on stable and the canary was removed.';
    return `Canary of ${service} aborted: ${outcome.reason}.${extra}`;
  }
  if (action.flow === 'finish' && action.run.kind === 'finished') return cleanupFailure('Aborting the canary left problems', action.run.cleanup);
  return undefined;
}

/** The closing line of a successful canary run. */
export function canaryActionNotice(action: CanaryActionRun): string | undefined {
  if (action.flow !== 'canary' || action.run.kind !== 'ran') return undefined;
  const { outcome, service, image, plan } = action.run;
  if (outcome.result === 'promoted') return `${service} now runs ${image}${outcome.analysed ? '' : ` (${resultText('promoted', false)}: metrics is empty)`}.`;
  if (outcome.result === 'paused') return `The canary of ${service} is paused at ${plan.steps.at(-1)}%.`;
  return undefined;
}

export function cleanupFailure(prefix: string, cleanup: CleanupReport | undefined): string | undefined {
  return cleanup?.problems.length ? `${prefix}: ${cleanup.problems.join('; ')}` : undefined;
}
