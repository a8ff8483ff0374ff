/**
 * Paths into a JSON value: `status`, `data.items[0].id`, `$.a.b`, `["key.with.dots"]`, `[0]` for a
 * top-level array, `items[*].status` for every item of a list (or every value of an object).
 * Parsed once when the checks document is validated.
 */
export const EVERY = Symbol('every');
export type PathSegment = string | number | typeof EVERY;

export function parseJsonPath(text: string): PathSegment[] {
  let rest = text.trim();
  if (rest === '$' || rest === '') return [];
  if (rest.startsWith('$.')) rest = rest.slice(2);
  else if (rest.startsWith('$[')) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  for (let first = true; rest !== ''; first = false) {
    if (rest.startsWith('[')) {
      const m = /^\[(?:(\d+)|"((?:[^"\\]|\\.)*)"|'([^']*)'|(\*))\]/.exec(rest);
      if (!m) throw new Error(`cannot read "${rest}": use [0] for an item, [*] for every item or ["key"] for a key`);
      segments.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : m[3] !== undefined ? m[3] : EVERY);
      rest = rest.slice(m[0].length);
      continue;
    }
    if (!first) {
      if (!rest.startsWith('.')) throw new Error(`unexpected "${rest[0]}" before "${rest}"`);
      rest = rest.slice(1);
    }
    const m = /^[^.[\]]+/.exec(rest);
    if (!m) throw new Error('a segment is empty');
    segments.push(m[0]);
    rest = rest.slice(m[0].length);
  }
  return segments;
}

export function readJsonPath(value: unknown, path: readonly PathSegment[]): { found: boolean; value?: unknown } {
  let current: unknown = value;
  for (const seg of path) {
    if (seg === EVERY) throw new Error('readJsonPath cannot follow [*]: use readJsonPaths');
    if (typeof seg === 'number') {
      if (!Array.isArray(current) || seg >= current.length) return { found: false };
      current = current[seg];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, seg)) {
        return { found: false };
      }
      current = (current as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: current };
}

export interface PathMatch {
  /** The concrete path, e.g. `items[2].status` for `items[*].status`. */
  path: string;
  found: boolean;
  value?: unknown;
}

/**
 * Every value a path reaches. Without [*] that is one match (found or not); with [*] one match per
 * item (none for an empty list), and a missing field below an item is a match that is not found.
 */
export function readJsonPaths(value: unknown, path: readonly PathSegment[], prefix = ''): PathMatch[] {
  const i = path.indexOf(EVERY);
  if (i < 0) return [{ path: prefix + formatPath(path, prefix === ''), ...readJsonPath(value, path) }];
  const head = path.slice(0, i);
  const parent = readJsonPath(value, head);
  const at = prefix + formatPath(head, prefix === '');
  if (!parent.found || parent.value === null || typeof parent.value !== 'object') return [{ path: `${at}[*]`, found: false }];
  const entries: Array<[PathSegment, unknown]> = Array.isArray(parent.value)
    ? parent.value.map((v, n) => [n, v])
    : Object.entries(parent.value as Record<string, unknown>);
  return entries.flatMap(([key, item]) => readJsonPaths(item, path.slice(i + 1), at + formatPath([key], at === '')));
}

/** `['a', 0, 'b c']` → `a[0]["b c"]`. */
export function formatPath(path: readonly PathSegment[], leading = true): string {
  let out = '';
  for (const seg of path) {
    if (seg === EVERY) out += '[*]';
    else if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[^.[\]"'\s]+$/.test(seg)) out += out === '' && leading ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
