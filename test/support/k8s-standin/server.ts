/**
 * A Kubernetes API server stand-in for tests (no real one can run here): HTTP on 127.0.0.1 that
 * the real kubectl talks to through an ordinary kubeconfig — discovery, OpenAPI v3, CRUD, the three
 * patch types, watches, the scale subresource, bearer-token auth and RBAC-style refusals — with
 * the controllers of controller.ts behind it. Every test that uses it says "stand-in" in its name.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, type ControllerOptions } from './controller.js';
import { applyDefaults } from './defaults.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError, type Json } from './patch.js';
import {
  apiGroupList,
  apiResourceList,
  apiVersions,
  BUILTIN_RESOURCES,
  groupVersion,
  openApiV3Document,
  openApiV3Index,
  OPTIONAL_RESOURCES,
  type ResourceType,
} from './resources.js';
import { PodProcesses, type PodProcessOptions } from './pods.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { qualifiedName, Store, StoreError, type KObject } from './store.js';

export interface StandinOptions extends ControllerOptions {
  /** Serve Gateway API HTTPRoutes. */
  gatewayApi?: boolean;
  /** Serve SMI TrafficSplits in these versions (e.g. ['v1alpha2']). */
  smiVersions?: string[];
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
  /** Who the caller is, for refusal messages. */
  user?: string;
  namespaces?: string[];
  /**
   * Run each pod as a local fixture-app process and give each Service a local endpoint (pods.ts);
   * pods become Ready once their process answers. Off by default (pods are only objects).
   */
  pods?: PodProcessOptions | true;
}

export interface Refusal {
  verb: string;
  /** Plural resource, with `/sub` for a subresource. */
  resource: string;
  name?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  at: number;
}

const RESOURCE_VERSION_TOO_OLD = 410;

export class KubernetesStandin {
  readonly store = new Store();
  readonly controller: Controller;
  readonly resources: ResourceType[];
  readonly requests: RequestRecord[] = [];
  /** Requests refused with 403, as RBAC would. */
  readonly refusals: Refusal[] = [];
  /** The pods' processes and the Services' local endpoints, with `options.pods`. */
  readonly pods?: PodProcesses;
  private server?: Server;
  private closers = new Set<() => void>();
  port = 0;

