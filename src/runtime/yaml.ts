import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigurationError } from './errors.js';

/** Parses YAML text; a syntax error names the source and its line. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    const first = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigurationError(`${source} is not valid YAML${line ? ` (line ${line})` : ''}: ${first}`, {
      input: source,
      line,
    });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

export interface YamlSource {
  value: unknown;
  /** The file it was read from (absolute), or undefined for inline YAML. */
  file?: string;
  /** A name for messages: the file path as given, or `the <input> input`. */
  label: string;
}

/**
 * An input that holds either a path to a YAML file or the YAML itself. A single line that names
 * an existing file (relative to `baseDir`, the workspace) is read; a single line ending in
 * .yml/.yaml/.json that does not exist is an error that names the path; anything else is YAML.
 */
export function loadYamlInput(raw: string, inputName: string, baseDir: string): YamlSource {
  const text = raw.trim();
  const oneLine = !text.includes('\n');
  if (oneLine && text !== '') {
    const path = isAbsolute(text) ? text : resolve(baseDir, text);
    if (existsSync(path) && statSync(path).isFile()) {
      return { value: parseYaml(readFileSync(path, 'utf8'), text), file: path, label: text };
    }
    if (/\.(ya?ml|json)$/i.test(text)) {
      throw new ConfigurationError(`${inputName}: the file "${text}" does not exist (looked in ${baseDir}). Check the path, or give the YAML inline.`, {
        input: inputName,
      });
    }
  }
  const label = `the ${inputName} input`;
  return { value: parseYaml(raw, label), label };
}
