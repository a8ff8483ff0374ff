/**
 * GitHub's published OpenAPI description (@octokit/openapi, api.github.com, OpenAPI 3.0): validates a
 * response body against the schema of its operation and status, and makes the smallest object a
 * schema accepts (so a stand-in's answers have every field the real API sends, not only the few a
 * test cares about).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  nullable?: boolean;
  format?: string;
  minimum?: number;
  maximum?: number;
};

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

let spec: Spec | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function load(): { spec: Spec; ajv: Ajv } {
  if (!spec || !ajv) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
    // strict off: the description carries OpenAPI keywords (example, x-github, …) that are not JSON Schema.
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(rebase({ components: spec.components }) as object, 'github');
  }
  return { spec, ajv };
}

/**
 * OpenAPI 3.0 → JSON Schema: `#/components/...` references point at the shared `github` schema (so
 * each operation's schema compiles alone), and `nullable: true` becomes "or null".
 */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? `github${v}` : rebase(v)]));
  if (nullable !== true) return out;
  if (typeof out.type === 'string' && !out.$ref) {
    return { ...out, type: [out.type, 'null'], ...(Array.isArray(out.enum) ? { enum: [...(out.enum as unknown[]), null] } : {}) };
  }
  return { anyOf: [out, { type: 'null' }] };
}

/** The errors of `body` against the spec's schema for `method path` answering `status`; [] when it conforms. */
export function validateGitHubResponse(method: string, pathTemplate: string, status: number, body: unknown): string[] {
  const { spec, ajv } = load();
  const key = `${method.toLowerCase()} ${pathTemplate} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const operation = spec.paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${pathTemplate} is not an operation of the GitHub API`];
    const response = operation.responses[String(status)];
    if (!response) return [`${method} ${pathTemplate} never answers ${status} (it answers ${Object.keys(operation.responses).join(', ')})`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return body === undefined || body === '' ? [] : [`${method} ${pathTemplate} ${status} has no body in the API description`];
    validate = ajv.compile(rebase(schema) as object);
    validators.set(key, validate);
  }
  if (validate(body)) return [];

  return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** The smallest value `components.schemas[name]` accepts, with `overrides` merged in (deeply, for objects). */
export function githubObject<T = Record<string, unknown>>(name: string, overrides: Record<string, unknown> = {}): T {
  const { spec } = load();
  const schema = spec.components.schemas[name];
  if (!schema) throw new Error(`no schema ${name} in the GitHub API description`);
  return merge(synthesise(schema, spec, 0), overrides) as T;
}

let counter = 1000;

function synthesise(schema: Schema, spec: Spec, depth: number): unknown {
  if (schema.$ref) return synthesise(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!, spec, depth);
  if (schema.allOf) return schema.allOf.reduce<unknown>((acc, s) => merge(acc, synthesise(s, spec, depth)), {});
  const alternative = schema.anyOf ?? schema.oneOf;
  if (alternative) return synthesise(alternative[0]!, spec, depth);
  if (schema.nullable && depth > 0) return null;
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) {
        const prop = schema.properties?.[key];
        out[key] = prop ? synthesise(prop, spec, depth + 1) : null;
      }
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof schema.maximum === 'number' ? (schema.minimum ?? 0) : counter++;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'uri' || schema.format === 'url') return 'https://github.example/x';
      if (schema.format === 'email') return 'someone@example.com';
      return 'x';
    default:
      // no type: any value is accepted
      return schema.properties ? synthesise({ ...schema, type: 'object' }, spec, depth) : null;
  }
}

function merge(base: unknown, over: unknown): unknown {
  if (isPlain(base) && isPlain(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
