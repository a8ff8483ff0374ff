/**
 * Regular expressions written by users (`matches` in checks, a gate's check-name filter) must not hang
 * the runner (docs/decisions/0135-user-patterns-cannot-hang.md). Three layers:
 * 1. at validation, a checked safe subset: no backreferences, no lookaround, no repeated group holding an
 *    unbounded quantifier (`(a+)+`, `(.*a){20}`), no repeated alternation whose branches can start alike
 *    (`(a|a)*`), no unbounded quantifiers side by side over overlapping characters (`\d+\d*`, `.*.*`);
 * 2. a pattern is tried on at most MAX_PATTERN_INPUT characters of a text;
 * 3. every match runs under a time limit (node:vm interrupts the regex engine), for what the subset
 *    cannot see (`[\s\S]*x` is quadratic on a long text without an x).
 */
import vm from 'node:vm';

/** A pattern is tried on at most this many characters (1 MiB). */
export const MAX_PATTERN_INPUT = 1024 * 1024;
/** A single match gives up after this long. */
export const PATTERN_TIME_LIMIT_MS = 1000;

/** The pattern is outside the safe subset (or not a regular expression); `reason` says why, in words. */
export class PatternRefusedError extends Error {
  override name = 'PatternRefusedError';
  constructor(
    message: string,
    /** Not a regular expression at all, rather than one outside the safe subset. */
    readonly syntax = false,
  ) {
    super(message);
  }
}

/** A match ran past PATTERN_TIME_LIMIT_MS and was stopped. */
export class PatternTimeoutError extends Error {
  override name = 'PatternTimeoutError';
  constructor(readonly source: string) {
    super(`matching /${source}/ took longer than ${PATTERN_TIME_LIMIT_MS / 1000} s and was stopped: simplify the pattern`);
  }
}

/** One context for every match, made on the first (a context costs a few milliseconds: not at start-up). */
let sandbox: { context: vm.Context; script: vm.Script } | undefined;
function matchSandbox(): { context: vm.Context; script: vm.Script } {
  sandbox ??= { context: vm.createContext(Object.create(null) as object), script: new vm.Script('re.test(s)') };
  return sandbox;
}

/** What evaluation needs of a pattern (a UserPattern; a RegExp fits too, in tests). */
export interface TextPattern {
  readonly source: string;
  test(text: string): boolean;
}

export class UserPattern implements TextPattern {
  constructor(
    readonly source: string,
    private readonly regex: RegExp,
  ) {}

  /** Whether the pattern matches within the first MAX_PATTERN_INPUT characters; throws PatternTimeoutError. */
  test(text: string): boolean {
    const { context, script } = matchSandbox();
    const scope = context as { re?: RegExp; s?: string };
    scope.re = this.regex;
    scope.s = text.length > MAX_PATTERN_INPUT ? text.slice(0, MAX_PATTERN_INPUT) : text;
    try {
      return script.runInContext(context, { timeout: PATTERN_TIME_LIMIT_MS }) === true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new PatternTimeoutError(this.source);
      throw err;
    } finally {
      scope.re = undefined;
      scope.s = undefined;
    }
  }
}

/** Compiles a user's pattern, or throws PatternRefusedError saying what is wrong with it. */
export function compileUserPattern(source: string): UserPattern {
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (err) {
    throw new PatternRefusedError(`is not a valid regular expression: ${(err as Error).message}`, true);
  }
  const refusal = unsafePatternReason(source);
  if (refusal) throw new PatternRefusedError(refusal);
  return new UserPattern(regex.source, regex);
}

// ---- the safe subset -------------------------------------------------------------------------------

type Node =
  | { type: 'atom'; source: string }
  | { type: 'assertion' }
  | { type: 'group'; alternatives: Node[][] }
  | { type: 'repeat'; node: Node; min: number; max: number };

const UNSAFE_HINT = 'which can take exponential or polynomial time on a long body; rewrite it';

/** Pure: why a (syntactically valid) pattern is outside the safe subset, or undefined when it is inside. */
export function unsafePatternReason(source: string): string | undefined {
  let tree: Node[][];
  try {
    tree = new PatternParser(source).parse();
  } catch (err) {
    if (err instanceof PatternRefusedError) return err.message;
    throw err;
  }
  return checkAlternatives(tree);
}

function checkAlternatives(alternatives: Node[][]): string | undefined {
  for (const seq of alternatives) {
    const r = checkSequence(seq);
    if (r) return r;
  }
  return undefined;
}

function checkSequence(seq: Node[]): string | undefined {
  for (const node of seq) {
    const r = checkNode(node);
    if (r) return r;
  }
  // Unbounded quantifiers side by side (only optional items between) over characters both can take.
  let previous: Node | undefined;
  for (const node of seq) {
    if (node.type === 'repeat' && node.max === Infinity) {
      if (previous && overlaps(atomsOf(previous), atomsOf(node))) {
        return `has unbounded quantifiers side by side over the same characters (like \\d+\\d* or .*.*), ${UNSAFE_HINT} with one quantifier`;
      }
      previous = node;
    } else if (!canBeEmpty(node)) previous = undefined;
  }
  return undefined;
}

