/** The labels and annotations deploy-kit writes on Kubernetes objects, and the names it derives. */
import type { KObject } from './kubectl.js';

export const TRACK_LABEL = 'deploy-kit.dev/track';
/** Blue-green: the colour of a Deployment's pods, and the one the live Service selects. */
export const COLOR_LABEL = 'deploy-kit.dev/color';
export const ANNOTATION = {
  stableImage: 'deploy-kit.dev/stable-image',
  canaryOf: 'deploy-kit.dev/canary-of',
  image: 'deploy-kit.dev/image',
  previousImage: 'deploy-kit.dev/previous-image',
  commit: 'deploy-kit.dev/commit',
  runUrl: 'deploy-kit.dev/run-url',
  result: 'deploy-kit.dev/result',
  weight: 'deploy-kit.dev/weight',
  /** Blue-green: when the previous colour is to be scaled to zero (ISO time). */
  scaleDownAt: 'deploy-kit.dev/scale-down-at',
} as const;

export const canaryName = (name: string): string => `${name}-canary`;
export const baselineName = (name: string): string => `${name}-baseline`;

/** A Service like `stable` selecting only the `track` pods (for routers that address the canary by Service). */
export function trackService(stable: KObject, name: string, track: 'canary' | 'stable'): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: stable.metadata.namespace, labels: { ...(stable.metadata.labels ?? {}), [TRACK_LABEL]: track } },
    spec: {
      selector: { ...(stable.spec.selector ?? {}), [TRACK_LABEL]: track },
      ports: (stable.spec.ports as KObject[]).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: p.protocol ?? 'TCP',
      })),
    },
  };
}
