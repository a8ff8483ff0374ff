/**
 * The rollback use case: each service back to its chosen image in order (a leftover canary removed
 * first, each health-waited), then the database, then the checks — against DeploymentTarget,
 * ReleaseRecord and ports for the database step, the checks and the notification.
 *
 * The database goes back only after every service is back and healthy: a restore loses what was
 * written since the backup, so it is the last and most deliberate step, and never happens when the
 * services' rollback itself failed.
 */
import type { CheckResult } from '../checks/types.js';
import { checksReport, type ChecksReport } from '../checks/report.js';
import type { Notification } from '../notify/webhook.js';
import type { ReleaseRecord } from '../record/history.js';
import { planRollback, recordedDatabase, type RecordedDatabase, type RollbackPlan, type RollbackStep } from '../record/rollback-plan.js';
import { ConfigurationError, errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DeploymentTarget, ServiceImage, WorkloadRevision } from '../targets/target.js';

export interface RollbackDeps {
  target: DeploymentTarget;
  record: ReleaseRecord;
  log: Logger;
  signal?: AbortSignal;
  /** Sends a notification; a failure to send is the port's to report (a warning), never the rollback's. */
  notify?: (notification: Notification) => Promise<void>;
}

/** The database step, prepared (inputs checked) before anything changes. */
export interface RollbackDatabase {
  /** One line for the plan, e.g. "restore … into …". */
  describe: string;
  /** Runs it; resolves to what was done, in one line. */
  run(): Promise<string>;
  /** The database version it leaves the database at, when known (kept in the record's entry). */
  version?: string;
}

/** The checks run after the rollback. */
export interface RollbackChecks {
  count: number;
  run(): Promise<CheckResult[]>;
}

export interface RollbackRequest {
  services: string[];
  toImage?: string;
  toVersion?: string;
  /** A revision the target keeps (Kubernetes: `rollout undo --to-revision`), for every service. */
  toRevision?: number;
  healthTimeoutMs: number;
  dryRun: boolean;
  runUrl?: string;
  database?: RollbackDatabase;
  /**
   * The database step, from what the record keeps for the releases rolled back from and to (prepared
   * after the plan, before anything changes; a throw stops the rollback with nothing changed; undefined:
   * the database stays as it is).
   */
  databaseFromRecord?: (recorded: RecordedDatabase) => Promise<RollbackDatabase | undefined>;
  checks?: RollbackChecks;
}

export type RollbackResult =
  /** Nothing to roll back to (no earlier good release): nothing was changed. */
  | { kind: 'impossible'; from: ServiceImage[]; reason: string }
  | { kind: 'planned'; from: ServiceImage[]; steps: RollbackStep[]; revisions?: RevisionChange[] }
  /** A service did not come back: later services and the database were left alone. */
  | { kind: 'failed'; from: ServiceImage[]; steps: RollbackStep[]; done: RollbackStep[]; reason: string; revisions?: RevisionChange[] }
  | {
      kind: 'rolled-back';
      from: ServiceImage[];
      steps: RollbackStep[];
      done: RollbackStep[];
      durationMs: number;
      /** Per service, the target's revision before and after (targets that keep revisions: Kubernetes). */
      revisions?: RevisionChange[];
      /** `untouched`, what the database step did, or `FAILED: …`. */
      database: string;
      checks?: { results: CheckResult[]; report: ChecksReport };
      /** What went wrong after the services were back (database or checks); the services stay rolled back. */
      problem?: string;
    };

/** A workload's revision and image before the rollback and after it (`after` once it is done). */
export interface RevisionChange {
  service: string;
  before: WorkloadRevision;
  after?: WorkloadRevision;
}

