/**
 * The Kubernetes inputs shared by deploy-canary and rollback (pure reading and validation), and the
 * one I/O step before any request: the kubeconfig contents written to a 0600 file in a fresh temp
 * directory (removed by the post step) and the kubectl of `kubectl-version` found or installed.
 * The settings that come out are serialisable and hold the kubeconfig's path, never its contents.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { ensureKubectl, normaliseKubectlVersion } from '../../src/kubernetes/install.js';
import { checkContext, kubeconfigContexts, writeKubeconfigFile } from '../../src/kubernetes/kubeconfig.js';
import type { Kubectl, KObject } from '../../src/kubernetes/kubectl.js';
import { parseManifests, substituteImages, type ManifestSource } from '../../src/targets/kubernetes/manifests.js';
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import type { Logger } from '../../src/runtime/logger.js';
import { runnerToolCache, type ToolCacheApi } from '../../src/runtime/tool-cache.js';

/** How kubectl reaches the cluster. `contents` exists only between reading the inputs and `connectKubernetes`. */
export type KubeconfigSource = { kind: 'job' } | { kind: 'contents'; text: string } | { kind: 'file'; path: string; temporary: boolean };

export interface KubernetesConnection {
  kubeconfig: KubeconfigSource;
  context?: string;
  namespace?: string;
  /** `kubectl-version` as given (normalised); resolved to `binary` by connectKubernetes. */
  kubectlVersion?: string;
  binary?: string;
}

/** The traffic router of a Kubernetes canary, with the names each one needs. */
export type KubernetesRouterSettings =
  | { kind: 'pod-ratio' }
  | { kind: 'smi'; service: string }
  | { kind: 'ingress-nginx'; ingress: string; service: string }
  | { kind: 'gateway-api'; httproute: string; service: string };

export const KUBERNETES_ROUTERS = ['pod-ratio', 'smi', 'ingress-nginx', 'gateway-api'] as const;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Pure: a Kubernetes object name from an input, checked (DNS-1123) so kubectl never gets a flag or a path. */
export function objectName(value: string, input: string): string {
  const v = value.trim();
  if (!NAME.test(v) || v.length > 253) {
    throw new ConfigurationError(`${input}: "${v}" is not a Kubernetes object name (lower-case letters, digits, "-" and "."; e.g. web-api).`, { input });
  }
  return v;
}

/** Pure: the connection inputs; the kubeconfig contents are masked as soon as they are read. */
export function kubernetesConnectionFromInputs(inputs: Inputs, mask: (value: string) => void): KubernetesConnection {
  const text = inputs.secret('kubeconfig');
  const context = inputs.optional('context')?.trim();
  const namespace = inputs.optional('namespace') ? objectName(inputs.string('namespace'), 'namespace') : undefined;
  const kubectlVersion = inputs.optional('kubectl-version') ? normaliseKubectlVersion(inputs.string('kubectl-version')) : undefined;
  if (!text) return { kubeconfig: { kind: 'job' }, context, namespace, kubectlVersion };
  for (const value of kubeconfigSecrets(text)) mask(value);
  if (looksLikePath(text)) {
    throw new ConfigurationError(
      'kubeconfig takes the contents of a kubeconfig file (e.g. ${{ secrets.KUBECONFIG }}), not a path: to use a file on the runner, set KUBECONFIG in the job instead.',
      { input: 'kubeconfig' },
    );
  }
  checkContext(kubeconfigContexts(text, 'kubeconfig'), context);
  return { kubeconfig: { kind: 'contents', text }, context, namespace, kubectlVersion };
}

function looksLikePath(text: string): boolean {
  const t = text.trim();
  return !t.includes('\n') && !t.includes(':') && (t.startsWith('/') || t.startsWith('~') || t.startsWith('.'));
}

const CREDENTIAL_KEYS = new Set([
  'token',
  'password',
  'client-key-data',
  'client-certificate-data',
  'id-token',
  'refresh-token',
  'client-secret',
  'access-token',
]);

/**
 * Pure: what to mask of a kubeconfig: the whole text, every credential value in it (token,
 * password, client key…, at any depth) and each line holding one (the runner masks line by line,
 * so the whole text alone is not enough).
 */
