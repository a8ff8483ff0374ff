/**
 * The blue-green use cases, against BlueGreenTarget, the checks engine and ReleaseRecord only
 * (decision 0086): deploy the idle colour with the new image, wait until ready, smoke-check it
 * through the preview entry point, then switch the live entry point to it; the previous colour
 * stays scaled for `keep-previous` (an instant switch back), then is scaled to zero — by this run
 * when keep-previous is 0, else by `retirePrevious` (the post step, a later run, action: promote).
 * Failing checks or a colour that never gets ready leave the live entry point untouched and the
 * new colour removed. Switching back points the live entry point at the previous colour again.
 */
import { runChecks } from '../checks/run.js';
import type { Check, CheckResult } from '../checks/types.js';
import { rejectedImages, type RecordEntry, type ReleaseRecord } from '../record/history.js';
import { errorMessage, OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import type { BlueGreenTarget, Colour, ColourState, ColourWorkload } from '../targets/blue-green.js';
import type { RollbackStep } from '../record/rollback-plan.js';
import { runRollbackChecks, type RollbackChecks, type RollbackDeps, type RollbackResult } from './rollback.js';

export interface BlueGreenDeps {
  target: BlueGreenTarget;
  record: ReleaseRecord;
  log: Logger;
  signal?: AbortSignal;
}

export interface BlueGreenPlan {
  name: string;
  /** The colour that takes the new image. */
  to: Colour;
  toWorkload: string;
  /** What serves now (kept for keep-previous after the switch). */
  from: ColourWorkload;
  image: string;
  keepPreviousMs: number;
}

/** Pure: the colour that is not live (blue when none is live yet: the first run adopts the plain workload). */
export function nextColour(live: Colour | undefined): Colour {
  return live === 'blue' ? 'green' : 'blue';
}

/** Pure: the plan for deploying `image` from what runs now. */
export function planBlueGreen(state: ColourState, image: string, keepPreviousMs: number, workloadOf: (colour: Colour) => string): BlueGreenPlan {
  const to = nextColour(state.live.colour);
  return { name: state.name, to, toWorkload: workloadOf(to), from: state.live, image, keepPreviousMs };
}

/** Pure: when the previous colour is due to be scaled to zero after a switch at `switchedAt` (undefined: at once). */
export function scaleDownTime(switchedAt: Date, keepPreviousMs: number): Date | undefined {
  return keepPreviousMs > 0 ? new Date(switchedAt.getTime() + keepPreviousMs) : undefined;
}

/** Pure: whether the idle workload is to be scaled to zero now (it runs, and its time came or `force`). */
export function dueForScaleDown(idle: ColourWorkload | undefined, now: Date, force: boolean): boolean {
  if (!idle || idle.replicas === 0) return false;
  if (force) return true;
  if (!idle.scaleDownAt) return false;
  const at = Date.parse(idle.scaleDownAt);
  return Number.isFinite(at) && at <= now.getTime();
}

export interface DeployBlueGreenRequest {
  image: string;
  /** Smoke checks, their URLs already resolved against the preview entry point. */
  checks: readonly Check[];
  checksConcurrency?: number;
  keepPreviousMs: number;
  healthTimeoutMs: number;
  dryRun: boolean;
  runUrl?: string;
  /** Called once just before anything changes (save what the post step needs). */
  onStarting?: (plan: BlueGreenPlan) => void;
  now?: () => Date;
}

export type DeployBlueGreenResult =
  | { kind: 'planned'; plan: BlueGreenPlan }
  | {
      kind: 'switched';
      plan: BlueGreenPlan;
      checks: CheckResult[];
      /** When the previous colour is to be scaled to zero; undefined when it was at once. */
      scaleDownAt?: string;
      previousScaledDown: boolean;
      switchedAt: string;
    }
  | { kind: 'failed'; plan: BlueGreenPlan; checks: CheckResult[]; reason: string; removed: boolean };

/** Validate, deploy the idle colour, check it through the preview, switch, and record how it ended. */
export async function deployBlueGreen(deps: BlueGreenDeps, request: DeployBlueGreenRequest): Promise<DeployBlueGreenResult> {
  const { target, log, signal } = deps;
  const now = request.now ?? (() => new Date());
  await target.validateBlueGreen();
  const state = await target.state({ signal });
  const plan = planBlueGreen(state, request.image, request.keepPreviousMs, (c) => `${state.name}-${c}`);
  const keep = request.keepPreviousMs > 0 ? `kept ${formatDuration(request.keepPreviousMs)}` : 'scaled to zero at once';
  if (request.dryRun) {
    log.info(
      `Plan: deploy ${plan.toWorkload} with ${plan.image} (${plan.from.replicas} replicas), run ${request.checks.length} check(s) through the preview, switch the live service from ${plan.from.workload} to it; ${plan.from.workload} is then ${keep}.`,
    );
    return { kind: 'planned', plan };
  }
  request.onStarting?.(plan);
  const wait = { timeoutMs: request.healthTimeoutMs, signal };
  let checks: CheckResult[] = [];
  let reason: string | undefined;
  try {
    await target.isolateLive({ signal });
    await log.group(`Deploying ${plan.toWorkload} with ${plan.image}`, () => target.deployColour(plan.to, plan.image, wait));
    const preview = await target.preview(plan.to, { signal });
    if (request.checks.length > 0) {
      checks = await log.group(`Checking ${plan.toWorkload} through service ${preview}`, () =>
        runChecks(request.checks, {
          concurrency: request.checksConcurrency ?? 10,
          signal,
          log,
          onResult: (r) => log.info(r.passed ? `✅ ${r.name}` : `❌ ${r.name}: ${r.error}`),
        }),
      );
      const failed = checks.filter((r) => !r.passed);
      if (failed.length > 0) reason = `${failed.length} of ${checks.length} checks failed on ${plan.toWorkload}: ${failed.map((r) => r.name).join(', ')}`;
    } else log.warning('checks is empty: the new colour goes live without a smoke check.');
  } catch (err) {
    if (signal?.aborted) throw err;
    reason = `${plan.toWorkload} did not become ready: ${errorMessage(err)}`;
  }
  if (reason) {
    log.warning(`${reason}. The live service stays on ${plan.from.workload}; removing ${plan.toWorkload}.`);
    let removed = false;
    try {
      await target.removeColour(plan.to);
      removed = true;
    } catch (err) {
      log.warning(`Removing ${plan.toWorkload} failed: ${errorMessage(err)}`);
    }
    await deps.record.append(entry('failed', plan, request.runUrl, reason));
    return { kind: 'failed', plan, checks, reason, removed };
  }
  await target.switchTo(plan.to, { signal });
  const switchedAt = now();
  log.info(`The live service now selects ${plan.toWorkload} (${plan.image}).`);
  const at = scaleDownTime(switchedAt, request.keepPreviousMs);
  let previousScaledDown = false;
  if (at) {
    await target.markScaleDown(plan.from.workload, at, { signal });
    log.info(`${plan.from.workload} keeps ${plan.from.replicas} replicas until ${at.toISOString()} for an instant switch back.`);
  } else {
    await target.scale(plan.from.workload, 0, wait);
    previousScaledDown = true;
    log.info(`${plan.from.workload} scaled to zero (keep-previous: 0).`);
  }
  await deps.record.append(entry('deployed', plan, request.runUrl));
  return { kind: 'switched', plan, checks, previousScaledDown, switchedAt: switchedAt.toISOString(), ...(at ? { scaleDownAt: at.toISOString() } : {}) };
}

function entry(result: 'deployed' | 'failed', plan: BlueGreenPlan, runUrl?: string, reason?: string): RecordEntry {
  return {
    at: new Date().toISOString(),
    action: 'blue-green',
    result,
    services: [{ service: plan.name, image: plan.image }],
    previous: [{ service: plan.name, image: plan.from.image }],
    ...(runUrl ? { runUrl } : {}),
    ...(reason ? { reason } : {}),
  };
}

export interface SwitchBackRequest {
  healthTimeoutMs: number;
  /** How long the colour switched away from stays scaled (0: scaled to zero at once). */
  keepPreviousMs: number;
  dryRun: boolean;
  runUrl?: string;
  reason?: string;
  now?: () => Date;
}

export type SwitchBackResult =
  | { kind: 'planned'; from: ColourWorkload; to: ColourWorkload }
  | { kind: 'switched-back'; from: ColourWorkload; to: ColourWorkload; scaledUp: boolean; scaleDownAt?: string };

/** The live entry point back on the previous colour (scaled up again first if it was already at zero). */
export async function switchBack(deps: BlueGreenDeps, request: SwitchBackRequest): Promise<SwitchBackResult> {
  await deps.target.validateBlueGreen();
  return switchBackFrom(deps, await deps.target.state({ signal: deps.signal }), request);
}

/** switchBack once validated, from the colour state just read (its callers read it once). */
async function switchBackFrom(deps: BlueGreenDeps, state: ColourState, request: SwitchBackRequest): Promise<SwitchBackResult> {
  const { target, log, signal } = deps;
  const to = state.idle;
  if (!to)
    throw new OperationFailedError(
      `No previous colour of ${state.name} to switch back to: the live service selects ${state.live.workload} and nothing else runs.`,
    );
  const from = state.live;
  if (request.dryRun) {
    log.info(
      `Plan: switch the live service from ${from.workload} back to ${to.workload} (${to.image})${to.replicas === 0 ? `, scaling it up to ${from.replicas} first` : ''}.`,
    );
    return { kind: 'planned', from, to };
  }
  const wait = { timeoutMs: request.healthTimeoutMs, signal };
  const scaledUp = to.replicas === 0;
  if (scaledUp) await log.group(`Scaling ${to.workload} up to ${from.replicas}`, () => target.scale(to.workload, from.replicas, wait));
  await target.markScaleDown(to.workload, undefined, { signal });
  await target.switchTo(to.colour, { signal });
  log.info(`The live service selects ${to.workload} (${to.image}) again.`);
  // The adopted workload is selected without a colour key, which matches the colour's pods too: those go at once.
  const at = to.colour ? scaleDownTime(request.now?.() ?? new Date(), request.keepPreviousMs) : undefined;
  if (at) await target.markScaleDown(from.workload, at, { signal });
  else {
    await target.scale(from.workload, 0, wait);
    log.info(`${from.workload} scaled to zero.`);
  }
  await deps.record.append({
    at: new Date().toISOString(),
    action: 'rollback',
    result: 'rolled-back',
    services: [{ service: state.name, image: to.image }],
    previous: [{ service: state.name, image: from.image }],
    ...(request.runUrl ? { runUrl: request.runUrl } : {}),
    reason: request.reason ?? 'switched back to the previous colour',
  });
  return { kind: 'switched-back', from, to, scaledUp, ...(at ? { scaleDownAt: at.toISOString() } : {}) };
}

export interface RetirePreviousRequest {
  /** Scale down now even before its time (action: promote). */
  force: boolean;
  /** Wait for the time to come, up to this long (the post step); 0: only what is due now. */
  waitUpToMs?: number;
  /** Only this workload (the one this run kept), so a later run's colour is never touched. */
  only?: string;
  healthTimeoutMs: number;
  now?: () => Date;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RetirePreviousResult {
  /** The workload scaled to zero, if any. */
  retired?: string;
  /** Still kept: the workload and until when. */
  kept?: { workload: string; until?: string };
}

/** Scales the previous colour to zero when its keep-previous time has come (or at once with `force`). */
export async function retirePrevious(deps: BlueGreenDeps, request: RetirePreviousRequest): Promise<RetirePreviousResult> {
  const { target, log, signal } = deps;
  const now = request.now ?? (() => new Date());
  let state = await target.state({ signal });
  let idle = state.idle;
  if (!idle || idle.replicas === 0 || (request.only && idle.workload !== request.only)) return {};
  const at = idle.scaleDownAt ? Date.parse(idle.scaleDownAt) : NaN;
  const waitMs = Number.isFinite(at) ? at - now().getTime() : 0;
  if (!request.force && waitMs > 0 && request.waitUpToMs && waitMs <= request.waitUpToMs && request.sleep) {
    log.info(`${idle.workload} is kept until ${idle.scaleDownAt}: waiting ${formatDuration(waitMs)} before scaling it to zero.`);
    await request.sleep(waitMs, signal);
    // Look again: a switch back during the wait makes it live (then it stays).
    state = await target.state({ signal });
    idle = state.idle;
    if (!idle || idle.replicas === 0 || (request.only && idle.workload !== request.only)) return {};
  }
  if (!dueForScaleDown(idle, now(), request.force)) return { kept: { workload: idle.workload, ...(idle.scaleDownAt ? { until: idle.scaleDownAt } : {}) } };
  await target.scale(idle.workload, 0, { timeoutMs: request.healthTimeoutMs, signal });
  await target.markScaleDown(idle.workload, undefined, { signal });
  log.info(`${idle.workload} scaled to zero.`);
  return { retired: idle.workload };
}

/**
 * After a run cut short before its switch (cancelled, or the step died): the colour it was
 * deploying is removed unless it went live. True when something was removed.
 */
export async function abandonColour(deps: BlueGreenDeps, colour: Colour): Promise<boolean> {
  const state = await deps.target.state({ signal: deps.signal });
  if (state.live.colour === colour) return false;
  deps.log.warning(
    `The main step did not finish: removing ${state.name}-${colour}, which never went live (the live service still selects ${state.live.workload}).`,
  );
  await deps.target.removeColour(colour);
  return true;
}

export interface RollBackColourRequest {
  healthTimeoutMs: number;
  dryRun: boolean;
  runUrl?: string;
  /** Run after the switch; any failure makes the rollback's `problem` (the live Service stays switched back). */
  checks?: RollbackChecks;
}

/**
 * The rollback action on a blue-green workload (decision 0140): the live entry point goes back to the
 * previous colour (scaled up first when it was already at zero, and waited), the colour rolled back
 * from is scaled to zero at once (a rejected release keeps no pods), then the checks prove it healthy.
 * The same result shape as the other rollbacks, so the action reports it the same way.
 */
export async function rollBackColour(deps: BlueGreenDeps & Pick<RollbackDeps, 'notify'>, request: RollBackColourRequest): Promise<RollbackResult> {
  const { target, log, signal } = deps;
  await target.validateBlueGreen();
  const state = await target.state({ signal });
  const from = [{ service: state.name, image: state.live.image }];
  if (!state.idle) {
    return {
      kind: 'impossible',
      from,
      reason: `No previous colour of ${state.name} to go back to: the live service selects ${state.live.workload} and no other colour exists.`,
    };
  }
  if (rejectedImages((await deps.record.read()).entries, state.name).has(state.idle.image)) {
    return {
      kind: 'impossible',
      from,
      reason: `The previous colour of ${state.name} (${state.idle.workload}) runs ${state.idle.image}, which the record says was rolled back from or aborted: going back to it would bring the bad release back. Deploy a good release instead.`,
    };
  }
  const steps: RollbackStep[] = [{ service: state.name, from: state.live.image, to: state.idle.image, source: 'previous-colour' }];
  if (request.checks) log.info(`Then ${request.checks.count} check(s) run against the live service.`);
  const started = Date.now();
  let switched: SwitchBackResult;
  try {
    switched = await switchBackFrom(deps, state, {
      healthTimeoutMs: request.healthTimeoutMs,
      keepPreviousMs: 0,
      dryRun: request.dryRun,
      ...(request.runUrl ? { runUrl: request.runUrl } : {}),
      reason: 'rolled back to the previous colour (rollback action)',
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    const reason = `Switching ${state.name} back to ${state.idle.workload} failed: ${errorMessage(err)}`;
    await deps.notify?.({ title: `Rollback of ${state.name} failed`, outcome: 'failure', fields: [{ title: 'Why', value: reason }], link: request.runUrl });
    return { kind: 'failed', from, steps, done: [], reason };
  }
  if (switched.kind === 'planned') return { kind: 'planned', from, steps };
  const durationMs = Date.now() - started;
  const { checks, problem } = request.checks ? await runRollbackChecks(request.checks) : {};
  await deps.notify?.({
    title: `${problem ? 'Rollback with problems' : 'Rolled back'}: ${state.name} to ${state.idle.image} (${state.idle.workload})`,
    outcome: problem ? 'failure' : 'warning',
    fields: [{ title: state.name, value: `${state.live.image} → ${state.idle.image}` }, ...(problem ? [{ title: 'problem', value: problem }] : [])],
    link: request.runUrl,
  });
  return { kind: 'rolled-back', from, steps, done: steps, durationMs, database: 'untouched', ...(checks ? { checks } : {}), ...(problem ? { problem } : {}) };
}
