/**
 * The rolling use case: services updated plainly, in order, each health-waited before the next,
 * and the record told how it ended. Against DeploymentTarget and ReleaseRecord only.
 */
import { databaseFields, type ReleaseDatabase, type ReleaseRecord } from '../record/history.js';
import { errorMessage, OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DeploymentTarget, ServiceImage } from '../targets/target.js';

export interface RollingDeps {
  target: DeploymentTarget;
  record: ReleaseRecord;
  log: Logger;
  signal?: AbortSignal;
}

export interface RollingRequest {
  /** In order: each is deployed and healthy before the next starts. */
  updates: ServiceImage[];
  healthTimeoutMs: number;
  dryRun: boolean;
  runUrl?: string;
  /** The database version the release runs against and the backup taken before it, for the record. */
  database?: ReleaseDatabase;
}

export interface RollingResult {
  kind: 'planned' | 'deployed';
  updates: ServiceImage[];
  /** What ran before, per service in the same order. */
  before: ServiceImage[];
}

/** Deploys in order; a service that fails stops the rollout, is recorded, and fails with where it stopped. */
export async function rollingDeploy(deps: RollingDeps, request: RollingRequest): Promise<RollingResult> {
  const { target, record, log, signal } = deps;
  const { updates } = request;
  const services = updates.map((update) => update.service);
  await target.validate(services, 'services');
  const before = (await target.getCurrentRelease(services)).services;
  if (request.dryRun) {
    log.info(`Plan: ${updates.map((update) => `${update.service} → ${update.image}`).join(', then ')}, each health-waited.`);
    return { kind: 'planned', updates, before };
  }
  const started: string[] = [];
  const entry = (result: 'failed' | 'deployed') => ({
    at: new Date().toISOString(),
    action: 'rolling' as const,
    result,
    services: updates,
    previous: before,
    runUrl: request.runUrl,
    ...databaseFields(request.database),
  });
  try {
    await target.rollout(updates, {
      timeoutMs: request.healthTimeoutMs,
      signal,
      onService: (update) => {
        log.info(`Deploying ${update.service} with ${update.image}…`);
        started.push(update.service);
      },
    });
  } catch (err) {
    await record.append({ ...entry('failed'), reason: errorMessage(err) });
    throw new OperationFailedError(`Rolling deploy stopped at ${started.at(-1)}: ${errorMessage(err)}`);
  }
  await record.append(entry('deployed'));
  return { kind: 'deployed', updates, before };
}