export function kubeconfigSecrets(text: string): string[] {
  const out = new Set<string>([text]);
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (CREDENTIAL_KEYS.has(key) && typeof value === 'string' && value.length >= 3) values.push(value);
        else walk(value);
      }
    }
  };
  try {
    walk(parse(text));
  } catch {
    // not YAML: kubeconfigContexts says so; the whole text is masked all the same
  }
  for (const value of values) {
    out.add(value);
    for (const line of text.split(/\r?\n/)) if (line.includes(value)) out.add(line.trim());
  }
  return [...out];
}

/** Pure: the router and the names it needs; every missing one is named with its fix. */
export function kubernetesRouterFromInputs(inputs: Inputs, deployment: string): KubernetesRouterSettings {
  const kind = inputs.choice('traffic-router', KUBERNETES_ROUTERS, 'pod-ratio');
  const service = objectName(inputs.optional('service') ?? deployment, 'service');
  switch (kind) {
    case 'pod-ratio':
      return { kind };
    case 'smi':
      return { kind, service };
    case 'ingress-nginx':
      return {
        kind,
        ingress: requiredName(
          inputs,
          'ingress',
          'ingress-nginx',
          'the name of the Ingress that serves the stable Service (deploy-kit adds <ingress>-canary beside it)',
        ),
        service,
      };
    case 'gateway-api':
      return {
        kind,
        httproute: requiredName(inputs, 'httproute', 'gateway-api', 'the name of the HTTPRoute whose backendRefs send to the stable Service'),
        service,
      };
  }
}

/**
 * Makes the connection usable: the kubeconfig contents go to a new 0600 file in a fresh temp
 * directory (`onKubeconfigFile` is told its path at once, so the post step can remove it), and
 * `kubectl-version` is resolved to a binary. Touches no cluster.
 */
export async function connectKubernetes(
  connection: KubernetesConnection,
  o: { tempDir: string; log: Logger; onKubeconfigFile?: (path: string) => void; cache?: ToolCacheApi },
): Promise<KubernetesConnection> {
  let kubeconfig = connection.kubeconfig;
  if (kubeconfig.kind === 'contents') {
    await mkdir(o.tempDir, { recursive: true });
    const dir = await mkdtemp(join(o.tempDir, 'deploy-kit-kube-'));
    const path = await writeKubeconfigFile(kubeconfig.text, dir);
    o.onKubeconfigFile?.(path);
    kubeconfig = { kind: 'file', path, temporary: true };
  }
  let binary = connection.binary;
  if (connection.kubectlVersion && !binary) {
    const found = await ensureKubectl({ version: connection.kubectlVersion, cache: o.cache ?? runnerToolCache, log: (m) => o.log.info(m) });
    o.log.info(
      `kubectl ${found.version} (${found.source === 'path' ? 'on PATH' : found.source === 'cache' ? 'from the tool cache' : 'downloaded, checksum verified'}).`,
    );
    binary = found.binary;
  }
  return { ...connection, kubeconfig, ...(binary ? { binary } : {}) };
}

/** Removes a kubeconfig file connectKubernetes wrote, and its temp directory; anything else is left alone. */
export async function removeTemporaryKubeconfig(path: string | undefined): Promise<boolean> {
  if (!path || !/deploy-kit-kubeconfig-[0-9a-f]+$/.test(basename(path)) || !basename(dirname(path)).startsWith('deploy-kit-kube-')) return false;
  await rm(dirname(path), { recursive: true, force: true });
  return true;
}

/** The `manifests` input: paths, directories or globs (relative to the workspace), or one kustomize directory; and `images`. */
export interface ManifestInput {
  paths: string[];
  kustomize: boolean;
  images: string[];
}

