/**
 * The three patch types of the Kubernetes API, applied as the API server applies them:
 * JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic-merge patch, where lists of
 * objects are merged by their merge key (containers by name, container ports by containerPort…)
 * and the directives kubectl sends (`$patch`, `$setElementOrder/…`, `$retainKeys`,
 * `$deleteFromPrimitiveList/…`) are honoured.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export class PatchError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k] ?? null, v);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, segs: string[]): { parent: Obj | Json[]; key: string } {
  let cur: Json = doc;
  for (const s of segs.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(s)] as Json;
    else if (isObj(cur)) cur = cur[s] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined || cur === null) throw new PatchError(`doc is missing path: /${segs.join('/')}`);
  }
  if (!Array.isArray(cur) && !isObj(cur)) throw new PatchError(`doc is missing path: /${segs.join('/')}`);
  return { parent: cur, key: segs[segs.length - 1]! };
}

function getAt(doc: Json, segs: string[]): Json {
  let cur: Json = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)] as Json;
    else if (isObj(cur)) cur = cur[s] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw new PatchError(`doc is missing path: /${segs.join('/')}`);
  }
  return cur;
}

export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch is an array of operations');
  let out = clone(doc);
  for (const raw of ops as JsonPatchOp[]) {
    const segs = pointer(raw.path);
    const remove = (s: string[]): Json => {
      const { parent, key } = parentOf(out, s);
      if (Array.isArray(parent)) {
        const i = Number(key);
        if (!(i >= 0 && i < parent.length)) throw new PatchError(`remove index ${key} out of bounds`);
        return parent.splice(i, 1)[0]!;
      }
      if (!(key in parent)) throw new PatchError(`remove operation does not apply: doc is missing key: ${key}`);
      const v = parent[key]!;
      delete parent[key];
      return v;
    };
    const add = (s: string[], value: Json): void => {
      if (s.length === 0) {
        out = clone(value);
        return;
      }
      const { parent, key } = parentOf(out, s);
      if (Array.isArray(parent)) {
        const i = key === '-' ? parent.length : Number(key);
        if (!(i >= 0 && i <= parent.length)) throw new PatchError(`add index ${key} out of bounds`);
        parent.splice(i, 0, clone(value));
      } else parent[key] = clone(value);
    };
    switch (raw.op) {
      case 'add':
        add(segs, raw.value as Json);
        break;
      case 'remove':
        remove(segs);
        break;
      case 'replace': {
        getAt(out, segs);
        const { parent, key } = parentOf(out, segs);
        if (Array.isArray(parent)) parent[Number(key)] = clone(raw.value as Json);
        else parent[key] = clone(raw.value as Json);
        break;
      }
      case 'move': {
        const v = remove(pointer(raw.from ?? ''));
        add(segs, v);
        break;
      }
      case 'copy':
        add(segs, getAt(out, pointer(raw.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(getAt(out, segs)) !== JSON.stringify(raw.value)) throw new PatchError(`testing value /${segs.join('/')} failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(raw.op)}`);
    }
  }
  return out;
}

/** Merge keys of lists of objects, by the field name and (where it differs) its parent field. */
export function mergeKeyFor(kind: string, path: string[]): string | undefined {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
    case 'env':
    case 'resourceClaims':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ownerReferences':
      return 'uid';
    case 'conditions':
      return 'type';
    case 'ports':
      if (kind === 'Service' && path.length === 2 && parent === 'spec') return 'port';
      return path.includes('containers') || path.includes('initContainers') ? 'containerPort' : undefined;
    default:
      return undefined;
  }
}

/** Lists of primitives merged as sets rather than replaced. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

export function applyStrategicMergePatch(kind: string, target: Json, patch: Json): Json {
  if (!isObj(patch)) throw new PatchError('a strategic merge patch is a JSON object');
  return mergeObject(kind, isObj(target) ? target : {}, patch, []);
}

function mergeObject(kind: string, target: Obj, patch: Obj, path: string[]): Obj {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  if (directive === 'delete') return {};
  let out: Obj = { ...target };
  const retainKeys = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(v)) out[field] = current.filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const sub = [...path, k];
    const cur = out[k];
    if (Array.isArray(v)) out[k] = mergeList(kind, Array.isArray(cur) ? cur : [], v, sub);
    else if (isObj(v)) out[k] = mergeObject(kind, isObj(cur) ? cur : {}, v, sub);
    else out[k] = v;
  }
  if (Array.isArray(retainKeys)) {
    const keep = new Set(retainKeys.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith('$setElementOrder/') || !Array.isArray(v)) continue;
    const field = k.slice('$setElementOrder/'.length);
    const list = out[field];
    if (Array.isArray(list)) out[field] = orderList(kind, list, v, [...path, field]);
  }
  return out;
}

function mergeList(kind: string, target: Json[], patch: Json[], path: string[]): Json[] {
  const key = mergeKeyFor(kind, path);
  const field = path[path.length - 1]!;
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) {
    return clone(patch.filter((p) => !(isObj(p) && p.$patch === 'replace')));
  }
  if (!key) {
    if (MERGED_PRIMITIVE_LISTS.has(field)) {
      const out = [...target];
      for (const p of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(p))) out.push(p);
      return out;
    }
    return clone(patch);
  }
  const out = target.map((x) => clone(x));
  for (const p of patch) {
    if (!isObj(p)) throw new PatchError(`${path.join('.')}: an element without the merge key "${key}"`);
    const id = p[key];
    const at = out.findIndex((x) => isObj(x) && JSON.stringify(x[key]) === JSON.stringify(id));
    if (p.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeObject(kind, out[at] as Obj, p, path);
    else out.push(mergeObject(kind, {}, p, path));
  }
  return out;
}

/** `$setElementOrder`: the listed elements in the given order, others after them as they were. */
function orderList(kind: string, list: Json[], order: Json[], path: string[]): Json[] {
  const key = mergeKeyFor(kind, path);
  const idOf = (x: Json): string => JSON.stringify(key && isObj(x) ? x[key] : x);
  const rank = new Map(order.map((o, i) => [idOf(o), i]));
  return [...list].sort((a, b) => (rank.get(idOf(a)) ?? order.length) - (rank.get(idOf(b)) ?? order.length));
}
