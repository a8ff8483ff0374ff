/**
 * The record on Kubernetes: the same entries as the Compose history file, in the `deploy-kit-history`
 * ConfigMap (key `history.json`, last 50 kept), and the latest entry as `deploy-kit.dev/*` annotations on
 * each Deployment it names, so `kubectl describe` shows what runs and what ran before.
 */
import type { Kubectl } from '../../kubernetes/kubectl.js';
import { ANNOTATION } from '../../kubernetes/labels.js';
import { workloadRef } from './manifests.js';
import { appendEntry, DEFAULT_HISTORY_LIMIT, type HistoryFile, type RecordEntry, type ReleaseRecord } from '../../record/history.js';
import { OperationFailedError } from '../../runtime/errors.js';

export const HISTORY_CONFIGMAP = 'deploy-kit-history';
const KEY = 'history.json';

export class KubernetesRecord implements ReleaseRecord {
  constructor(
    private readonly kubectl: Kubectl,
    private readonly o: { commit?: string; limit?: number } = {},
  ) {}

  get location(): string {
    return `configmap/${HISTORY_CONFIGMAP}${this.kubectl.namespace ? ` in namespace ${this.kubectl.namespace}` : ''}`;
  }

  async read(): Promise<HistoryFile> {
    const cm = await this.kubectl.get('configmap', HISTORY_CONFIGMAP);
    const text = cm?.data?.[KEY];
    if (!text) return { version: 1, entries: [] };
    try {
      const parsed = JSON.parse(String(text)) as HistoryFile;
      if (!Array.isArray(parsed.entries)) throw new Error('no entries array');
      return { version: 1, entries: parsed.entries };
    } catch (err) {
      throw new OperationFailedError(`The deployment record ${this.location} is not readable JSON (${(err as Error).message}); fix or delete it.`);
    }
  }

  async append(entry: RecordEntry): Promise<void> {
    const next = appendEntry(await this.read(), entry, this.o.limit ?? DEFAULT_HISTORY_LIMIT);
    await this.kubectl.apply([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: HISTORY_CONFIGMAP, labels: { 'app.kubernetes.io/managed-by': 'deploy-kit' } },
        data: { [KEY]: JSON.stringify(next) },
      },
    ]);
    for (const s of entry.services) {
      const { kind, name } = workloadRef(s.service);
      if (!(await this.kubectl.get(kind, name))) continue;
      const previous = entry.previous.find((p) => p.service === s.service)?.image;
      const annotations: Record<string, string | null> = {
        [ANNOTATION.image]: entry.result === 'aborted' || entry.result === 'aborted (cancelled)' || entry.result === 'failed' ? (previous ?? null) : s.image,
        [ANNOTATION.previousImage]: previous ?? null,
        [ANNOTATION.result]: `${entry.action}: ${entry.result}`,
        [ANNOTATION.runUrl]: entry.runUrl ?? null,
        [ANNOTATION.commit]: this.o.commit ?? null,
      };
      await this.kubectl.patch(kind, name, 'merge', { metadata: { annotations } });
    }
  }
}
