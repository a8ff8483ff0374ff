/**
 * Build, tag and push images: the plan (tags, labels, command lines) is pure; the run builds each
 * image with buildx or the classic builder, pushes with retries on transient failures, and reads
 * the digest back from the registry.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExecError, lastLines } from '../exec/run.js';
import { isObject } from '../util/shape.js';
import { retry } from '../http/backoff.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { buildxBuildArgs, classicBuildArgs, classicBuildEnv, imageRefs, ociLabels, pushArgs, type BuildOptions, type BuildSpec } from './build-command.js';
import type { RegistryClient } from './distribution.js';
import type { DockerCli } from './docker.js';
import { parseBuildxMetadata, parsePushDigest } from './docker.js';
import type { ImageConfig } from './images-config.js';
import { summariseManifest } from './promote.js';
import { classifyPushFailure, type PushFailureKind } from './push-errors.js';
import { computeTags, type GitRef, type TagOptions } from './tags.js';

export type Builder = 'buildx' | 'classic';

export interface PlanOptions {
  git: GitRef;
  tags: TagOptions;
  /** Labels for every image, on top of the OCI ones. */
  labels: Record<string, string>;
  sourceUrl: string;
  created: Date;
  cacheFrom: string[];
  cacheTo: string[];
  push: boolean;
  options?: BuildOptions;
}

export interface ImagePlan {
  config: ImageConfig;
  version: string;
  tags: string[];
  refs: string[];
  skippedTemplates: string[];
  labels: Record<string, string>;
  spec: BuildSpec;
}

/** Tags, labels and the build spec of every image. Throws a ConfigurationError on any bad tag. */
export function planImages(images: ImageConfig[], options: PlanOptions): ImagePlan[] {
  return images.map((config) => {
    const tagPlan = computeTags(options.git, {
      ...options.tags,
      templates: [...options.tags.templates, ...config.tags],
      templatesField: options.tags.templatesField,
    });
    const labels = {
      ...ociLabels({ sourceUrl: options.sourceUrl, revision: options.git.sha, version: tagPlan.version, created: options.created }),
      ...options.labels,
      ...config.labels,
    };
    const refs = imageRefs(config.image.name, tagPlan.tags);
    return {
      config,
      version: tagPlan.version,
      tags: tagPlan.tags,
      refs,
      skippedTemplates: tagPlan.skipped,
      labels,
      spec: {
        context: config.context,
        dockerfile: config.dockerfile,
        target: config.target,
        buildArgs: config.buildArgs,
        labels,
        refs,
        platforms: config.platforms,
        cacheFrom: options.cacheFrom,
        cacheTo: options.cacheTo,
        push: options.push,
        options: options.options,
      },
    };
  });
}

export interface PushAttempt {
  attempt: number;
  ref: string;
  error: string;
  kind: PushFailureKind;
}

export interface ImageResult {
  key: string;
  name: string;
  tags: string[];
  version: string;
  /** `name@digest` when pushed, else `name:<first tag>`. */
  ref: string;
  digest?: string;
  /** The registry's Docker-Content-Digest for the first tag matched the pushed digest. */
  verified: boolean;
  size?: number;
  platforms: string[];
  buildMs: number;
  pushMs: number;
  /** Push attempts in all (1 when the first succeeded). */
  pushAttempts: number;
  /** The failed attempts that were retried or ended the push. */
  failedAttempts: PushAttempt[];
  builder: Builder;
  /** The image's config digest (docker's image ID), when known. */
  imageid?: string;
  /** buildx's metadata file, or its equivalent keys for the classic builder. */
  metadata?: Record<string, unknown>;
  labels?: Record<string, string>;
  error?: string;
}

export interface RunDeps {
  docker: DockerCli;
  builder: Builder;
  log: Logger;
  signal?: AbortSignal;
  /** A registry API client for an image's registry (to verify the digest and read the size). */
  registryClient?: (plan: ImagePlan) => RegistryClient | undefined;
  pushRetries: number;
  pushTimeoutMs: number;
  buildTimeoutMs: number;
  retryBaseDelayMs: number;
  concurrency: number;
  /** Directory for buildx metadata files. */
  tempDir: string;
  /** Extra environment of the build command (the variables that carry `secrets` to buildx). */
  buildEnv?: Record<string, string>;
}

