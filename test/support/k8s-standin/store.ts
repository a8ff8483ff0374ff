/**
 * The stand-in's object store: objects by resource, namespace and name, a resourceVersion counter,
 * a history of changes that watches replay from a resourceVersion, and owner-reference garbage
 * collection on delete (as the API server's garbage collector does, immediately).
 */
import { randomUUID } from 'node:crypto';
import { schemaProblems } from './validate.js';
import type { ResourceType } from './resources.js';

// Objects are plain JSON; `any` keeps the controller code readable where shapes are the real API's.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type KObject = Record<string, any>;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  rv: number;
  type: WatchEventType;
  resource: ResourceType;
  object: KObject;
}

export class StoreError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const keyOf = (r: ResourceType, ns: string | undefined, name: string): string => `${r.group}/${r.name}/${ns ?? ''}/${name}`;
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export function qualifiedName(r: ResourceType): string {
  return r.group ? `${r.name}.${r.group}` : r.name;
}

export class Store {
  private objects = new Map<string, KObject>();
  private rv = 1;
  readonly history: ChangeEvent[] = [];
  private listeners = new Set<(e: ChangeEvent) => void>();

  get resourceVersion(): number {
    return this.rv;
  }

  onChange(fn: (e: ChangeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(r: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    const o = this.objects.get(keyOf(r, r.namespaced ? ns : undefined, name));
    return o ? clone(o) : undefined;
  }

  list(r: ResourceType, ns?: string): KObject[] {
    const prefix = `${r.group}/${r.name}/`;
    const out: KObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (ns && r.namespaced && o.metadata.namespace !== ns) continue;
      out.push(clone(o));
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  create(r: ResourceType, obj: KObject, options: { dryRun?: boolean } = {}): KObject {
    const o = clone(obj);
    o.metadata ??= {};
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomSuffix()}`;
    const name = o.metadata.name as string | undefined;
    if (!name) throw new StoreError(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw new StoreError(
        422,
        'Invalid',
        `${r.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    }
    if (r.namespaced) {
      o.metadata.namespace ??= 'default';
      if (!this.objects.has(`/namespaces//${o.metadata.namespace}`)) {
        throw new StoreError(404, 'NotFound', `namespaces "${o.metadata.namespace}" not found`, { name: o.metadata.namespace, kind: 'namespaces' });
      }
    } else delete o.metadata.namespace;
    const key = keyOf(r, o.metadata.namespace, name);
    if (this.objects.has(key)) {
      throw new StoreError(409, 'AlreadyExists', `${qualifiedName(r)} "${name}" already exists`, { name, group: r.group, kind: r.name });
    }
    o.apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    o.kind = r.kind;
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (hasGeneration(r)) o.metadata.generation = 1;
    delete o.metadata.resourceVersion;
    this.check(r, o);
    if (options.dryRun) return o;
    return this.commit(r, key, o, 'ADDED');
  }

  /** Replaces the object; a resourceVersion in `obj` must match the stored one (optimistic concurrency). */
  update(r: ResourceType, obj: KObject, options: { dryRun?: boolean; subresource?: string } = {}): KObject {
    const ns = r.namespaced ? obj.metadata?.namespace : undefined;
    const name = obj.metadata?.name as string;
    const key = keyOf(r, ns, name);
    const current = this.objects.get(key);
    if (!current) throw new StoreError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, { name, group: r.group, kind: r.name });
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new StoreError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: r.group, kind: r.name },
      );
    }
    let o = clone(obj);
    if (options.subresource === 'status') {
      o = { ...clone(current), status: o.status };
    } else if (r.subresources?.includes('status')) {
      o.status = clone(current.status);
    }
    o.apiVersion = current.apiVersion;
    o.kind = current.kind;
    o.metadata = { ...o.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, namespace: current.metadata.namespace };
    if (!r.namespaced) delete o.metadata.namespace;
    if (hasGeneration(r)) {
      const changed = JSON.stringify(specOf(o)) !== JSON.stringify(specOf(current));
      o.metadata.generation = (current.metadata.generation ?? 1) + (changed ? 1 : 0);
    }
    for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    const { resourceVersion: _old, ...curMeta } = current.metadata;
    const { resourceVersion: _new, ...newMeta } = o.metadata;
    this.check(r, o);
    if (JSON.stringify({ ...current, metadata: curMeta }) === JSON.stringify({ ...o, metadata: newMeta })) return clone(current);
    if (options.dryRun) return o;
    return this.commit(r, key, o, 'MODIFIED');
  }

  delete(r: ResourceType, ns: string | undefined, name: string, options: { propagationPolicy?: string; dryRun?: boolean } = {}): KObject {
    const key = keyOf(r, r.namespaced ? ns : undefined, name);
    const current = this.objects.get(key);
    if (!current) throw new StoreError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, { name, group: r.group, kind: r.name });
    if (options.dryRun) return clone(current);
    this.objects.delete(key);
    const gone = clone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', resource: r, object: gone });
    this.collectDependents(current.metadata.uid, options.propagationPolicy === 'Orphan');
    return gone;
  }

  /** Everything whose controller owner is gone is deleted (or released, for Orphan). */
  private collectDependents(uid: string, orphan: boolean): void {
    for (const [key, o] of [...this.objects]) {
      const refs = (o.metadata.ownerReferences ?? []) as Array<{ uid: string }>;
      if (!refs.some((ref) => ref.uid === uid)) continue;
      const r = this.resourceOf(o);
      if (!r) continue;
      if (orphan) {
        const next = clone(o);
        next.metadata.ownerReferences = refs.filter((ref) => ref.uid !== uid);
        if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
        this.commit(r, key, next, 'MODIFIED');
      } else if (this.objects.has(key)) {
        this.delete(r, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  private resources = new Map<string, ResourceType>();

  register(r: ResourceType): void {
    this.resources.set(`${r.group ? `${r.group}/${r.version}` : r.version}/${r.kind}`, r);
  }

  private resourceOf(o: KObject): ResourceType | undefined {
    return this.resources.get(`${o.apiVersion}/${o.kind}`);
  }

  private check(r: ResourceType, o: KObject): void {
    const problems = schemaProblems(o);
    if (problems.length) {
      const causes = problems.map(asCause);
      throw new StoreError(
        422,
        'Invalid',
        `${qualifiedKind(r)} "${o.metadata?.name ?? ''}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
        {
          name: o.metadata?.name,
          group: r.group,
          kind: r.kind,
          causes,
        },
      );
    }
  }

  private commit(r: ResourceType, key: string, o: KObject, type: WatchEventType): KObject {
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, o);
    this.emit({ rv: this.rv, type, resource: r, object: clone(o) });
    return clone(o);
  }

  private emit(e: ChangeEvent): void {
    this.history.push(e);
    if (this.history.length > 20_000) this.history.splice(0, 5_000);
    for (const fn of this.listeners) fn(e);
  }
}

function qualifiedKind(r: ResourceType): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

/** A schema message (`data/spec/replicas must be integer`) as the API's cause: field path and message. */
function asCause(problem: string): { reason: string; message: string; field: string } {
  const m = /^data(\/\S*)?\s+(.*)$/.exec(problem);
  if (!m) return { reason: 'FieldValueInvalid', message: `Invalid value: ${problem}`, field: '' };
  const field = (m[1] ?? '')
    .split('/')
    .filter(Boolean)
    .map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : `${i ? '.' : ''}${seg}`))
    .join('');
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${m[2]}`, field };
}

function hasGeneration(r: ResourceType): boolean {
  return ['Deployment', 'ReplicaSet', 'StatefulSet', 'Ingress', 'HTTPRoute', 'TrafficSplit'].includes(r.kind);
}

function specOf(o: KObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[Math.floor(Math.random() * ALPHANUMS.length)];
  return s;
}

/** As apimachinery's SafeEncodeString: each character mapped onto letters and digits that spell no words. */
export function safeEncode(text: string): string {
  return [...text].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}
