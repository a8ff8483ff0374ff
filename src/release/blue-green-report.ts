/**
 * Pure reporting of the blue-green use cases: the job summary (what serves before and after, the
 * colours, when the previous one goes, the preview checks) and the facts the action's outputs need.
 */
import { checksReport, checksSummary, type ChecksReport } from '../checks/report.js';
import { SummaryBuilder } from '../runtime/summary.js';
import type { Colour } from '../targets/blue-green.js';
import type { DeployBlueGreenResult, RetirePreviousResult, SwitchBackResult } from './blue-green.js';

export type BlueGreenRun =
  { kind: 'deploy'; run: DeployBlueGreenResult } | { kind: 'switch-back'; run: SwitchBackResult } | { kind: 'retire'; run: RetirePreviousResult; name: string };

/** What the outputs are made of, on every path. */
export interface BlueGreenFacts {
  /** Live after the run: switched/retired → the new image serves; failed/switched back → the old one. */
  outcome: 'switched' | 'failed' | 'switched-back' | 'retired' | 'kept' | 'planned';
  image: string;
  previousImage: string;
  /** The colour the live Service selects after the run ('' when the adopted Deployment serves). */
  colour: Colour | '';
  checks: ChecksReport | null;
  scaleDownAt: string;
}

export function blueGreenFacts(r: BlueGreenRun): BlueGreenFacts {
  if (r.kind === 'deploy') {
    const { run } = r;
    const { plan } = run;
    const base = { previousImage: plan.from.image, scaleDownAt: '' };
    if (run.kind === 'planned') return { ...base, outcome: 'planned', image: plan.image, colour: plan.from.colour ?? '', checks: null };
    if (run.kind === 'failed') return { ...base, outcome: 'failed', image: plan.from.image, colour: plan.from.colour ?? '', checks: checksReport(run.checks) };
    return { ...base, outcome: 'switched', image: plan.image, colour: plan.to, checks: checksReport(run.checks), scaleDownAt: run.scaleDownAt ?? '' };
  }
  if (r.kind === 'switch-back') {
    const { run } = r;
    return {
      outcome: run.kind === 'planned' ? 'planned' : 'switched-back',
      image: run.kind === 'planned' ? run.from.image : run.to.image,
      previousImage: run.from.image,
      colour: (run.kind === 'planned' ? run.from.colour : run.to.colour) ?? '',
      checks: null,
      scaleDownAt: run.kind === 'switched-back' ? (run.scaleDownAt ?? '') : '',
    };
  }
  return { outcome: r.run.retired ? 'retired' : 'kept', image: '', previousImage: '', colour: '', checks: null, scaleDownAt: r.run.kept?.until ?? '' };
}

export function blueGreenSummary(r: BlueGreenRun): SummaryBuilder {
  if (r.kind === 'retire') {
    const { run } = r;
    return new SummaryBuilder()
      .heading(`Blue-green ${r.name}: previous colour ${run.retired ? 'scaled to zero' : 'kept'}`)
      .paragraph(
        run.retired
          ? `${run.retired} was scaled to zero.`
          : run.kept
            ? `${run.kept.workload} keeps its replicas${run.kept.until ? ` until ${run.kept.until}` : ''}.`
            : 'No previous colour runs: nothing to scale down.',
      );
  }
  if (r.kind === 'switch-back') {
    const { run } = r;
    const s = new SummaryBuilder().heading(
      run.kind === 'planned' ? `Blue-green: switch back planned (dry run)` : `Blue-green: switched back to ${run.to.workload}`,
    );
    s.table(
      ['', 'Workload', 'Image', 'Replicas'],
      [
        ['Live before', run.from.workload, run.from.image, run.from.replicas],
        ['Live now', run.to.workload, run.to.image, run.kind === 'switched-back' && run.scaledUp ? `${run.from.replicas} (scaled up first)` : run.to.replicas],
      ],
    );
    if (run.kind === 'switched-back')
      s.paragraph(run.scaleDownAt ? `${run.from.workload} is kept until ${run.scaleDownAt}.` : `${run.from.workload} was scaled to zero.`);
    return s;
  }
  const { run } = r;
  const { plan } = run;
  const heading =
    run.kind === 'planned'
      ? `Blue-green ${plan.name}: plan (dry run)`
      : run.kind === 'failed'
        ? `Blue-green ${plan.name}: not switched — ${plan.from.workload} still serves`
        : `Blue-green ${plan.name}: switched to ${plan.toWorkload}`;
  const s = new SummaryBuilder().heading(heading);
  s.table(
    ['', 'Workload', 'Image'],
    [
      ['Was live', plan.from.workload, plan.from.image],
      [run.kind === 'switched' ? 'Live now' : run.kind === 'failed' ? 'Rejected (removed)' : 'Would go live', plan.toWorkload, plan.image],
    ],
  );
  if (run.kind === 'failed') s.paragraph(`Reason: ${run.reason}.${run.removed ? '' : ` ${plan.toWorkload} could not be removed: delete it by hand.`}`);
  if (run.kind === 'switched') {
    s.paragraph(
      run.scaleDownAt
        ? `${plan.from.workload} keeps ${plan.from.replicas} replicas until ${run.scaleDownAt} for an instant switch back (action: abort, or the rollback action); then it is scaled to zero.`
        : `${plan.from.workload} was scaled to zero (keep-previous: 0).`,
    );
  }
  if (run.kind !== 'planned' && run.checks.length > 0) s.raw(checksSummary(run.checks, 'Preview checks').toString());
  return s;
}
