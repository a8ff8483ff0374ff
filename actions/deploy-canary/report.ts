/**
 * What deploy-canary tells the user after a use case ran (pure): the same four outputs on every
 * path, the job summary, the closing notice and, when the run failed, the error.
 */
import { analysisOutput, baselineText, canarySummary, resultText, type AnalysisOutputStep } from '../../src/release/canary-report.js';
import type { CleanupReport, DeployCanaryResult, FinishCanaryResult } from '../../src/release/canary.js';
import type { RollingResult } from '../../src/release/rolling.js';
import { blueGreenFacts, blueGreenSummary, type BlueGreenRun } from '../../src/release/blue-green-report.js';
import type { ChecksReport } from '../../src/checks/report.js';
import { SummaryBuilder } from '../../src/runtime/summary.js';

/** One run of the action: which use case ran, and what it returned. */
export type CanaryActionRun =
  | { flow: 'canary'; run: DeployCanaryResult }
  | { flow: 'finish'; run: FinishCanaryResult }
  | { flow: 'rolling'; run: RollingResult }
  | { flow: 'blue-green'; run: BlueGreenRun };

/** Every output action.yml declares; a path that forgot one would not compile. */
export interface CanaryOutputs {
  result: 'promoted' | 'aborted' | 'paused' | 'planned';
  analysis: AnalysisOutputStep[];
  'previous-image': string;
  image: string;
  /** strategy: blue-green — the colour the live Service selects after the run ('' otherwise, or when the adopted Deployment serves). */
  color: string;
  /** strategy: blue-green — the preview checks' report (null when none ran). */
  checks: ChecksReport | null;
  /** strategy: blue-green — when the previous colour is to be scaled to zero ('' when not planned). */
  'scale-down-at': string;
}

const NOT_BLUE_GREEN = { color: '', checks: null, 'scale-down-at': '' } as const;

const joinImages = (list: Array<{ image: string }>): string => list.map((entry) => entry.image).join(',');

export function canaryOutputs(action: CanaryActionRun): CanaryOutputs {
  switch (action.flow) {
    case 'canary': {
      const { run } = action;
      if (run.kind === 'planned') return { result: 'planned', analysis: [], 'previous-image': run.stableImage, image: run.image, ...NOT_BLUE_GREEN };
      const { result, steps } = run.outcome;
      const serving = result === 'promoted' || result === 'paused' ? run.image : run.stableImage;
      return { result, analysis: analysisOutput(steps), 'previous-image': run.stableImage, image: serving, ...NOT_BLUE_GREEN };
    }
    case 'finish': {
      const { run } = action;
      const serving = run.action === 'promote' ? run.canary.image : run.stableImage;
      const result = run.kind === 'planned' ? 'planned' : run.action === 'promote' ? 'promoted' : 'aborted';
      return { result, analysis: [], 'previous-image': run.stableImage, image: serving, ...NOT_BLUE_GREEN };
    }
    case 'rolling': {
      const { run } = action;
      return {
        result: run.kind === 'planned' ? 'planned' : 'promoted',
        analysis: [],
        'previous-image': joinImages(run.before),
        image: joinImages(run.updates),
        ...NOT_BLUE_GREEN,
      };
    }
    case 'blue-green': {
      const facts = blueGreenFacts(action.run);
      // result keeps the values every strategy shares: switched (or the previous colour retired) is
      // "promoted", failed checks and a switch back are "aborted".
      const result = facts.outcome === 'planned' ? 'planned' : facts.outcome === 'failed' || facts.outcome === 'switched-back' ? 'aborted' : 'promoted';
      return {
        result,
        analysis: [],
        'previous-image': facts.previousImage,
        image: facts.image,
        color: facts.colour,
        checks: facts.checks,
        'scale-down-at': facts.scaleDownAt,
      };
    }
  }
}

export function canaryActionSummary(action: CanaryActionRun): SummaryBuilder {
  switch (action.flow) {
    case 'blue-green':
      return blueGreenSummary(action.run);
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
  if (action.flow === 'blue-green' && action.run.kind === 'deploy' && action.run.run.kind === 'failed') {
    const { run } = action.run;
    return `Blue-green of ${run.plan.name} not switched: ${run.reason}. The live service still selects ${run.plan.from.workload}${run.removed ? `; ${run.plan.toWorkload} was removed` : `; removing ${run.plan.toWorkload} failed: delete it by hand`}.`;
  }
  return undefined;
}

/** The closing line of a successful canary run. */
export function canaryActionNotice(action: CanaryActionRun): string | undefined {
  if (action.flow === 'blue-green') return blueGreenNotice(action.run);
  if (action.flow !== 'canary' || action.run.kind !== 'ran') return undefined;
  const { outcome, service, image, plan } = action.run;
  if (outcome.result === 'promoted') return `${service} now runs ${image}${outcome.analysed ? '' : ` (${resultText('promoted', false)}: metrics is empty)`}.`;
  if (outcome.result === 'paused') return `The canary of ${service} is paused at ${plan.steps.at(-1)}%.`;
  return undefined;
}

export function cleanupFailure(prefix: string, cleanup: CleanupReport | undefined): string | undefined {
  return cleanup?.problems.length ? `${prefix}: ${cleanup.problems.join('; ')}` : undefined;
}

function blueGreenNotice(r: BlueGreenRun): string | undefined {
  if (r.kind === 'deploy' && r.run.kind === 'switched') {
    const { plan, scaleDownAt } = r.run;
    return `${plan.name} now serves ${plan.image} from ${plan.toWorkload}; ${plan.from.workload} ${scaleDownAt ? `is kept until ${scaleDownAt}` : 'was scaled to zero'}.`;
  }
  if (r.kind === 'switch-back' && r.run.kind === 'switched-back') return `Switched back: ${r.run.to.workload} (${r.run.to.image}) is live again.`;
  if (r.kind === 'retire') return r.run.retired ? `${r.run.retired} was scaled to zero.` : undefined;
  return undefined;
}
