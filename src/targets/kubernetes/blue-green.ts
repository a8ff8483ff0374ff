/**
 * Blue-green on Kubernetes (decision 0086): Deployments `<name>-blue` and `<name>-green` whose pods
 * and selectors carry `deploy-kit.dev/color`; the live Service selects one colour by that label, a
 * preview Service (`<service>-preview`) the other. The first run adopts the plain `<name>`
 * Deployment the Service selected until then: its template is the source of the first colour, and
 * it is the "previous" workload that is kept, then scaled to zero (never deleted: it is the user's).
 */
import { ConfigurationError } from '../../runtime/errors.js';
import type { BlueGreenTarget, Colour, ColourState, ColourWorkload } from '../blue-green.js';
import type { WaitOptions } from '../target.js';
import type { Kubectl, KObject } from '../../kubernetes/kubectl.js';
import { ANNOTATION, COLOR_LABEL } from '../../kubernetes/labels.js';
import { KubernetesTarget } from './target.js';
import { appContainer } from './workload.js';

export interface KubernetesBlueGreenOptions {
  kubectl: Kubectl;
  /** The app's Deployment name: colours are `<deployment>-blue` / `-green`. */
  deployment: string;
  /** The live Service (default: the deployment's name). */
  service?: string;
  /** The preview Service (default: `<service>-preview`). */
  previewService?: string;
  container?: string;
}

export const colourWorkload = (deployment: string, colour: Colour): string => `${deployment}-${colour}`;

/**
 * The colour label of the adopted Deployment's pods: a Service selector cannot say "no colour", so
 * before a colour's pods exist the live Service selects the adopted pods by this value.
 */
export const ADOPTED = 'adopted';

/** Pure: the colour the live Service selects (undefined: none yet, the adopted Deployment serves). */
export function liveColour(service: KObject): Colour | undefined {
  const c = service.spec?.selector?.[COLOR_LABEL];
  return c === 'blue' || c === 'green' ? c : undefined;
}

/** Pure: `colour`'s Deployment from the live one — its template with `image`, the colour label on pods and selector. */
export function colourDeployment(live: KObject, o: { name: string; colour: Colour; image: string; container: string; previousImage: string }): KObject {
  const template = structuredClone(live.spec.template) as KObject;
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [COLOR_LABEL]: o.colour } };
  delete template.metadata.labels['pod-template-hash'];
  for (const c of template.spec.containers as KObject[]) if (c.name === o.container) c.image = o.image;
  const labels = { ...(live.metadata.labels ?? {}), [COLOR_LABEL]: o.colour };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: o.name,
      namespace: live.metadata.namespace,
      labels,
      annotations: { [ANNOTATION.image]: o.image, [ANNOTATION.previousImage]: o.previousImage },
    },
    spec: {
      replicas: live.spec.replicas ?? 1,
      selector: { matchLabels: { ...(live.spec.selector?.matchLabels ?? {}), [COLOR_LABEL]: o.colour } },
      template,
      ...(live.spec.strategy ? { strategy: live.spec.strategy } : {}),
      ...(live.spec.minReadySeconds ? { minReadySeconds: live.spec.minReadySeconds } : {}),
      progressDeadlineSeconds: live.spec.progressDeadlineSeconds ?? 600,
    },
  };
}

/** Pure: the preview Service — the live one's ports, its selector with `colour`. */
export function previewService(live: KObject, name: string, colour: Colour): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: live.metadata.namespace, labels: { ...(live.metadata.labels ?? {}), [COLOR_LABEL]: colour } },
    spec: {
      selector: { ...(live.spec.selector ?? {}), [COLOR_LABEL]: colour },
      ports: (live.spec.ports as KObject[]).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: p.protocol ?? 'TCP',
      })),
    },
  };
}

