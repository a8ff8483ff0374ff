/**
 * Every object the stand-in stores is checked against the real Kubernetes schemas shipped by
 * `kubernetes-models` (built-in kinds) and `@kubernetes-models/gateway-api` (HTTPRoute), so the
 * shapes our code writes are the real ones. SMI publishes no such package: its TrafficSplit is
 * checked against the spec's own fields here (service, backends[].service, backends[].weight).
 */
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { ControllerRevision } from 'kubernetes-models/apps/v1/ControllerRevision';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Event } from 'kubernetes-models/v1/Event';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  Namespace,
  Pod,
  Service,
  ConfigMap,
  Secret,
  Event,
  Deployment,
  ReplicaSet,
  StatefulSet,
  ControllerRevision,
  Ingress,
  HTTPRoute,
} as unknown as Record<string, Model>;

/** The problems with `obj` as its kind's schema sees them; empty when it is valid. */
export function schemaProblems(obj: Record<string, unknown>): string[] {
  const kind = String(obj.kind ?? '');
  if (kind === 'TrafficSplit') return trafficSplitProblems(obj);
  const model = MODELS[kind];
  if (!model) return [`no schema for kind ${kind}`];
  try {
    new model(JSON.parse(JSON.stringify(obj)) as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

function trafficSplitProblems(obj: Record<string, unknown>): string[] {
  const spec = obj.spec as Record<string, unknown> | undefined;
  const out: string[] = [];
  if (!spec || typeof spec !== 'object') return ['spec: Required value'];
  if (typeof spec.service !== 'string' || !spec.service) out.push('spec.service: Required value');
  const backends = spec.backends;
  if (!Array.isArray(backends) || backends.length === 0) out.push('spec.backends: Required value');
  for (const [i, b] of (Array.isArray(backends) ? backends : []).entries()) {
    const be = b as Record<string, unknown>;
    if (typeof be.service !== 'string' || !be.service) out.push(`spec.backends[${i}].service: Required value`);
    if (!Number.isInteger(be.weight) || (be.weight as number) < 0) out.push(`spec.backends[${i}].weight: must be a non-negative integer`);
  }
  for (const k of Object.keys(spec)) if (!['service', 'backends', 'matches'].includes(k)) out.push(`spec.${k}: unknown field`);
  return out;
}