export async function rollback(deps: RollbackDeps, request: RollbackRequest): Promise<RollbackResult> {
  const { target, record, log, signal } = deps;
  const { services } = request;
  await target.validate(services, target.kind === 'kubernetes' ? 'deployment' : 'services');
  const current = (await target.getCurrentRelease(services, { digests: false })).services;
  const kept = await keptRevisions(target, services);
  const { entries } = await record.read();
  const plan =
    request.toRevision !== undefined
      ? planRevisionRollback(current, kept, String(request.toRevision))
      : planRollback(current, entries, { toImage: request.toImage, toVersion: request.toVersion, recordPath: record.location });
  const from = current.map((entry) => ({ service: entry.service, image: entry.image }));
  const revisions: RevisionChange[] | undefined = kept && services.map((service) => ({ service, before: kept.get(service)!.at(-1)! }));
  const withRevisions = revisions ? { revisions } : {};
  if (!plan.ok) {
    await deps.notify?.({ title: `Rollback of ${services.join(', ')} not possible`, outcome: 'failure', fields: [{ title: 'Why', value: plan.reason }] });
    return { kind: 'impossible', from, reason: plan.reason };
  }
  const { steps } = plan;
  const database = request.database ?? (request.databaseFromRecord ? await request.databaseFromRecord(recordedDatabase(entries, steps)) : undefined);
  if (request.dryRun) {
    for (const step of steps) log.info(`Plan: ${step.service}: ${step.from} → ${step.to} (from ${step.source}).`);
    if (database) log.info(`Plan: then ${database.describe}.`);
    if (request.checks) log.info(`Plan: then run ${request.checks.count} check(s).`);
    return { kind: 'planned', from, steps, ...withRevisions };
  }

  const started = Date.now();
  const done: RollbackStep[] = [];
  const to = steps.map((step) => ({ service: step.service, image: step.to }));
  try {
    for (const step of steps) {
      // A canary left behind would keep serving the release being rolled back from.
      if (await target.removeCanary(step.service, { signal })) log.info(`Removed a leftover canary of ${step.service}.`);
      const wait = { timeoutMs: request.healthTimeoutMs, signal };
      await log.group(`Rolling ${step.service} back: ${step.from} → ${step.to}`, () =>
        step.source === 'to-revision' && target.undoTo
          ? target.undoTo(step.service, String(request.toRevision), wait)
          : target.rollout([{ service: step.service, image: step.to }], wait),
      );
      done.push(step);
      const change = revisions?.find((r) => r.service === step.service);
      if (change && target.revisions) change.after = (await target.revisions(step.service)).at(-1);
    }
  } catch (err) {
    const failed = steps[done.length];
    const reason = `${failed?.service ?? 'a service'} did not roll back: ${errorMessage(err)}`;
    await record.append({ at: new Date().toISOString(), action: 'rollback', result: 'failed', services: to, previous: from, runUrl: request.runUrl, reason });
    await deps.notify?.({
      title: `Rollback of ${services.join(', ')} FAILED`,
      outcome: 'failure',
      fields: [{ title: 'Why', value: reason }],
      link: request.runUrl,
    });
    return { kind: 'failed', from, steps, done, reason, ...withRevisions };
  }
  const durationMs = Date.now() - started;

  let databaseResult = 'untouched';
  let databaseError: string | undefined;
  if (database) {
    try {
      databaseResult = await log.group(`Database: ${database.describe}`, () => database.run());
    } catch (err) {
      databaseError = errorMessage(err);
      databaseResult = `FAILED: ${databaseError}`;
    }
  }
  await record.append({
    at: new Date().toISOString(),
    action: 'rollback',
    result: databaseError ? 'failed' : 'rolled-back',
    services: to,
    previous: from,
    runUrl: request.runUrl,
    ...(database ? { database: databaseResult } : {}),
    ...(database?.version && !databaseError ? { databaseVersion: database.version } : {}),
  });

  const { checks, problem: checksFailed } = request.checks && !databaseError ? await runRollbackChecks(request.checks) : {};
  const problem = databaseError ? `the database rollback failed: ${databaseError}` : checksFailed;
  await deps.notify?.({
    title: `${problem ? 'Rollback with problems' : 'Rolled back'}: ${steps.map((step) => `${step.service} to ${step.to}`).join(', ')}`,
    outcome: problem ? 'failure' : 'warning',
    fields: [
      ...steps.map((step) => ({ title: step.service, value: `${step.from} → ${step.to}` })),
      ...(database ? [{ title: 'database', value: databaseResult }] : []),
      ...(problem ? [{ title: 'problem', value: problem }] : []),
    ],
    link: request.runUrl,
  });
  return {
    kind: 'rolled-back',
    from,
    steps,
    done,
    durationMs,
    ...withRevisions,
    database: databaseResult,
    ...(checks ? { checks } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** The checks after a rollback: their results and report, and what failed as the rollback's problem. */
export async function runRollbackChecks(checks: RollbackChecks): Promise<{ checks: { results: CheckResult[]; report: ChecksReport }; problem?: string }> {
  const results = await checks.run();
  const report = checksReport(results);
  if (report.passed) return { checks: { results, report } };
  const names = results.filter((result) => !result.passed).map((result) => result.name);
  return { checks: { results, report }, problem: `${report.failed} of ${report.total} checks failed after the rollback: ${names.join(', ')}` };
}

/** The revisions each workload keeps, when the target keeps any (Kubernetes); undefined otherwise. */
async function keptRevisions(target: DeploymentTarget, services: string[]): Promise<Map<string, WorkloadRevision[]> | undefined> {
  if (!target.revisions) return undefined;
  const out = new Map<string, WorkloadRevision[]>();
  for (const service of services) out.set(service, await target.revisions(service));
  return out;
}

/** Pure: every service to `revision` of its own, checked before anything changes. */
export function planRevisionRollback(current: ServiceImage[], kept: Map<string, WorkloadRevision[]> | undefined, revision: string): RollbackPlan {
  if (!kept) throw new ConfigurationError('to-revision needs a target that keeps revisions (target: kubernetes).', { input: 'to-revision' });
  const steps: RollbackStep[] = [];
  for (const c of current) {
    const list = kept.get(c.service) ?? [];
    const found = list.find((r) => r.revision === revision);
    if (!found) {
      throw new ConfigurationError(
        `to-revision: ${c.service} has no revision ${revision}; it keeps ${list.map((r) => r.revision).join(', ') || 'none'} (kubectl rollout history deployment/${c.service}).`,
        { input: 'to-revision' },
      );
    }
    if (found === list.at(-1)) {
      throw new ConfigurationError(`to-revision: revision ${revision} is what ${c.service} runs now (${found.image}); give an earlier one.`, {
        input: 'to-revision',
      });
    }
    steps.push({ service: c.service, from: c.image, to: found.image, source: 'to-revision' });
  }
  return { ok: true, steps };
}
