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
  return args;
}

export function buildxBuildArgs(spec: BuildSpec): string[] {
  const args = ['buildx', 'build', ...commonArgs(spec)];
  if (spec.platforms.length) args.push('--platform', spec.platforms.join(','));
  for (const c of spec.cacheFrom) args.push('--cache-from', c);
  for (const c of spec.cacheTo) args.push('--cache-to', c);
  if (spec.metadataFile) args.push('--metadata-file', spec.metadataFile);
  // --push sends every tag in one go; without it a single-platform image is loaded into the engine.
  if (spec.push) args.push('--push');
  else if (spec.platforms.length <= 1) args.push('--load');
  args.push(spec.context);
  return args;
}

/** The classic builder: cache options are not passed (the caller says so in a notice). */
export function classicBuildArgs(spec: BuildSpec): string[] {
  const args = ['build', ...commonArgs(spec)];
  if (spec.platforms.length === 1) args.push('--platform', spec.platforms[0]!);
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
