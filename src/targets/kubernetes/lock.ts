/**
 * The project lock on Kubernetes: the ConfigMap `deploy-kit-lock` beside the record's
 * `deploy-kit-history` (one per namespace, as the record is), created with `kubectl create` so only
 * one run makes it (the API server answers AlreadyExists to the second), its holder in `data.holder`.
 */
import type { Kubectl } from '../../kubernetes/kubectl.js';
import { KubectlError } from '../../kubernetes/errors.js';
import { parseHolder, type LockHolder, type LockStore } from '../../record/project-lock.js';

export const LOCK_CONFIGMAP = 'deploy-kit-lock';

export class KubernetesLockStore implements LockStore {
  constructor(private readonly kubectl: Kubectl) {}

  get location(): string {
    return `configmap/${LOCK_CONFIGMAP}${this.kubectl.namespace ? ` in namespace ${this.kubectl.namespace}` : ''}`;
  }

  private object(holder: LockHolder) {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: LOCK_CONFIGMAP, labels: { 'app.kubernetes.io/managed-by': 'deploy-kit' } },
      data: { holder: JSON.stringify(holder) },
    };
  }

  async create(holder: LockHolder): Promise<boolean> {
    try {
      await this.kubectl.create(this.object(holder));
      return true;
    } catch (err) {
      if (err instanceof KubectlError && /AlreadyExists|already exists/.test(`${err.stderr}\n${err.message}`)) return false;
      throw err;
    }
  }

  async read(): Promise<LockHolder | undefined | null> {
    const cm = await this.kubectl.get('configmap', LOCK_CONFIGMAP);
    if (!cm) return null;
    return parseHolder(String(cm.data?.holder ?? ''));
  }

  async replace(holder: LockHolder): Promise<void> {
    await this.kubectl.patch('configmap', LOCK_CONFIGMAP, 'merge', { data: { holder: JSON.stringify(holder) } });
  }

  async remove(): Promise<void> {
    await this.kubectl.delete('configmap', LOCK_CONFIGMAP);
  }
}
