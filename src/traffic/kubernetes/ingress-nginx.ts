/**
 * ingress-nginx: a second Ingress `<ingress>-canary` for the same hosts and paths, sending to the
 * canary Service, with `nginx.ingress.kubernetes.io/canary: "true"` and `canary-weight`. "Stable only"
 * sets the weight to 0 first, then deletes the canary Ingress and Service.
 */
import type { Kubectl, KObject } from '../../kubernetes/kubectl.js';
import { TRACK_LABEL } from '../../kubernetes/labels.js';
import { ConfigurationError } from '../../runtime/errors.js';
import type { RoutedCanary, TrafficRouter, TrafficSplit } from '../router.js';
import { ensureTrackService, requireService } from './track-service.js';

export const CANARY = 'nginx.ingress.kubernetes.io/canary';
export const CANARY_WEIGHT = 'nginx.ingress.kubernetes.io/canary-weight';

export interface IngressNginxOptions {
  kubectl: Kubectl;
  ingress: string;
  service: string;
}

/** Pure: the canary Ingress from the stable one — same rules, the canary Service as backend, no TLS section. */
export function canaryIngress(stable: KObject, service: string, canaryService: string, weight: number): KObject {
  const rules = structuredClone((stable.spec?.rules ?? []) as KObject[]);
  for (const rule of rules) {
    for (const path of (rule.http?.paths ?? []) as KObject[]) {
      if (path.backend?.service?.name === service) path.backend.service.name = canaryService;
    }
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `${stable.metadata.name}-canary`,
      namespace: stable.metadata.namespace,
      labels: { [TRACK_LABEL]: 'canary' },
      annotations: { [CANARY]: 'true', [CANARY_WEIGHT]: String(weight) },
    },
    spec: { ...(stable.spec?.ingressClassName ? { ingressClassName: stable.spec.ingressClassName } : {}), rules },
  };
}

export class IngressNginxRouter implements TrafficRouter {
  readonly kind = 'ingress-nginx';

  constructor(private readonly o: IngressNginxOptions) {}

  private get canaryName(): string {
    return `${this.o.ingress}-canary`;
  }

  async validate(): Promise<void> {
    const ing = await this.o.kubectl.get('ingress', this.o.ingress);
    if (!ing) throw new ConfigurationError(`ingress: "${this.o.ingress}" does not exist.`, { input: 'ingress' });
    await requireService(this.o.kubectl, this.o.service, 'service');
    const sends = ((ing.spec?.rules ?? []) as KObject[]).some((r) =>
      ((r.http?.paths ?? []) as KObject[]).some((p) => p.backend?.service?.name === this.o.service),
    );
    if (!sends) throw new ConfigurationError(`ingress: "${this.o.ingress}" has no path to service "${this.o.service}".`, { input: 'ingress' });
  }

  async setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    const k = this.o.kubectl;
    if (!canary) {
      if (await k.get('ingress', this.canaryName, options)) {
        await k.patch('ingress', this.canaryName, 'merge', { metadata: { annotations: { [CANARY_WEIGHT]: '0' } } }, options);
        await k.delete('ingress', this.canaryName, options);
      }
      await k.delete('service', `${this.o.service}-canary`, options);
      return;
    }
    const canaryService = await ensureTrackService(k, this.o.service, 'canary', options.signal);
    const stable = await k.get('ingress', this.o.ingress, options);
    if (!stable) throw new ConfigurationError(`ingress: "${this.o.ingress}" does not exist.`, { input: 'ingress' });
    await k.apply([canaryIngress(stable, this.o.service, canaryService, canaryWeight)], options);
  }

  async current(): Promise<TrafficSplit | undefined> {
    const ing = await this.o.kubectl.get('ingress', this.canaryName);
    if (!ing) return (await this.o.kubectl.get('ingress', this.o.ingress)) ? { canaryWeight: 0 } : undefined;
    return { canaryWeight: Number(ing.metadata.annotations?.[CANARY_WEIGHT] ?? 0) };
  }
}
