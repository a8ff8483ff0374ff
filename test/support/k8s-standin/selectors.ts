/** Label and field selectors as the API server reads them from `labelSelector` / `fieldSelector`. */
import type { KObject } from './store.js';

type Test = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(text: string | null): Test {
  if (!text) return () => true;
  const tests: Test[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(raw))) {
      const [, key, op, values] = m;
      const set = values!.split(',').map((v) => v.trim());
      tests.push(op === 'in' ? (l) => key! in l && set.includes(l[key!]!) : (l) => !(key! in l) || !set.includes(l[key!]!));
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(raw))) {
      const [, key, op, value] = m;
      tests.push(op === '!=' ? (l) => l[key!] !== value : (l) => l[key!] === value);
    } else if ((m = /^!(\S+)$/.exec(raw))) {
      const key = m[1]!;
      tests.push((l) => !(key in l));
    } else {
      const key = raw;
      tests.push((l) => key in l);
    }
  }
  return (labels) => tests.every((t) => t(labels));
}

export function parseFieldSelector(text: string | null): (o: KObject) => boolean {
  if (!text) return () => true;
  const tests = text
    .split(',')
    .filter(Boolean)
    .map((raw) => {
      const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(raw.trim());
      if (!m) throw new Error(`invalid field selector: ${raw}`);
      const [, path, op, value] = m;
      return (o: KObject): boolean => {
        let v: unknown = o;
        for (const seg of path!.split('.')) v = (v as KObject | undefined)?.[seg];
        const s = v === undefined || v === null ? '' : String(v);
        return op === '!=' ? s !== value : s === value;
      };
    });
  return (o) => tests.every((t) => t(o));
}
