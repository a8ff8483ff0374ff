/**
 * The images to build: one from the single-image inputs, or a YAML list of several. Everything is
 * checked here — names, keys, build args, context and Dockerfile — before any build starts.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigurationError } from '../runtime/errors.js';
import { assertKnownKeys, parseList } from '../runtime/parse.js';
import { parseImageName, type ImageName } from './reference.js';

export const IMAGE_KEYS = ['name', 'image', 'context', 'dockerfile', 'target', 'build-args', 'tags', 'labels', 'platforms'] as const;

export interface ImageInput {
  name?: string;
  image: string;
  context?: string;
  dockerfile?: string;
  target?: string;
  buildArgs?: unknown;
  tags?: unknown;
  labels?: unknown;
  platforms?: unknown;
}

export interface ImageConfig {
  /** Key in the `images` output, e.g. `backend`. */
  key: string;
  image: ImageName;
  /** Absolute paths. */
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  /** Extra tag templates for this image only. */
  tags: string[];
  labels: Record<string, string>;
  platforms: string[];
}

export interface ResolveOptions {
  workspace: string;
  registry?: string;
  /** Promote needs names only: context and Dockerfile are not checked. */
  namesOnly?: boolean;
}

/** Reads the `images` input's YAML value into image inputs; `where` names it for errors. */
export function imagesFromYaml(value: unknown, where: string): ImageInput[] {
  const items = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : undefined;
  if (!items || items.length === 0) {
    throw new ConfigurationError(`${where} must be a YAML list of images, e.g.\n- name: backend\n  image: ghcr.io/org/backend\n  context: backend`, {
      input: 'images',
    });
  }
  return items.map((item, i) => {
    const at = `images[${i}]`;
    if (typeof item === 'string') return { image: item };
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new ConfigurationError(`${at} must be an image name or a mapping with image, context, dockerfile, …`, { input: 'images' });
    }
    const o = item as Record<string, unknown>;
    assertKnownKeys(o, IMAGE_KEYS, `${at}${typeof o.name === 'string' ? ` ("${o.name}")` : ''}`);
    for (const k of ['name', 'image', 'context', 'dockerfile', 'target'] as const) {
      if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'string') {
        throw new ConfigurationError(`${at}.${k} must be a string.`, { input: 'images' });
      }
    }
    if (typeof o.image !== 'string' || o.image.trim() === '') {
      throw new ConfigurationError(`${at} has no image: give its name, e.g. image: ghcr.io/org/backend.`, { input: 'images' });
    }
    return {
      name: o.name as string | undefined,
      image: o.image,
      context: o.context as string | undefined,
      dockerfile: o.dockerfile as string | undefined,
      target: o.target as string | undefined,
      buildArgs: o['build-args'],
      tags: o.tags,
      labels: o.labels,
      platforms: o.platforms,
    };
  });
}

/** `fromYaml`: the inputs came from the `images` list (errors name `images[i].key`), else from the single-image inputs. */
export function resolveImages(inputs: ImageInput[], options: ResolveOptions, fromYaml: boolean): ImageConfig[] {
  const configs = inputs.map((input, i) => resolveImage(input, fromYaml ? `images[${i}]` : 'image', options));
  const seen = new Map<string, number>();
  configs.forEach((c, i) => {
    const prior = seen.get(c.key);
    if (prior !== undefined) {
      throw new ConfigurationError(`images[${i}] and images[${prior}] are both named "${c.key}": give each a distinct name.`, { input: 'images' });
    }
    seen.set(c.key, i);
  });
  return configs;
}

function resolveImage(input: ImageInput, at: string, options: ResolveOptions): ImageConfig {
  const field = at === 'image' ? 'image' : `${at}.image`;
  const image = parseImageName(input.image, field, options.registry);
  const key = input.name?.trim() || basename(image.name);
  const sub = (k: string): string => (at === 'image' ? k : `${at}.${k}`);
  const context = resolve(options.workspace, input.context?.trim() || '.');
  let dockerfile = resolveDockerfile(input.dockerfile?.trim(), context, options.workspace);
  if (!options.namesOnly) {
    if (!existsSync(context) || !statSync(context).isDirectory()) {
      throw new ConfigurationError(`${sub('context')}: the build context "${input.context ?? '.'}" is not a directory (looked for ${context}).`, {
        input: sub('context'),
      });
    }
    if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
      throw new ConfigurationError(
        `${sub('dockerfile')}: no Dockerfile at ${displayPath(dockerfile, options.workspace)}. Give the path with dockerfile (relative to the workspace or the context).`,
        { input: sub('dockerfile') },
      );
    }
  } else {
    dockerfile = dockerfile || join(context, 'Dockerfile');
  }
  const target = input.target?.trim() || undefined;
  if (target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) {
    throw new ConfigurationError(`${sub('target')} is "${target}", which is not a build stage name (letters, digits, _ . -).`, { input: sub('target') });
  }
  return {
    key,
    image,
    context,
    dockerfile,
    target,
    buildArgs: parseKeyValues(input.buildArgs, sub('build-args'), /^[A-Za-z_][A-Za-z0-9_]*$/),
    tags: stringList(input.tags, sub('tags')),
    labels: parseKeyValues(input.labels, sub('labels'), /^[A-Za-z0-9][A-Za-z0-9._/-]*$/),
    platforms: platformList(input.platforms, sub('platforms')),
  };
}

/** Relative to the workspace as `docker build -f` would be from the repository root; else relative to the context. */
function resolveDockerfile(given: string | undefined, context: string, workspace: string): string {
  if (!given) return join(context, 'Dockerfile');
  if (isAbsolute(given)) return given;
  const fromWorkspace = resolve(workspace, given);
  if (existsSync(fromWorkspace)) return fromWorkspace;
  const fromContext = resolve(context, given);
  return existsSync(fromContext) ? fromContext : fromWorkspace;
}

function displayPath(path: string, workspace: string): string {
  const rel = relative(workspace, path);
  return rel.startsWith('..') ? path : rel;
}

/** `KEY=VALUE` lines/commas or a YAML mapping. */
export function parseKeyValues(value: unknown, field: string, keyPattern: RegExp): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  const out: Record<string, string> = {};
  const add = (k: string, v: string): void => {
    if (!keyPattern.test(k)) throw new ConfigurationError(`${field}: "${k}" is not a valid name.`, { input: field });
    out[k] = v;
  };
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') throw new ConfigurationError(`${field}.${k} must be a string, number or boolean.`, { input: field });
      add(k, v === null ? '' : String(v));
    }
    return out;
  }
  const lines = Array.isArray(value)
    ? value.map(String)
    : String(value)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigurationError(`${field}: "${line}" is not KEY=VALUE.`, { input: field });
    add(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  return out;
}

export function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) {
    return value
      .map((v) => {
        if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigurationError(`${field} must be a list of strings.`, { input: field });
        return String(v).trim();
      })
      .filter(Boolean);
  }
  if (typeof value === 'string' || typeof value === 'number') return parseList(String(value));
  throw new ConfigurationError(`${field} must be a list of strings.`, { input: field });
}

export function platformList(value: unknown, field: string): string[] {
  const platforms = stringList(value, field);
  for (const p of platforms) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(p)) {
      throw new ConfigurationError(`${field}: "${p}" is not a platform such as linux/amd64 or linux/arm64/v8.`, { input: field });
    }
  }
  return platforms;
}