/** Pure: the manifests inputs, or undefined without `manifests`. */
export function manifestInputFromInputs(inputs: Inputs): ManifestInput | undefined {
  const paths = inputs.list('manifests');
  const kustomize = inputs.boolean('kustomize', false);
  const images = inputs.list('images');
  if (!paths.length) {
    if (kustomize || images.length) {
      throw new ConfigurationError(`${kustomize ? 'kustomize' : 'images'} applies to the manifests input: give manifests (files, directories or globs).`, {
        input: 'manifests',
      });
    }
    return undefined;
  }
  if (kustomize && paths.length !== 1)
    throw new ConfigurationError('kustomize: true renders one directory: give manifests a single directory holding kustomization.yaml.', {
      input: 'manifests',
    });
  for (const image of images) {
    if (!/^[^\s:@/][^\s]*[:@][^\s/]+$/.test(image)) {
      throw new ConfigurationError(`images: "${image}" has no tag or digest; write it as registry/app:1.4.2 (it replaces the image named registry/app).`, {
        input: 'images',
      });
    }
  }
  return { paths, kustomize, images };
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The manifest files the paths name, in order: files as given, a directory's files sorted (not recursive, as kubectl -f), globs expanded. */
export async function manifestFiles(paths: string[], workspace: string): Promise<string[]> {
  const out: string[] = [];
  for (const given of paths) {
    const path = isAbsolute(given) ? given : resolve(workspace, given);
    const found = /[*?[]/.test(given) ? await expandGlob(path) : await pathFiles(path, given);
    if (!found.length) throw new ConfigurationError(`manifests: "${given}" matches no .yaml, .yml or .json file.`, { input: 'manifests' });
    for (const file of found) if (!out.includes(file)) out.push(file);
  }
  return out;
}

async function pathFiles(path: string, given: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ConfigurationError(`manifests: "${given}" does not exist (paths are relative to the workspace).`, { input: 'manifests' });
  if (info.isFile()) return [path];
  return (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isFile() && MANIFEST_FILE.test(e.name))
    .map((e) => join(path, e.name))
    .sort();
}

/** `*` and `?` within a segment, `**` across directories; only manifest files match. */
async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split('/');
  const first = parts.findIndex((p) => /[*?[]/.test(p));
  const base = parts.slice(0, first).join('/') || '/';
  const source = parts
    .slice(first)
    .map((p) =>
      p === '**'
        ? '(?:.*/)?'
        : `${p
            .replace(/[.+^${}()|\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]')}/`,
    )
    .join('')
    .replace(/\/$/, '');
  const matcher = new RegExp(`^${source}$`);
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => a.name.localeCompare(b.name))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(dir, entry.name), relPath);
      else if (entry.isFile() && MANIFEST_FILE.test(entry.name) && matcher.test(relPath)) out.push(join(dir, entry.name));
    }
  };
  await walk(base, '');
  return out;
}

/** Reads (or renders with `kubectl kustomize`) the manifests, substitutes `images`, and checks every object's shape. */
export async function loadManifests(input: ManifestInput, workspace: string, kubectl: Kubectl): Promise<KObject[]> {
  const sources: ManifestSource[] = [];
  if (input.kustomize) {
    const dir = resolve(workspace, input.paths[0]!);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory())
      throw new ConfigurationError(`manifests: "${input.paths[0]}" is not a directory; kustomize: true renders a kustomization directory.`, {
        input: 'manifests',
      });
    sources.push({ label: `kustomize ${input.paths[0]}`, text: await kubectl.kustomize(dir) });
  } else {
    for (const file of await manifestFiles(input.paths, workspace))
      sources.push({ label: relative(workspace, file) || file, text: await readFile(file, 'utf8') });
  }
  return substituteImages(parseManifests(sources), input.images);
}

/** An object name the chosen traffic-router needs: missing is an error naming the input and what to give. */
function requiredName(inputs: Inputs, input: string, router: string, what: string): string {
  const name = inputs.optional(input);
  if (!name) throw new ConfigurationError(`${input} is required for traffic-router: ${router}: give ${what}.`, { input });
  return objectName(name, input);
}

/** The live Deployment's name (its colours are <deployment>-blue and -green), the live Service and the preview Service. */
export interface BlueGreenNames {
  deployment: string;
  service: string;
  previewService: string;
}

/** deployment (required), service (default: the deployment's name) and preview-service (default: <service>-preview). */
export function readBlueGreenNames(inputs: Inputs): BlueGreenNames {
  const name = inputs.optional('deployment');
  if (!name) {
    throw new ConfigurationError(
      'deployment is required for strategy: blue-green: give the Deployment that serves now (its colours become <deployment>-blue and -green).',
      { input: 'deployment' },
    );
  }
  const deployment = objectName(name, 'deployment');
  const service = objectName(inputs.optional('service') ?? deployment, 'service');
  const previewService = objectName(inputs.optional('preview-service') ?? `${service}-preview`, 'preview-service');
  if (previewService === service) {
    throw new ConfigurationError(
      `preview-service: "${previewService}" is the live service; give the preview Service another name (default: <service>-preview).`,
      {
        input: 'preview-service',
      },
    );
  }
  return { deployment, service, previewService };
}
