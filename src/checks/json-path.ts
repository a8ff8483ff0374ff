/**
 * Paths into a JSON value: `status`, `data.items[0].id`, `$.a.b`, `["key.with.dots"]`, `[0]` for a
 * top-level array. Parsed once when the checks document is validated.
 */
export type PathSegment = string | number;

export function parseJsonPath(text: string): PathSegment[] {
  let rest = text.trim();
  if (rest === '$' || rest === '') return [];
  if (rest.startsWith('$.')) rest = rest.slice(2);
  else if (rest.startsWith('$[')) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  for (let first = true; rest !== ''; first = false) {
    if (rest.startsWith('[')) {
      const m = /^\[(?:(\d+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\]/.exec(rest);
      if (!m) throw new Error(`cannot read "${rest}": use [0] for an item or ["key"] for a key`);
      segments.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : m[3]!);
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
