/**
 * The deployment record with GitHub Deployments behind it: a new runner host has no local record,
 * so the rollback reads what GitHub knows (the images in each deployment's payload) instead.
 */
import type { RecordEntry, ReleaseRecord, HistoryFile } from '../record/history.js';
import { payloadImages, type RecordedDeployment } from './deployments.js';

/** Pure: GitHub's deployments (newest first) as record entries (oldest first) that `lastGoodImage` reads. */
export function entriesFromDeployments(deployments: RecordedDeployment[]): RecordEntry[] {
  const entries: RecordEntry[] = [];
  for (const d of [...deployments].reverse()) {
    const images = payloadImages(d.payload);
    if (!images) continue;
    const action = (d.payload as { 'deploy-kit'?: { action?: string } })['deploy-kit']?.action;
    const ok = d.states.includes('success');
    const failed = d.states.includes('failure') || d.states.includes('error');
    if (!ok && !failed) continue;
    const kind: RecordEntry['action'] = action === 'rollback' ? 'rollback' : action === 'rolling' ? 'rolling' : 'deploy-canary';
    entries.push({
      at: d.createdAt,
      action: kind,
      result: ok ? (kind === 'rollback' ? 'rolled-back' : kind === 'rolling' ? 'deployed' : 'promoted') : 'failed',
      services: images.map((i) => ({ service: i.service, image: i.image, ...(i.digest ? { digest: i.digest } : {}) })),
      previous: [],
      reason: `GitHub deployment ${d.id}`,
    });
  }
  return entries;
}

/** Reads the local record; when it has no entries, GitHub Deployments of `environment`. Writes go to the local record. */
export class RecordWithGitHubFallback implements ReleaseRecord {
  /** Set after read(): where the entries came from. */
  source: 'local' | 'github' = 'local';
  constructor(
    private readonly local: ReleaseRecord,
    private readonly deployments: { list(environment: string): Promise<RecordedDeployment[]> },
    private readonly environment: string,
  ) {}

  get location(): string {
    return this.source === 'github' ? `GitHub Deployments of ${this.environment}` : this.local.location;
  }

  async read(): Promise<HistoryFile> {
    const local = await this.local.read();
    if (local.entries.length > 0) return local;
    const entries = entriesFromDeployments(await this.deployments.list(this.environment));
    if (entries.length > 0) this.source = 'github';
    return { version: 1, entries };
  }

  append(entry: RecordEntry): Promise<void> {
    return this.local.append(entry);
  }
}
