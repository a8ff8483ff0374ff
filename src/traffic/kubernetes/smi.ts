/**
 * SMI: a TrafficSplit named after the root Service (the one clients address), with backends
 * `<service>-stable` and `<service>-canary` (Services selecting the `deploy-kit.dev/track` of the
 * pods). The served `split.smi-spec.io` version is read from discovery; the newest one is used.
 */
import type { Kubectl, KObject } from '../../kubernetes/kubectl.js';
import { ConfigurationError } from '../../runtime/errors.js';
import type { RoutedCanary, TrafficRouter, TrafficSplit } from '../router.js';
import { ensureTrackService, requireService } from './track-service.js';

const ORDER = ['v1alpha4', 'v1alpha3', 'v1alpha2', 'v1alpha1'];

/** Pure: the newest TrafficSplit version among `kubectl api-versions` lines, or undefined. */
export function smiVersion(apiVersions: string[]): string | undefined {
  const served = apiVersions.filter((v) => v.startsWith('split.smi-spec.io/')).map((v) => v.slice('split.smi-spec.io/'.length));
  return ORDER.find((v) => served.includes(v));
}

export function trafficSplit(version: string, service: string, namespace: string | undefined, weight: number): KObject {
  return {
    apiVersion: `split.smi-spec.io/${version}`,
    kind: 'TrafficSplit',
    metadata: { name: service, ...(namespace ? { namespace } : {}) },
    spec: {
      service,
      backends: [
        { service: `${service}-stable`, weight: 100 - weight },
        { service: `${service}-canary`, weight },
      ],
    },
  };
}

export interface SmiOptions {
  kubectl: Kubectl;
  service: string;
}

export class SmiRouter implements TrafficRouter {
  readonly kind = 'smi';
  private version?: string;

  constructor(private readonly o: SmiOptions) {}

  async validate(): Promise<void> {
    const out = await this.o.kubectl.run(['api-versions'], { what: 'read the served API versions' });
    this.version = smiVersion(out.stdout.split('\n').map((l) => l.trim()));
    if (!this.version) {
      throw new ConfigurationError(
        'traffic-router: smi needs the split.smi-spec.io API (TrafficSplit), which this cluster does not serve. Install an SMI implementation or choose another router.',
        {
          input: 'traffic-router',
        },
      );
    }
    await requireService(this.o.kubectl, this.o.service, 'service');
  }

  async setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.version) await this.validate();
    const k = this.o.kubectl;
    if (!canary) {
      if (await k.get('trafficsplit', this.o.service, options)) {
        await k.apply([trafficSplit(this.version!, this.o.service, k.namespace, 0)], options);
        await k.delete('trafficsplit', this.o.service, options);
      }
      await k.delete('service', `${this.o.service}-canary`, options);
      return;
    }
    await ensureTrackService(k, this.o.service, 'stable', options.signal);
    await ensureTrackService(k, this.o.service, 'canary', options.signal);
    await k.apply([trafficSplit(this.version!, this.o.service, k.namespace, canaryWeight)], options);
  }

  async current(): Promise<TrafficSplit | undefined> {
    const split = await this.o.kubectl.get('trafficsplit', this.o.service).catch(() => undefined);
    if (!split) return undefined;
    const canary = ((split.spec?.backends ?? []) as KObject[]).find((b) => b.service === `${this.o.service}-canary`);
    return { canaryWeight: Number(canary?.weight ?? 0) };
  }
}
