/**
 * GitHub Deployments as the record users see on the Environments page: a deployment per release
 * (its payload carries the images), statuses in_progress → success / failure, the one it replaced
 * marked inactive, and the last good release read back when the local record is missing.
 */
import type { GitHubClient } from '../runtime/github.js';
import { redactSecrets } from '../runtime/secrets.js';
import type { RepositoryRef } from './repository.js';

export interface DeployedImage {
  service: string;
  image: string;
  digest?: string;
}

/** What deploy-kit writes into a deployment's payload. */
export interface DeploymentPayload {
  'deploy-kit': { images: DeployedImage[]; action: string };
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive' | 'queued' | 'pending';

export interface DeploymentStatusOptions {
  environmentUrl?: string;
  logUrl?: string;
  description?: string;
}

export interface RecordedDeployment {
  id: number;
  sha: string;
  environment: string;
  createdAt: string;
  payload: unknown;
  /** Its statuses, oldest first. */
  states: DeploymentState[];
}

export interface LastGoodRelease {
  deploymentId: number;
  sha: string;
  createdAt: string;
  images: DeployedImage[];
}

export class GitHubDeployments {
  constructor(
    private readonly client: GitHubClient,
    private readonly repository: RepositoryRef,
  ) {}

  /** Creates the deployment (no merge of the default branch, no required contexts: the workflow already gated it). */
  async create(options: {
    ref: string;
    environment: string;
    images: DeployedImage[];
    action: string;
    description?: string;
    production?: boolean;
  }): Promise<number> {
    const payload: DeploymentPayload = { 'deploy-kit': { images: options.images, action: options.action } };
    const res = await this.client.rest.repos.createDeployment({
      ...this.repository,
      ref: options.ref,
      environment: options.environment,
      payload: payload as unknown as Record<string, unknown>,
      description: redactSecrets(options.description ?? `${options.action}: ${options.images.map((i) => i.image).join(', ')}`).slice(0, 140),
      auto_merge: false,
      required_contexts: [],
      ...(options.production !== undefined ? { production_environment: options.production } : {}),
    });
    if (res.status !== 201 || !('id' in res.data))
      throw new Error(`GitHub did not create the deployment (HTTP ${res.status}: ${JSON.stringify(res.data).slice(0, 200)})`);
    return res.data.id;
  }

  async setStatus(deploymentId: number, state: DeploymentState, options: DeploymentStatusOptions = {}): Promise<void> {
    await this.client.rest.repos.createDeploymentStatus({
      ...this.repository,
      deployment_id: deploymentId,
      state,
      ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
      ...(options.logUrl ? { log_url: options.logUrl } : {}),
      // A failure's description quotes an error message: it leaves the runner, so it is redacted first.
      ...(options.description ? { description: redactSecrets(options.description).slice(0, 140) } : {}),
      // Inactivating the replaced one is done explicitly (markReplaced), so it is in the record either way.
      auto_inactive: false,
    });
  }

  /** The environment's deployments, newest first, each with its statuses (at most `limit` deployments). */
  async list(environment: string, limit = 30): Promise<RecordedDeployment[]> {
    const { data } = await this.client.rest.repos.listDeployments({ ...this.repository, environment, per_page: Math.min(100, limit) });
    return Promise.all(
      data.slice(0, limit).map(async (d) => {
        const { data: statuses } = await this.client.rest.repos.listDeploymentStatuses({ ...this.repository, deployment_id: d.id, per_page: 100 });
        return {
          id: d.id,
          sha: d.sha,
          environment: d.environment,
          createdAt: d.created_at,
          payload: d.payload,
          states: statuses.map((s) => s.state as DeploymentState).reverse(),
        };
      }),
    );
  }

  /** Marks inactive the deployment that was live before `current` (its latest status success); returns its id. */
  async markReplaced(environment: string, current: number): Promise<number | undefined> {
    const live = (await this.list(environment)).find((d) => d.id !== current && d.states.at(-1) === 'success');
    if (live) await this.setStatus(live.id, 'inactive', { description: `replaced by deployment ${current}` });
    return live?.id;
  }
}

/** The images in a deployment's payload, or undefined when it was not written by deploy-kit. */
export function payloadImages(payload: unknown): DeployedImage[] | undefined {
  const dk = (payload as Partial<DeploymentPayload> | null | undefined)?.['deploy-kit'];
  if (!dk || !Array.isArray(dk.images)) return undefined;
  const images = dk.images.filter((i): i is DeployedImage => !!i && typeof i.service === 'string' && typeof i.image === 'string' && i.image !== '');
  return images.length > 0 ? images : undefined;
}

/**
 * Pure: the newest deployment that reached `success` and carries images, older than the current
 * one — the current one being the newest that reached success (what runs now). Deployments are
 * given newest first. With `current` images, one that deployed exactly those is skipped too.
 */
export function lastGoodFromDeployments(deployments: RecordedDeployment[], current: DeployedImage[] = []): LastGoodRelease | undefined {
  const succeeded = deployments.filter((d) => d.states.includes('success') && payloadImages(d.payload));
  const same = (images: DeployedImage[]): boolean =>
    current.length > 0 && current.every((c) => images.some((i) => i.service === c.service && i.image === c.image));
  for (const d of succeeded.slice(1)) {
    const images = payloadImages(d.payload)!;
    if (!same(images)) return { deploymentId: d.id, sha: d.sha, createdAt: d.createdAt, images };
  }
  return undefined;
}
