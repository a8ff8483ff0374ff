import { ConfigurationError } from './errors.js';
import { parseBoolean, parseDuration, parseEnum, parseInteger, parseList, parsePercent } from './parse.js';
import type { SecretRegistry } from './secrets.js';
import { loadYamlInput, type YamlSource } from './yaml.js';

/** Where raw input text comes from: the runner's INPUT_* variables, or a test's map. */
export type InputSource = (name: string) => string;

/**
 * Typed access to an action's inputs. Every accessor names the input in its error. An input that
 * is empty counts as not given, so defaults declared in action.yml and here agree.
 */
export class Inputs {
  constructor(
    private readonly source: InputSource,
    private readonly secrets: SecretRegistry,
    private readonly onSecret: (form: string) => void,
    private readonly workspace: string,
  ) {}

  private raw(name: string): string {
    return (this.source(name) ?? '').trim();
  }

  has(name: string): boolean {
    return this.raw(name) !== '';
  }

  string(name: string, options: { default?: string; required?: boolean } = {}): string {
    const v = this.raw(name);
    if (v !== '') return v;
    if (options.required) throw missing(name);
    return options.default ?? '';
  }

  optional(name: string): string | undefined {
    const v = this.raw(name);
    return v === '' ? undefined : v;
  }

  /** Like string(), and the value is masked at once (as a URL: whole and by its password). */
  secret(name: string, options: { required?: boolean } = {}): string {
    const v = this.source(name) ?? '';
    if (v.trim() === '') {
      if (options.required) throw missing(name);
      return '';
    }
    for (const form of this.secrets.add(v)) this.onSecret(form);
    return v.trim();
  }

  boolean(name: string, defaultValue: boolean): boolean {
    const v = this.raw(name);
    return v === '' ? defaultValue : parseBoolean(v, name);
  }

  integer(name: string, defaultValue: number, range: { min?: number; max?: number } = {}): number {
    const v = this.raw(name);
    return v === '' ? defaultValue : parseInteger(v, name, range);
  }

  /** Milliseconds. */
  duration(name: string, defaultValue: string, options: { min?: number } = {}): number {
    const v = this.raw(name) || defaultValue;
    const ms = parseDuration(v, name);
    if (options.min !== undefined && ms < options.min) {
      throw new ConfigurationError(`${name} is ${v}: it must be at least ${options.min}ms.`, { input: name });
    }
    return ms;
  }

  percent(name: string, defaultValue: number): number {
    const v = this.raw(name);
    return v === '' ? defaultValue : parsePercent(v, name);
  }

  list(name: string, options: { required?: boolean } = {}): string[] {
    const items = parseList(this.source(name) ?? '');
    if (items.length === 0 && options.required) throw missing(name);
    return items;
  }

  choice<T extends string>(name: string, allowed: readonly T[], defaultValue: T): T {
    const v = this.raw(name);
    return v === '' ? defaultValue : parseEnum(v, name, allowed);
  }

  /** A YAML block or a path to a YAML file (relative to the workspace). */
  yaml(name: string, options: { required?: boolean } = {}): YamlSource | undefined {
    const v = this.source(name) ?? '';
    if (v.trim() === '') {
      if (options.required) throw missing(name);
      return undefined;
    }
    return loadYamlInput(v, name, this.workspace);
  }
}

function missing(name: string): ConfigurationError {
  return new ConfigurationError(`Input required and not supplied: ${name}. Add it under "with:" in your workflow step.`, {
    input: name,
  });
}