  constructor(readonly options: StandinOptions = {}) {
    this.resources = [...BUILTIN_RESOURCES];
    if (options.gatewayApi) this.resources.push(OPTIONAL_RESOURCES.gatewayApi);
    for (const v of options.smiVersions ?? []) this.resources.push(OPTIONAL_RESOURCES.smi(v));
    for (const r of this.resources) this.store.register(r);
    const kind = (name: string): ResourceType => this.resources.find((r) => r.name === name && r.group !== 'extensions')!;
    let pods: PodProcesses | undefined;
    this.controller = new Controller(
      this.store,
      {
        deployments: kind('deployments'),
        replicasets: kind('replicasets'),
        statefulsets: kind('statefulsets'),
        controllerrevisions: kind('controllerrevisions'),
        pods: kind('pods'),
        events: kind('events'),
      },
      { ...options, ...(options.pods ? { serving: (p: KObject) => pods!.serving(p) } : {}) },
    );
    if (options.pods) {
      pods = new PodProcesses(
        this.store,
        { pods: kind('pods'), services: kind('services') },
        this.controller.behaviour,
        options.pods === true ? {} : options.pods,
      );
      this.pods = pods;
    }
    for (const ns of ['default', 'kube-system', ...(options.namespaces ?? [])]) {
      this.store.create(kind('namespaces'), { metadata: { name: ns }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.status(res, 500, 'InternalError', `stand-in: ${(err as Error).stack ?? String(err)}`);
        else res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    this.controller.start();
    this.pods?.start();
    return this;
  }

  async close(): Promise<void> {
    this.controller.stop();
    await this.pods?.close();
    for (const c of this.closers) c();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Writes a kubeconfig for this server (one context per name given) and returns its path. */
  writeKubeconfig(dir: string, o: { contexts?: string[]; namespace?: string; token?: string; file?: string } = {}): string {
    const contexts = o.contexts ?? ['standin'];
    const token = o.token ?? this.options.token;
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: standin',
      '  cluster:',
      `    server: ${this.url}`,
      'users:',
      '- name: standin-user',
      `  user: ${token ? `{ token: ${JSON.stringify(token)} }` : '{}'}`,
      'contexts:',
      ...contexts.flatMap((c) => [
        `- name: ${c}`,
        '  context:',
        '    cluster: standin',
        '    user: standin-user',
        ...(o.namespace ? [`    namespace: ${o.namespace}`] : []),
      ]),
      `current-context: ${contexts[0]}`,
      '',
    ].join('\n');
    const path = join(dir, o.file ?? 'kubeconfig');
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  resource(kindOrName: string): ResourceType {
    const r = this.resources.find((x) => x.kind === kindOrName || x.name === kindOrName);
    if (!r) throw new Error(`stand-in serves no ${kindOrName}`);
    return r;
  }

  get(kind: string, name: string, namespace = 'default'): KObject | undefined {
    return this.store.get(this.resource(kind), namespace, name);
  }

  list(kind: string, namespace = 'default'): KObject[] {
    return this.store.list(this.resource(kind), namespace);
  }

  /** Creates an object as a client would (defaults and schema check included). */
  create(obj: KObject): KObject {
    const r = this.resources.find((x) => x.kind === obj.kind && groupVersion(x) === obj.apiVersion);
    if (!r) throw new Error(`stand-in serves no ${obj.apiVersion} ${obj.kind}`);
    return this.store.create(r, applyDefaults(structuredClone(obj)));
  }

  /** Resolves once `test` holds for the store, or rejects after `timeoutMs`. */
  async until(test: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > end) throw new Error(`stand-in: ${what} did not happen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private status(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    this.requests.push({ method: req.method ?? 'GET', path, query: url.search, contentType: req.headers['content-type'], at: Date.now() });
    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    const body = await readBody(req);
    if (path === '/version') {
      return this.json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-standin', platform: 'linux/amd64', goVersion: 'go1.23' });
    }
    if (path === '/api') return this.json(res, 200, apiVersions());
    if (path === '/apis') return this.json(res, 200, apiGroupList(this.resources));
    if (path === '/openapi/v3') return this.json(res, 200, openApiV3Index(this.resources));
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiV3Document(this.resources, path.slice('/openapi/v3/'.length));
      return doc ? this.json(res, 200, doc) : this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/(.*))?$/.exec(path);
    if (!m) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const group = m[2] ?? '';
    const version = m[1] ?? m[3]!;
    const gv = group ? `${group}/${version}` : version;
    const rest = m[4] ? m[4].split('/').map(decodeURIComponent) : [];
    if (rest.length === 0) {
      const list = apiResourceList(this.resources, gv);
      return list ? this.json(res, 200, list) : this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      rest.splice(0, 2);
    }
    const [resourceName, name, sub] = rest;
    const r = this.resources.find((x) => x.name === resourceName && groupVersion(x) === gv);
    if (!r) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (!r.namespaced && ns === undefined && resourceName === 'namespaces') ns = undefined;
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(method, !!name, watch);
    const refused = this.refusals.find((f) => f.verb === verb && f.resource === (sub ? `${r.name}/${sub}` : r.name) && (!f.name || f.name === name));
    if (refused) {
      const who = this.options.user ?? 'system:serviceaccount:ci:deployer';
      const target = name ? `${qualifiedName(r)} "${name}"` : qualifiedName(r);
      const where = r.namespaced ? ` in the namespace "${ns ?? 'default'}"` : ' at the cluster scope';
      return this.status(
        res,
        403,
        'Forbidden',
        `${target} is forbidden: User "${who}" cannot ${verb} resource "${sub ? `${r.name}/${sub}` : r.name}" in API group "${r.group}"${where}`,
        {
          ...(name ? { name } : {}),
          group: r.group,
          kind: r.name,
        },
      );
    }
    try {
      await this.serve(req, res, { r, ns, name, sub, method, q, body, watch });
    } catch (err) {
      if (err instanceof StoreError) return this.status(res, err.code, err.reason, err.message, err.details);
      if (err instanceof PatchError) return this.status(res, 422, 'Invalid', err.message);
      if (err instanceof SyntaxError) return this.status(res, 400, 'BadRequest', `the body of the request was in an unknown format: ${err.message}`);
      throw err;
    }
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    c: { r: ResourceType; ns?: string; name?: string; sub?: string; method: string; q: URLSearchParams; body: string; watch: boolean },
  ): Promise<void> {
    const { r, ns, name, sub, method, q } = c;
    const dryRun = q.get('dryRun') === 'All';
    if (!name) {
      if (method === 'GET' && c.watch) return this.watch(req, res, r, ns, q);
      if (method === 'GET') {
        const items = this.filtered(r, ns, q);
        return this.json(res, 200, {
          kind: `${r.kind}List`,
          apiVersion: groupVersion(r),
          metadata: { resourceVersion: String(this.store.resourceVersion) },
          items,
        });
      }
      if (method === 'POST') {
        const obj = JSON.parse(c.body) as KObject;
        if (obj.metadata?.namespace && ns && obj.metadata.namespace !== ns) {
          return this.status(res, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        if (r.namespaced) obj.metadata = { ...(obj.metadata ?? {}), namespace: ns ?? 'default' };
        if (obj.kind && obj.kind !== r.kind) return this.status(res, 400, 'BadRequest', `the kind ${obj.kind} does not match ${r.kind}`);
        obj.kind = r.kind;
        obj.apiVersion = groupVersion(r);
        return this.json(res, 201, this.store.create(r, applyDefaults(obj), { dryRun }));
      }
      if (method === 'DELETE') {
        const items = this.filtered(r, ns, q);
        for (const o of items) this.store.delete(r, o.metadata.namespace, o.metadata.name);
        return this.json(res, 200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: {}, items });
      }
      return this.status(res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    const current = this.store.get(r, ns, name);
    if (sub === 'scale') return this.scale(res, r, current, name, method, c.body);
    if (method === 'GET') {
      if (!current) throw new StoreError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, { name, group: r.group, kind: r.name });
      return this.json(res, 200, current);
    }
    if (method === 'PUT') {
      const obj = JSON.parse(c.body) as KObject;
      if (obj.metadata?.name !== name) return this.status(res, 400, 'BadRequest', 'the name of the object does not match the name on the URL');
      if (r.namespaced) obj.metadata.namespace = ns ?? 'default';
      return this.json(res, 200, this.store.update(r, applyDefaults(obj), { dryRun, subresource: sub }));
    }
    if (method === 'PATCH') {
      if (!current) throw new StoreError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, { name, group: r.group, kind: r.name });
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const patch = JSON.parse(c.body) as Json;
      let next: Json;
      if (type === 'application/json-patch+json') next = applyJsonPatch(current as Json, patch);
      else if (type === 'application/merge-patch+json') next = applyMergePatch(current as Json, patch);
      else if (type === 'application/strategic-merge-patch+json') {
        if (r.custom) {
          return this.status(
            res,
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          );
        }
        next = applyStrategicMergePatch(r.kind, current as Json, patch);
      } else
        return this.status(
          res,
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
        );
      const obj = next as KObject;
      obj.metadata = { ...(obj.metadata ?? {}), name, ...(r.namespaced ? { namespace: ns ?? 'default' } : {}) };
      if (!(patch as KObject)?.metadata?.resourceVersion) delete obj.metadata.resourceVersion;
      return this.json(res, 200, this.store.update(r, applyDefaults(obj), { dryRun, subresource: sub }));
    }
    if (method === 'DELETE') {
      const options = c.body ? (JSON.parse(c.body) as KObject) : {};
      const propagationPolicy = q.get('propagationPolicy') ?? options.propagationPolicy ?? 'Background';
      return this.json(res, 200, this.store.delete(r, ns, name, { propagationPolicy, dryRun }));
    }
    return this.status(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private scale(res: ServerResponse, r: ResourceType, current: KObject | undefined, name: string, method: string, body: string): void {
    if (!current) throw new StoreError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, { name, group: r.group, kind: r.name });
    const scaleOf = (o: KObject): KObject => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: o.spec.replicas },
      status: {
        replicas: o.status?.replicas ?? 0,
        selector: Object.entries(o.spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(','),
      },
    });
    if (method === 'GET') return this.json(res, 200, scaleOf(current));
    const patch = JSON.parse(body) as KObject;
    const replicas = patch.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new StoreError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0`);
    const updated = this.store.update(r, { ...current, spec: { ...current.spec, replicas } });
    return this.json(res, 200, scaleOf(updated));
  }

  private filtered(r: ResourceType, ns: string | undefined, q: URLSearchParams): KObject[] {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'));
    return this.store.list(r, ns).filter((o) => labels(o.metadata.labels ?? {}) && fields(o));
  }

  private watch(req: IncomingMessage, res: ServerResponse, r: ResourceType, ns: string | undefined, q: URLSearchParams): void {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'));
    const matches = (o: KObject): boolean => (!ns || !r.namespaced || o.metadata.namespace === ns) && labels(o.metadata.labels ?? {}) && fields(o);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: string, object: KObject): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const rvParam = q.get('resourceVersion');
    const from = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    const oldest = this.store.history[0]?.rv ?? this.store.resourceVersion;
    if (from !== undefined && from < oldest - 1) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${from} (${oldest})`,
        reason: 'Expired',
        code: RESOURCE_VERSION_TOO_OLD,
      });
      res.end();
      return;
    }
    if (from === undefined) {
      for (const o of this.store.list(r, ns)) if (matches(o)) send('ADDED', o);
    } else {
      for (const e of this.store.history) if (e.rv > from && e.resource === r && matches(e.object)) send(e.type, e.object);
    }
    const unsubscribe = this.store.onChange((e) => {
      if (e.resource === r && matches(e.object)) send(e.type, e.object);
    });
    const end = (): void => {
      unsubscribe();
      clearTimeout(timer);
      this.closers.delete(end);
      res.end();
    };
    const timeout = Number(q.get('timeoutSeconds') ?? 1800) * 1000;
    const timer = setTimeout(end, timeout);
    this.closers.add(end);
    req.on('close', end);
  }
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startStandin(options: StandinOptions = {}): Promise<KubernetesStandin> {
  return new KubernetesStandin(options).start();
}
