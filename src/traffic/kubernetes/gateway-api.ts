/**
 * Gateway API: weights on the `backendRefs` of an HTTPRoute. Every rule that sends to the stable
 * Service gets the canary Service (`<service>-canary`, the stable Service's ports selecting the
 * canary's pods) beside it, weights `100 - w` and `w`; "stable only" removes the canary ref and then
 * the canary Service. Written with a merge patch (custom resources take no strategic merge).
 */
import type { Kubectl, KObject } from '../../kubernetes/kubectl.js';
import { ConfigurationError, OperationFailedError } from '../../runtime/errors.js';
import type { RoutedCanary, TrafficRouter, TrafficSplit } from '../router.js';
import { ensureTrackService, requireService } from './track-service.js';

export interface GatewayApiOptions {
  kubectl: Kubectl;
  route: string;
  /** The stable Service the route sends to. */
  service: string;
}

/** Pure: the route's rules with the canary weighted beside the stable Service (`canary` undefined: stable only). */
export function weightedRules(rules: KObject[], service: string, canary: string | undefined, weight: number): KObject[] {
  const canaryRef = `${service}-canary`;
  return rules.map((rule) => {
    const refs = (rule.backendRefs ?? []) as KObject[];
    const stable = refs.find((r) => r.name === service && (r.kind ?? 'Service') === 'Service');
    if (!stable) return rule;
    const others = refs.filter((r) => r !== stable && r.name !== canaryRef);
    const next = [...others, { ...stable, weight: canary ? 100 - weight : 100 }];
    if (canary) next.push({ ...stable, name: canary, weight });
    return { ...rule, backendRefs: next };
  });
}

export class GatewayApiRouter implements TrafficRouter {
  readonly kind = 'gateway-api';

  constructor(private readonly o: GatewayApiOptions) {}

  private async route(): Promise<KObject> {
    const route = await this.o.kubectl.get('httproute', this.o.route).catch((err: Error) => {
      throw new ConfigurationError(`httproute: HTTPRoutes cannot be read (${err.message}); is the Gateway API installed?`, { input: 'httproute' });
    });
    if (!route) throw new ConfigurationError(`httproute: "${this.o.route}" does not exist.`, { input: 'httproute' });
    return route;
  }

  async validate(): Promise<void> {
    const route = await this.route();
    await requireService(this.o.kubectl, this.o.service, 'service');
    const sends = ((route.spec?.rules ?? []) as KObject[]).some((r) => ((r.backendRefs ?? []) as KObject[]).some((b) => b.name === this.o.service));
    if (!sends) throw new ConfigurationError(`httproute: "${this.o.route}" has no backendRef to service "${this.o.service}".`, { input: 'httproute' });
  }

  async setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    const k = this.o.kubectl;
    const canaryService = canary ? await ensureTrackService(k, this.o.service, 'canary', options.signal) : undefined;
    const route = await this.route();
    const rules = weightedRules(route.spec.rules ?? [], this.o.service, canaryService, canaryWeight);
    await k.patch('httproute', this.o.route, 'merge', { spec: { rules } }, options);
    const served = await this.current();
    if ((served?.canaryWeight ?? 0) !== (canary ? canaryWeight : 0)) {
      throw new OperationFailedError(
        `httproute ${this.o.route} does not hold the weight just written (${served?.canaryWeight ?? 0}%, wanted ${canaryWeight}%).`,
      );
    }
    if (!canary) await k.delete('service', `${this.o.service}-canary`, options);
  }

  async current(): Promise<TrafficSplit | undefined> {
    const route = await this.route();
    for (const rule of (route.spec?.rules ?? []) as KObject[]) {
      const refs = (rule.backendRefs ?? []) as KObject[];
      if (!refs.some((r) => r.name === this.o.service)) continue;
      const total = refs.reduce((n, r) => n + (r.weight ?? 1), 0);
      const canary = refs.find((r) => r.name === `${this.o.service}-canary`);
      return { canaryWeight: canary && total ? Math.round((100 * (canary.weight ?? 1)) / total) : 0 };
    }
    return undefined;
  }
}