export async function runImages(plans: ImagePlan[], deps: RunDeps): Promise<ImageResult[]> {
  const results: ImageResult[] = new Array(plans.length);
  let next = 0;
  const prefix = deps.concurrency > 1 && plans.length > 1;
  const worker = async (): Promise<void> => {
    while (next < plans.length) {
      const i = next++;
      results[i] = await runImage(plans[i]!, deps, prefix);
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, plans.length) }, worker));
  return results;
}

async function runImage(plan: ImagePlan, deps: RunDeps, prefixLines: boolean): Promise<ImageResult> {
  const { config } = plan;
  const result: ImageResult = {
    key: config.key,
    name: config.image.name,
    tags: plan.tags,
    version: plan.version,
    ref: plan.refs[0]!,
    verified: false,
    platforms: config.platforms,
    buildMs: 0,
    pushMs: 0,
    pushAttempts: 0,
    failedAttempts: [],
    builder: deps.builder,
    labels: plan.labels,
  };
  const log = (line: string): void => deps.log.info(prefixLines ? `[${config.key}] ${line}` : line);
  const grouped = <T>(name: string, fn: () => Promise<T>): Promise<T> => (prefixLines ? fn() : deps.log.group(name, fn));
  try {
    if (deps.builder === 'buildx') await buildxBuildPush(plan, deps, result, log, grouped);
    else await classicBuildPush(plan, deps, result, log, grouped);
    if (result.digest) result.ref = `${config.image.name}@${result.digest}`;
  } catch (err) {
    result.error = errorMessage(err);
    if (deps.signal?.aborted) throw err;
  }
  return result;
}

type Grouped = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

async function classicBuildPush(plan: ImagePlan, deps: RunDeps, result: ImageResult, log: (l: string) => void, grouped: Grouped): Promise<void> {
  // The runner's temp dir may not have our sub-folder yet; docker does not create it for --iidfile.
  mkdirSync(deps.tempDir, { recursive: true, mode: 0o700 });
  const iidFile = join(deps.tempDir, `iid-${plan.config.key}-${process.pid}-${Date.now()}`);
  const started = performance.now();
  await grouped(`Build ${plan.config.key} (docker build)`, () =>
    deps.docker.run(classicBuildArgs({ ...plan.spec, iidFile }), {
      env: classicBuildEnv(deps.docker.env()),
      timeoutMs: deps.buildTimeoutMs,
      onLine: (l) => log(l),
    }),
  );
  result.buildMs = performance.now() - started;
  const iid = existsSync(iidFile) ? readFileSync(iidFile, 'utf8').trim() : '';
  rmSync(iidFile, { force: true });
  if (/^sha256:[a-f0-9]{64}$/.test(iid)) result.imageid = iid;
  result.metadata = classicMetadata(plan, result);
  if (!plan.spec.push) return;
  const pushStarted = performance.now();
  let verifying: Promise<void> | undefined;
  await grouped(`Push ${plan.config.key} (${plan.refs.length} tag${plan.refs.length === 1 ? '' : 's'})`, async () => {
    for (const ref of plan.refs) {
      const r = await retryingPush(ref, deps, result, log, () => deps.docker.run(pushArgs(ref), { timeoutMs: deps.pushTimeoutMs, onLine: (l) => log(l) }));
      const pushed = parsePushDigest(r.stdout);
      if (!pushed) throw new Error(`docker push ${ref} printed no digest:\n${lastLines(r.stdout, 5)}`);
      if (result.digest && result.digest !== pushed.digest) {
        throw new Error(`docker push ${ref} gave digest ${pushed.digest}, but the first tag got ${result.digest}.`);
      }
      result.digest = pushed.digest;
      // The registry is asked for the digest while the other tags are pushed (verify never throws).
      verifying ??= verify(plan, deps, result);
    }
  });
  result.pushMs = performance.now() - pushStarted;
  result.metadata = classicMetadata(plan, result);
  await verifying;
}

/** The keys of buildx's metadata file that the classic builder can tell too. */
function classicMetadata(plan: ImagePlan, result: ImageResult): Record<string, unknown> {
  const metadata: Record<string, unknown> = { 'image.name': plan.refs.join(',') };
  if (result.imageid) metadata['containerimage.config.digest'] = result.imageid;
  if (result.digest) metadata['containerimage.digest'] = result.digest;
  return metadata;
}

