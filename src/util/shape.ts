/** Shape checks and words for values parsed from YAML or JSON, shared by every config reader. */

/** A mapping: an object that is neither null nor an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a value is, in the words of an error message: `empty`, `a list`, `a mapping`, `number 3`, `string "x"`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
}
