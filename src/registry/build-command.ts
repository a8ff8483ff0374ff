/**
 * The docker command lines, as pure functions so both builders are tested without running them:
 * `docker buildx build` when buildx answers (hosted runners), else the classic `docker build` +
 * `docker push`.
 */

export interface BuildSpec {
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Full references, e.g. `ghcr.io/org/backend:1.2.3`. */
  refs: string[];
  platforms: string[];
  cacheFrom: string[];
  cacheTo: string[];
  push: boolean;
  /** buildx writes the pushed digest here (`containerimage.digest`). */
  metadataFile?: string;
  /** The classic builder writes the image ID here (`--iidfile`), sparing a `docker image inspect`. */
  iidFile?: string;
  /** The options named as docker/build-push-action names them; absent = none given. */
  options?: BuildOptions;
}

/** Step-wide build options, by docker/build-push-action's input names. */
export interface BuildOptions {
  annotations: string[];
  /** `name` → `value` (another directory, `docker-image://…`, `target:stage`, a URL). */
  buildContexts: Record<string, string>;
  /** Secret ids whose values reach buildx through the environment variable named here (never a command line). */
  secretEnv: Record<string, string>;
  /** Secret id → file path. */
  secretFiles: Record<string, string>;
  ssh: string[];
  provenance?: string;
  sbom?: string;
  outputs: string[];
  noCache: boolean;
  pull: boolean;
  network?: string;
  addHosts: string[];
  load: boolean;
}

export const NO_BUILD_OPTIONS: BuildOptions = {
  annotations: [],
  buildContexts: {},
  secretEnv: {},
  secretFiles: {},
  ssh: [],
  outputs: [],
  noCache: false,
  pull: false,
  addHosts: [],
  load: false,
};

/** The inputs given that only buildx can honour (the classic builder has no equivalent): empty when none. */
export function buildxOnlyInputs(options: BuildOptions): string[] {
  const used: string[] = [];
  if (options.annotations.length) used.push('annotations');
  if (Object.keys(options.buildContexts).length) used.push('build-contexts');
  if (Object.keys(options.secretEnv).length) used.push('secrets');
  if (Object.keys(options.secretFiles).length) used.push('secret-files');
  if (options.ssh.length) used.push('ssh');
  if (options.provenance !== undefined) used.push('provenance');
  if (options.sbom !== undefined) used.push('sbom');
  if (options.outputs.length) used.push('outputs');
  return used;
}

export interface OciLabelSource {
  /** `https://github.com/org/repo`, or empty outside GitHub. */
  sourceUrl: string;
  revision: string;
  version: string;
  created: Date;
}

/** The OCI annotation keys as image labels (https://github.com/opencontainers/image-spec/blob/main/annotations.md). */
export function ociLabels(source: OciLabelSource): Record<string, string> {
  const labels: Record<string, string> = {};
  if (source.sourceUrl) labels['org.opencontainers.image.source'] = source.sourceUrl;
  if (source.revision) labels['org.opencontainers.image.revision'] = source.revision;
  if (source.version) labels['org.opencontainers.image.version'] = source.version;
  labels['org.opencontainers.image.created'] = source.created.toISOString();
  return labels;
}

function commonArgs(spec: BuildSpec): string[] {
  const args = ['--file', spec.dockerfile];
  for (const ref of spec.refs) args.push('--tag', ref);
  for (const [k, v] of Object.entries(spec.buildArgs)) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`);
  if (spec.target) args.push('--target', spec.target);
  const o = spec.options ?? NO_BUILD_OPTIONS;
  if (o.noCache) args.push('--no-cache');
  if (o.pull) args.push('--pull');
  if (o.network) args.push('--network', o.network);
  for (const h of o.addHosts) args.push('--add-host', h);
  return args;
}

/** What only `docker buildx build` takes. */
function buildxOptionArgs(o: BuildOptions): string[] {
  const args: string[] = [];
  for (const a of o.annotations) args.push('--annotation', a);
  for (const [name, value] of Object.entries(o.buildContexts)) args.push('--build-context', `${name}=${value}`);
  for (const [id, variable] of Object.entries(o.secretEnv)) args.push('--secret', `id=${id},env=${variable}`);
  for (const [id, path] of Object.entries(o.secretFiles)) args.push('--secret', `id=${id},src=${path}`);
  for (const s of o.ssh) args.push('--ssh', s);
  if (o.provenance !== undefined) args.push(`--provenance=${o.provenance}`);
  if (o.sbom !== undefined) args.push(`--sbom=${o.sbom}`);
  for (const out of o.outputs) args.push('--output', out);
  return args;
}

export function buildxBuildArgs(spec: BuildSpec): string[] {
  const args = ['buildx', 'build', ...commonArgs(spec)];
  if (spec.platforms.length) args.push('--platform', spec.platforms.join(','));
  for (const c of spec.cacheFrom) args.push('--cache-from', c);
  for (const c of spec.cacheTo) args.push('--cache-to', c);
  const o = spec.options ?? NO_BUILD_OPTIONS;
  args.push(...buildxOptionArgs(o));
  if (spec.metadataFile) args.push('--metadata-file', spec.metadataFile);
  // --push sends every tag in one go; without it a single-platform image is loaded into the engine.
  // With outputs the user chose the exporters; push and load were refused beside them.
  if (o.outputs.length === 0) {
    if (spec.push) args.push('--push');
    if (o.load || (!spec.push && spec.platforms.length <= 1)) args.push('--load');
  }
  args.push(spec.context);
  return args;
}

/** The classic builder: cache options are not passed (the caller says so in a notice); buildx-only options were refused. */
export function classicBuildArgs(spec: BuildSpec): string[] {
  const args = ['build', ...commonArgs(spec)];
  if (spec.platforms.length === 1) args.push('--platform', spec.platforms[0]!);
  if (spec.iidFile) args.push('--iidfile', spec.iidFile);
  args.push(spec.context);
  return args;
}

export function pushArgs(ref: string): string[] {
  return ['push', ref];
}

/** The environment for the classic builder: recent docker CLIs refuse `docker build` without buildx unless BuildKit is off. */
export function classicBuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, DOCKER_BUILDKIT: '0' };
}

/** `repo:tag` for each tag. */
export function imageRefs(name: string, tags: readonly string[]): string[] {
  return tags.map((t) => `${name}:${t}`);
}