async function buildxBuildPush(plan: ImagePlan, deps: RunDeps, result: ImageResult, log: (l: string) => void, grouped: Grouped): Promise<void> {
  const metadataFile = join(deps.tempDir, `buildx-metadata-${plan.config.key}-${process.pid}-${Date.now()}.json`);
  const spec = { ...plan.spec, metadataFile };
  const started = performance.now();
  const build = () => deps.docker.run(buildxBuildArgs(spec), { env: deps.docker.env(deps.buildEnv), timeoutMs: deps.buildTimeoutMs, onLine: (l) => log(l) });
  // buildx builds and pushes in one command; a transient push failure reruns it (the build is cached).
  await grouped(`Build and push ${plan.config.key} (docker buildx build)`, () =>
    plan.spec.push ? retryingPush(plan.refs[0]!, deps, result, log, build) : build(),
  );
  result.buildMs = performance.now() - started;
  const text = existsSync(metadataFile) ? readFileSync(metadataFile, 'utf8') : '';
  rmSync(metadataFile, { force: true });
  result.metadata = parseJsonObject(text);
  const config = result.metadata?.['containerimage.config.digest'];
  if (typeof config === 'string') result.imageid = config;
  if (!plan.spec.push) return;
  const digest = parseBuildxMetadata(text);
  if (!digest) throw new Error(`docker buildx build wrote no containerimage.digest to ${metadataFile}.`);
  result.digest = digest;
  await verify(plan, deps, result);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function retryingPush<T>(ref: string, deps: RunDeps, result: ImageResult, log: (l: string) => void, push: () => Promise<T>): Promise<T> {
  const outcome = await retry(
    async () => {
      result.pushAttempts++;
      return push();
    },
    {
      maxAttempts: deps.pushRetries + 1,
      policy: { initialMs: deps.retryBaseDelayMs, maxMs: 60_000, factor: 2, jitter: 0.5 },
      signal: deps.signal,
      retryable: (err) => failureKind(err) === 'transient',
      onRetry: ({ attempt, error, delayMs }) => {
        const text = failureText(error);
        result.failedAttempts.push({ attempt, ref, error: text, kind: 'transient' });
        deps.log.warning(
          `Push of ${ref} failed transiently (attempt ${attempt} of ${deps.pushRetries + 1}): ${text}. Retrying in ${(delayMs / 1000).toFixed(1)}s.`,
        );
      },
    },
  );
  if (outcome.ok) return outcome.value as T;
  const kind = failureKind(outcome.error);
  const error = failureText(outcome.error);
  result.failedAttempts.push({ attempt: outcome.attempts, ref, error, kind });
  log(`push failed: ${error}`);
  const why =
    kind === 'auth'
      ? 'the registry refused the credentials (not retried): check username and password, and that the account may push to this repository'
      : kind === 'name'
        ? 'the registry rejected the name (not retried): check the image name'
        : kind === 'transient'
          ? `still failing after ${outcome.attempts} attempt(s) (push-retries: ${deps.pushRetries})`
          : 'not a transient failure, so not retried';
  throw new Error(`Pushing ${ref} failed — ${why}: ${error}`);
}

function failureText(err: unknown): string {
  if (err instanceof ExecError) {
    if (err.result.timedOut) return `timed out after ${Math.round(err.result.durationMs / 1000)}s`;
    return lastLines(err.result.stderr || err.result.stdout, 3).replace(/\s*\n\s*/g, ' / ');
  }
  return errorMessage(err);
}

function failureKind(err: unknown): PushFailureKind {
  if (err instanceof ExecError && err.result.timedOut) return 'transient';
  return classifyPushFailure(failureText(err));
}

/** Reads the first tag back from the registry: its digest must be the pushed one. Warns instead of throwing. */
async function verify(plan: ImagePlan, deps: RunDeps, result: ImageResult): Promise<void> {
  const client = deps.registryClient?.(plan);
  if (!client) return;
  try {
    const head = await client.headManifest(plan.config.image.repository, plan.tags[0]!);
    if (head?.digest !== result.digest) {
      deps.log.warning(`${plan.refs[0]} is ${head?.digest ?? 'missing'} in the registry, not the pushed ${result.digest}: another push may have moved it.`);
      return;
    }
    result.verified = true;
    const manifest = await client.getManifest(plan.config.image.repository, result.digest!);
    const summary = await summariseManifest(client, plan.config.image.repository, manifest);
    result.size = summary.size;
    if (summary.platforms.length) result.platforms = summary.platforms;
  } catch (err) {
    deps.log.warning(`Could not read ${plan.refs[0]} back from the registry to check its digest: ${errorMessage(err)}`);
  }
}