/** Pure: the selector keys the Service needs that the Deployment's pods lack (besides the colour). */
export function unmatchedSelector(service: KObject, deployment: KObject): string[] {
  const labels = (deployment.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
  return Object.entries((service.spec?.selector ?? {}) as Record<string, string>)
    .filter(([k, v]) => k !== COLOR_LABEL && labels[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
}

export class KubernetesBlueGreen implements BlueGreenTarget {
  private readonly k: Kubectl;
  private readonly service: string;
  private readonly previewName: string;
  private readonly waiter: KubernetesTarget;

  constructor(readonly options: KubernetesBlueGreenOptions) {
    this.k = options.kubectl;
    this.service = options.service ?? options.deployment;
    this.previewName = options.previewService ?? `${this.service}-preview`;
    this.waiter = new KubernetesTarget({ kubectl: options.kubectl, container: options.container });
  }

  private where(): string {
    return `namespace ${this.k.namespace ?? '(the context default)'}`;
  }

  private async liveService(signal?: AbortSignal): Promise<KObject> {
    const svc = await this.k.get('service', this.service, { signal });
    if (!svc) {
      throw new ConfigurationError(
        `service: service "${this.service}" does not exist in ${this.where()}; blue-green switches that Service's selector between colours. Give the Service your users reach (service input).`,
        { input: 'service' },
      );
    }
    return svc;
  }

  private async liveDeployment(svc: KObject, signal?: AbortSignal): Promise<KObject> {
    const colour = liveColour(svc);
    const name = colour ? colourWorkload(this.options.deployment, colour) : this.options.deployment;
    const d = await this.k.get('deployment', name, { signal });
    if (!d) {
      throw new ConfigurationError(
        colour
          ? `deployment: service ${this.service} selects ${COLOR_LABEL}=${colour}, but deployment "${name}" does not exist in ${this.where()}. Restore it, or remove the ${COLOR_LABEL} key from the Service's selector to start again from deployment ${this.options.deployment}.`
          : `deployment: deployment "${name}" does not exist in ${this.where()}. Check the name and the namespace input.`,
        { input: 'deployment' },
      );
    }
    return d;
  }

  async validateBlueGreen(): Promise<void> {
    await this.k.preflight();
    if (this.previewName === this.service) {
      throw new ConfigurationError(`preview-service: "${this.previewName}" is the live service; give the preview another name (default: <service>-preview).`, {
        input: 'preview-service',
      });
    }
    const svc = await this.liveService();
    const live = await this.liveDeployment(svc);
    appContainer(live, this.options.container);
    const unmatched = unmatchedSelector(svc, live);
    if (unmatched.length > 0) {
      throw new ConfigurationError(
        `service: service ${this.service} selects ${unmatched.join(', ')}, which the pods of deployment ${live.metadata.name} do not carry, so switching it to a colour built from that Deployment would leave it with no pods. Make the Service select the Deployment's pods.`,
        { input: 'service' },
      );
    }
  }

  private workloadOf(d: KObject, colour: Colour | undefined): ColourWorkload {
    const at = d.metadata.annotations?.[ANNOTATION.scaleDownAt];
    return {
      ...(colour ? { colour } : {}),
      workload: d.metadata.name,
      image: String(appContainer(d, this.options.container).image),
      replicas: d.spec.replicas ?? 1,
      ...(at ? { scaleDownAt: String(at) } : {}),
    };
  }

  async state(options: { signal?: AbortSignal } = {}): Promise<ColourState> {
    const svc = await this.liveService(options.signal);
    const colour = liveColour(svc);
    const live = this.workloadOf(await this.liveDeployment(svc, options.signal), colour);
    // The idle one: the other colour; with no colour live yet there is none. When blue or green is live, the
    // adopted Deployment counts as idle while it still runs pods (until it is scaled to zero).
    let idle: ColourWorkload | undefined;
    if (colour) {
      const other: Colour = colour === 'blue' ? 'green' : 'blue';
      const d = await this.k.get('deployment', colourWorkload(this.options.deployment, other), options);
      if (d) idle = this.workloadOf(d, other);
      else {
        const adopted = await this.k.get('deployment', this.options.deployment, options);
        if (adopted && (adopted.spec.replicas ?? 1) > 0) idle = this.workloadOf(adopted, undefined);
      }
    }
    return { name: this.options.deployment, live, ...(idle ? { idle } : {}) };
  }

  async deployColour(colour: Colour, image: string, options: WaitOptions): Promise<ColourWorkload> {
    const svc = await this.liveService(options.signal);
    const live = await this.liveDeployment(svc, options.signal);
    const container = appContainer(live, this.options.container, image);
    const name = colourWorkload(this.options.deployment, colour);
    const object = colourDeployment(live, { name, colour, image, container: container.name, previousImage: String(container.image) });
    await this.k.apply([object], { signal: options.signal });
    // A colour kept from an earlier switch may carry a scale-down time: it is live-bound now.
    await this.markScaleDown(name, undefined, options);
    await this.waiter.waitRollout(name, options);
    return { colour, workload: name, image, replicas: object.spec.replicas };
  }

  async preview(colour: Colour, options: { signal?: AbortSignal } = {}): Promise<string> {
    const svc = await this.liveService(options.signal);
    await this.k.apply([previewService(svc, this.previewName, colour)], { signal: options.signal });
    return this.previewName;
  }

  async isolateLive(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!liveColour(await this.liveService(options.signal))) await this.switchTo(undefined, options);
  }

  async switchTo(colour: Colour | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!colour) await this.labelAdoptedPods(options.signal);
    // A strategic merge of the selector map: only the colour key changes.
    await this.k.patch('service', this.service, 'strategic', { spec: { selector: { [COLOR_LABEL]: colour ?? ADOPTED } } }, options);
  }

  /** The adopted Deployment's running pods get `deploy-kit.dev/color: adopted` (a label on the pods: no restart). */
  private async labelAdoptedPods(signal?: AbortSignal): Promise<void> {
    const adopted = await this.k.get('deployment', this.options.deployment, { signal });
    if (!adopted) return;
    const selector = Object.entries((adopted.spec.selector?.matchLabels ?? {}) as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .concat(`!${COLOR_LABEL}`)
      .join(',');
    await this.k.run(['label', 'pods', '-l', selector, `${COLOR_LABEL}=${ADOPTED}`, '--overwrite'], {
      what: `label the pods of ${this.options.deployment} as ${ADOPTED}`,
      signal,
    });
  }

  async scale(workload: string, replicas: number, options: WaitOptions): Promise<void> {
    await this.k.patch('deployment', workload, 'merge', { spec: { replicas } }, { signal: options.signal });
    if (replicas > 0) await this.waiter.waitRollout(workload, options);
  }

  async markScaleDown(workload: string, at: Date | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.k.patch('deployment', workload, 'merge', { metadata: { annotations: { [ANNOTATION.scaleDownAt]: at ? at.toISOString() : null } } }, options);
  }

  async removeColour(colour: Colour, options: { signal?: AbortSignal } = {}): Promise<void> {
    // The preview Service stays (a preview Ingress may point at it); it selects no pods once the colour is gone.
    await this.k.delete('deployment', colourWorkload(this.options.deployment, colour), options);
  }
}
