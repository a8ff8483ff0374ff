/**
 * `${{ }}` for the template runner, evaluated by GitHub's own expression library over plain JS contexts,
 * with the status functions the runner decides (success, failure, always, cancelled).
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';

export const contextNames = ['github', 'inputs', 'vars', 'secrets', 'env', 'steps', 'job', 'needs', 'runner', 'matrix', 'strategy'];

export interface JobStatus {
  /** A step (or a needed job) before this point failed. */
  failed: boolean;
  cancelled: boolean;
}

export type Contexts = Record<string, unknown>;

type Fn = { name: string; minArgs: number; maxArgs: number; call: (...args: data.ExpressionData[]) => data.ExpressionData };

function statusFunctions(status: JobStatus): Fn[] {
  const fn = (name: string, value: () => boolean): Fn => ({ name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) });
  return [
    fn('success', () => !status.failed && !status.cancelled),
    fn('failure', () => status.failed),
    fn('always', () => true),
    fn('cancelled', () => status.cancelled),
  ];
}

function toData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function toPlain(value: data.ExpressionData | undefined): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, data.replacer)) as unknown;
}

/** Evaluates one expression (without `${{ }}`) to a plain JS value. */
export function evaluate(expression: string, contexts: Contexts, status: JobStatus = { failed: false, cancelled: false }): unknown {
  const functions = statusFunctions(status);
  try {
    const lexed = new Lexer(expression).lex();
    const parsed = new Parser(lexed.tokens, contextNames, functions).parse();
    const dict = new data.Dictionary();
    for (const name of contextNames) dict.add(name, toData(contexts[name] ?? {}));
    const result = new Evaluator(parsed, dict, new Map(functions.map((f) => [f.name, f]))).evaluate();
    return toPlain(result);
  } catch (err) {
    throw new Error(`cannot evaluate \${{ ${expression} }}: ${(err as Error).message}`, { cause: err });
  }
}

/** GitHub's coercion of an expression's result into an input / env string. */
export function asString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  return !(typeof value === 'number' && Number.isNaN(value));
}

const interpolation = /\$\{\{([\s\S]*?)\}\}/g;

/** A YAML scalar with any `${{ }}` in it: one whole expression keeps its type, otherwise a string. */
export function interpolate(text: unknown, contexts: Contexts, status?: JobStatus): unknown {
  if (typeof text !== 'string') return text;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(text);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, contexts, status);
  return text.replace(interpolation, (_m, expr: string) => asString(evaluate(expr, contexts, status)));
}

export function interpolateString(text: unknown, contexts: Contexts, status?: JobStatus): string {
  return asString(interpolate(text, contexts, status));
}

/**
 * An `if:` condition as the runner reads it: `${{ }}` optional, and `success() && (…)` implied when
 * the condition calls no status function.
 */
export function condition(text: unknown, contexts: Contexts, status: JobStatus): boolean {
  if (text === undefined || text === null || text === '') return !status.failed && !status.cancelled;
  if (typeof text === 'boolean') return text && !status.failed && !status.cancelled;
  let expr = String(text).trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expr);
  if (wrapped) expr = wrapped[1]!.trim();
  if (!/\b(success|failure|always|cancelled)\s*\(/i.test(expr)) expr = `success() && (${expr})`;
  return truthy(evaluate(expr, contexts, status));
}
