import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigurationError } from './errors.js';

/** Parses YAML text; a syntax error names the source and its line. */
export function parseYaml(text: string, source: string): unknown {
  return parseYamlWithLines(text, source).value;
}

/** The line (1-based) where the value at a path (keys and list indexes) starts, when the document has it. */
export type LineOf = (path: ReadonlyArray<string | number>) => number | undefined;

/** Like parseYaml, and tells on which line each value is, for messages about a valid YAML that says something wrong. */
export function parseYamlWithLines(text: string, source: string): { value: unknown; lineOf: LineOf } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    const first = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigurationError(`${source} is not valid YAML${line ? ` (line ${line})` : ''}: ${first}`, {
      input: source,
      line,
    });
  }
  return { value: doc.toJS({ maxAliasCount: 100 }), lineOf: (path) => lineAt(doc, lines, path) };
}

function lineAt(doc: Document, lines: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  // The deepest node that exists on the path: a wrong key's parent is still a good pointer.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

export interface YamlSource {
  value: unknown;
  /** The file it was read from (absolute), or undefined for inline YAML. */
  file?: string;
  /** A name for messages: the file path as given, or `the <input> input`. */
  label: string;
  /** Where a value of the document is (line of the file or of the inline text). */
  lineOf?: LineOf;
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
      return { ...parseYamlWithLines(readFileSync(path, 'utf8'), text), file: path, label: text };
    }
    if (/\.(ya?ml|json)$/i.test(text)) {
      throw new ConfigurationError(`${inputName}: the file "${text}" does not exist (looked in ${baseDir}). Check the path, or give the YAML inline.`, {
        input: inputName,
      });
    }
  }
  const label = `the ${inputName} input`;
  return { ...parseYamlWithLines(raw, label), label };
}
