/**
 * The API resources the stand-in serves, and the discovery and OpenAPI v3 documents kubectl reads
 * to map kinds to paths and to decide that the server validates fields itself (`fieldValidation`).
 */

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, as in the path. */
  name: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** True for custom resources: no strategic-merge patch (as a real server answers 415). */
  custom?: boolean;
  subresources?: string[];
}

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const BUILTIN_RESOURCES: ResourceType[] = [
  { group: '', version: 'v1', name: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', name: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], subresources: ['status'] },
  { group: '', version: 'v1', name: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], subresources: ['status'] },
  { group: '', version: 'v1', name: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', name: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', name: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  {
    group: 'apps',
    version: 'v1',
    name: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    subresources: ['status'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'controllerrevisions',
    singular: 'controllerrevision',
    kind: 'ControllerRevision',
    namespaced: true,
  },
  { group: 'networking.k8s.io', version: 'v1', name: 'ingresses', singular: 'ingress', kind: 'Ingress', namespaced: true, shortNames: ['ing'] },
];

/** Custom resources a cluster may have installed; the stand-in serves those it is told to. */
export const OPTIONAL_RESOURCES = {
  gatewayApi: {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    name: 'httproutes',
    singular: 'httproute',
    kind: 'HTTPRoute',
    namespaced: true,
    custom: true,
  },
  smi: (version: string): ResourceType => ({
    group: 'split.smi-spec.io',
    version,
    name: 'trafficsplits',
    singular: 'trafficsplit',
    kind: 'TrafficSplit',
    namespaced: true,
    shortNames: ['ts'],
    custom: true,
  }),
} satisfies Record<string, ResourceType | ((v: string) => ResourceType)>;

export function groupVersion(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function apiVersions(): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
}

export function apiGroupList(resources: ResourceType[]): unknown {
  const groups = new Map<string, string[]>();
  for (const r of resources) {
    if (!r.group) continue;
    const versions = groups.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    groups.set(r.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function apiResourceList(resources: ResourceType[], gv: string): unknown | undefined {
  const inGv = resources.filter((r) => groupVersion(r) === gv);
  if (inGv.length === 0) return undefined;
  const list: unknown[] = [];
  for (const r of inGv) {
    list.push({
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    });
    for (const sub of r.subresources ?? []) {
      list.push({
        name: `${r.name}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: sub === 'scale' ? 'Scale' : r.kind,
        ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: list };
}

/** `/openapi/v3`: one entry per group-version, each pointing at its document. */
export function openApiV3Index(resources: ResourceType[]): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of resources) {
    const key = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=standin` };
  }
  return { paths };
}

/**
 * The part of a group-version's OpenAPI v3 document kubectl reads: PATCH operations tagged with
 * their kind that take `fieldValidation` (so kubectl leaves validation to the server, which the
 * stand-in does against the real schemas). Strategic-merge patches are computed by kubectl from
 * its compiled-in types, as when a server publishes no schema for them.
 */
export function openApiV3Document(resources: ResourceType[], key: string): unknown | undefined {
  const inGv = resources.filter((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`) === key);
  if (inGv.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of inGv) {
    const base = `/${key}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.name}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.kind}`,
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        requestBody: {
          content: {
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
          },
        },
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}