function checkNode(node: Node): string | undefined {
  if (node.type === 'group') return checkAlternatives(node.alternatives);
  if (node.type !== 'repeat') return undefined;
  if (node.max > 1 && hasUnbounded(node.node)) {
    return `repeats a group that holds an unbounded quantifier (like (a+)+ or (.*a){20}), ${UNSAFE_HINT} without the nesting`;
  }
  if ((node.max === Infinity || node.max > 10) && node.node.type === 'group') {
    const firsts = node.node.alternatives.map((seq) => firstAtoms(seq));
    for (let i = 0; i < firsts.length; i++)
      for (let j = i + 1; j < firsts.length; j++)
        if (overlaps(firsts[i]!, firsts[j]!)) {
          return `repeats alternatives that can start with the same character (like (a|a)* or (a|ab)*), ${UNSAFE_HINT} so the alternatives differ from their first character`;
        }
  }
  return checkNode(node.node);
}

function hasUnbounded(node: Node): boolean {
  if (node.type === 'repeat') return node.max === Infinity || hasUnbounded(node.node);
  if (node.type === 'group') return node.alternatives.some((seq) => seq.some(hasUnbounded));
  return false;
}

function canBeEmpty(node: Node): boolean {
  if (node.type === 'assertion') return true;
  if (node.type === 'atom') return false;
  if (node.type === 'repeat') return node.min === 0 || canBeEmpty(node.node);
  return node.alternatives.some((seq) => seq.every(canBeEmpty));
}

function atomsOf(node: Node): string[] {
  if (node.type === 'atom') return [node.source];
  if (node.type === 'assertion') return [];
  if (node.type === 'repeat') return atomsOf(node.node);
  return node.alternatives.flatMap((seq) => seq.flatMap(atomsOf));
}

function firstAtoms(seq: Node[]): string[] {
  const out: string[] = [];
  for (const node of seq) {
    out.push(...firstOf(node));
    if (!canBeEmpty(node)) break;
  }
  return out;
}

function firstOf(node: Node): string[] {
  if (node.type === 'atom') return [node.source];
  if (node.type === 'assertion') return [];
  if (node.type === 'repeat') return firstOf(node.node);
  return node.alternatives.flatMap(firstAtoms);
}

/** Characters tried to see whether two atoms can match the same one: ASCII and a few beyond. */
const SAMPLES = [...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)), 'é', 'Ω', 'я', '中', '\u2028', '😀'];
const atomCache = new Map<string, RegExp>();

function atomMatcher(atom: string): RegExp {
  let re = atomCache.get(atom);
  if (!re) {
    re = new RegExp(`^(?:${atom})$`, atom.includes('\\u{') ? 'u' : '');
    atomCache.set(atom, re);
  }
  return re;
}

function overlaps(a: string[], b: string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  return SAMPLES.some((ch) => a.some((x) => atomMatcher(x).test(ch)) && b.some((y) => atomMatcher(y).test(ch)));
}

/** A small parser for the JavaScript pattern syntax (no flags), just enough to judge its shape. */
class PatternParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node[][] {
    const alternatives = this.alternatives();
    if (this.i < this.s.length) throw new PatternRefusedError(`has an unmatched ")" at position ${this.i + 1}`);
    return alternatives;
  }

  private alternatives(): Node[][] {
    const out: Node[][] = [this.sequence()];
    while (this.s[this.i] === '|') {
      this.i++;
      out.push(this.sequence());
    }
    return out;
  }

  private sequence(): Node[] {
    const seq: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      const atom = this.term();
      seq.push(this.quantified(atom));
    }
    return seq;
  }

  private quantified(node: Node): Node {
    const s = this.s;
    let min: number;
    let max: number;
    const c = s[this.i];
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return node;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else return node;
    if (s[this.i] === '?') this.i++;
    return { type: 'repeat', node, min, max };
  }

  private term(): Node {
    const s = this.s;
    const c = s[this.i]!;
    if (c === '^' || c === '$') {
      this.i++;
      return { type: 'assertion' };
    }
    if (c === '(') return this.group();
    if (c === '[') return this.characterClass();
    if (c === '\\') return this.escape();
    this.i++;
    return { type: 'atom', source: c === '.' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') };
  }

  private group(): Node {
    const s = this.s;
    const rest = s.slice(this.i);
    if (/^\(\?<?[=!]/.test(rest))
      throw new PatternRefusedError('uses lookaround ((?=…), (?!…), (?<=…), (?<!…)), which the safe subset does not allow; match the text itself');
    if (rest.startsWith('(?:')) this.i += 3;
    else if (rest.startsWith('(?<')) this.i = s.indexOf('>', this.i) + 1;
    else this.i++;
    const alternatives = this.alternatives();
    this.i++; // ')'
    return { type: 'group', alternatives };
  }

  private characterClass(): Node {
    const s = this.s;
    const start = this.i;
    this.i++;
    if (s[this.i] === '^') this.i++;
    while (this.i < s.length && s[this.i] !== ']') this.i += s[this.i] === '\\' ? 2 : 1;
    this.i++;
    return { type: 'atom', source: s.slice(start, this.i) };
  }

  private escape(): Node {
    const s = this.s;
    const next = s[this.i + 1] ?? '';
    if (/[1-9]/.test(next) || (next === 'k' && s[this.i + 2] === '<')) {
      throw new PatternRefusedError(`uses a backreference (\\${next === 'k' ? 'k<…>' : next}), which the safe subset does not allow`);
    }
    if (next === 'b' || next === 'B') {
      this.i += 2;
      return { type: 'assertion' };
    }
    const m = /^\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|c[a-zA-Z]|.)/s.exec(s.slice(this.i))!;
    this.i += m[0].length;
    return { type: 'atom', source: m[0] };
  }
}
