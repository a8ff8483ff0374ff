/** Services that select one track's pods, for routers that address stable and canary by Service. */
import { ConfigurationError } from '../../runtime/errors.js';
import type { Kubectl, KObject } from '../../kubernetes/kubectl.js';
import { trackService } from '../../kubernetes/labels.js';

export async function requireService(kubectl: Kubectl, name: string, input: string): Promise<KObject> {
  const svc = await kubectl.get('service', name);
  if (!svc) throw new ConfigurationError(`${input}: service "${name}" does not exist in namespace ${kubectl.namespace ?? '(the context default)'}.`, { input });
  return svc;
}

/** Creates or updates `<service>-<track>` from the stable Service; returns its name. */
export async function ensureTrackService(kubectl: Kubectl, service: string, track: 'canary' | 'stable', signal?: AbortSignal): Promise<string> {
  const stable = await requireService(kubectl, service, 'service');
  const name = `${service}-${track}`;
  await kubectl.apply([trackService(stable, name, track)], { signal });
  return name;
}
