/**
 * The build-push use case: from checked settings, either print the plan (dry run), build and push
 * every image, or promote a tag by digest. The entry gives it the Docker CLI, a registry client per
 * image and a login step; it answers with the outputs and the summary, and the failures to report.
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from '../runtime/logger.js';
import { errorMessage } from '../runtime/errors.js';
import type { SummaryBuilder } from '../runtime/summary.js';
import { buildxBuildArgs, classicBuildArgs, pushArgs } from '../registry/build-command.js';
import { runImages } from '../registry/build-push.js';
import type { RegistryClient } from '../registry/distribution.js';
import type { DockerCli } from '../registry/docker.js';
import { promoteImage, type PromoteDestination } from '../registry/promote.js';
import { buildSummary, dockerStyleOutputs, imagesOutput, planSummary, promoteSummary, type PromoteRow } from '../registry/report.js';
import { chooseBuilder, type BuilderChoice, type Settings } from '../registry/settings.js';

export interface BuildPushOptions {
  builder: BuilderChoice;
  pushRetries: number;
  retryDelayMs: number;
  pushTimeoutMs: number;
  buildTimeoutMs: number;
  concurrency: number;
  dryRun: boolean;
  /** For buildx metadata files. */
  tempDir: string;
  /** The git ref, for log lines only. */
  ref: string;
}

export interface BuildPushPorts {
  log: Logger;
  signal: AbortSignal;
  docker: DockerCli;
  /** A registry API client for a registry host, with the credentials this run has for it. */
  registryClient(registry: string): RegistryClient;
  /** Logs in when credentials were given; answers the Docker CLI to use from then on. */
  login(docker: DockerCli): Promise<DockerCli>;
  /** Outputs known before anything runs, so a later step can use them even when a push fails. */
  planned(outputs: Record<string, string | number | object>): void;
}

export interface BuildPushReport {
  outputs: Record<string, string | number | object>;
  /** Absent when there is nothing to report (a promote dry run logs its plan). */
  summary?: SummaryBuilder;
  /** One line per image that failed; empty when all succeeded. */
  failures: string[];
  notices: string[];
}

export async function runBuildPush(settings: Settings, options: BuildPushOptions, ports: BuildPushPorts): Promise<BuildPushReport> {
  if (settings.mode === 'promote') return promote(settings, options, ports);
  return build(settings, options, ports);
}

async function build(settings: Extract<Settings, { mode: 'build' }>, options: BuildPushOptions, ports: BuildPushPorts): Promise<BuildPushReport> {
  const { plans } = settings;
  const { log } = ports;
  for (const p of plans) {
    for (const t of p.skippedTemplates) log.info(`${p.config.key}: tag template "${t}" has no value for ${options.ref || 'this ref'}; left out.`);
    log.info(`${p.config.image.name}: tags ${p.tags.join(', ')}`);
  }
  for (const n of settings.notices) log.notice(n);
  ports.planned({ version: plans[0]!.version, ...dockerStyleOutputs(plans) });
  let docker = ports.docker;
  if (options.dryRun) {
    const buildx = await docker.buildxAvailable();
    const { builder } = chooseBuilder(options.builder, buildx, plans);
    const commands = plans.flatMap((p) =>
      builder === 'buildx' ? [buildxBuildArgs(p.spec)] : [classicBuildArgs(p.spec), ...(settings.push ? p.refs.map(pushArgs) : [])],
    );
    const images = Object.fromEntries(
      plans.map((p) => [p.config.key, { name: p.config.image.name, ref: p.refs[0], digest: '', tags: p.tags, version: p.version }]),
    );
    return {
      outputs: { images, image: plans[0]!.refs[0]! },
      summary: planSummary(plans, commands),
      failures: [],
      notices: ['dry-run: nothing was built or pushed.'],
    };
  }

  // Both answer from the CLI and the engine alone, so they run together (the login does not change them).
  const [, buildxAvailable] = await Promise.all([docker.assertEngine(), docker.buildxAvailable()]);
  docker = await ports.login(docker);
  const { builder, notices } = chooseBuilder(options.builder, buildxAvailable, plans);
  for (const n of notices) log.notice(n);
  mkdirSync(options.tempDir, { recursive: true });
  const results = await runImages(plans, {
    docker,
    builder,
    log,
    signal: ports.signal,
    registryClient: (p) => ports.registryClient(p.config.image.registry),
    buildEnv: settings.secretValues,
    pushRetries: options.pushRetries,
    pushTimeoutMs: options.pushTimeoutMs,
    buildTimeoutMs: options.buildTimeoutMs,
    retryBaseDelayMs: options.retryDelayMs,
    concurrency: options.concurrency,
    tempDir: options.tempDir,
  });
  const first = results[0]!;
  return {
    outputs: {
      images: imagesOutput(results),
      digest: first.digest ?? '',
      image: first.ref,
      imageid: first.imageid ?? '',
      metadata: first.metadata ?? {},
      'push-attempts': results.reduce((n, r) => n + r.pushAttempts, 0),
    },
    summary: buildSummary(results, builder, notices),
    failures: results.filter((r) => r.error).map((r) => `${r.key}: ${r.error}`),
    notices: [],
  };
}

async function promote(settings: Extract<Settings, { mode: 'promote' }>, options: BuildPushOptions, ports: BuildPushPorts): Promise<BuildPushReport> {
  const { log } = ports;
  for (const n of settings.notices) log.notice(n);
  const targets = [...settings.to, ...settings.copies.map((c) => `${c.image.name}:${c.tag}`)];
  if (options.dryRun) {
    for (const i of settings.images) log.info(`would promote ${i.image.name}:${settings.from} → ${targets.join(', ')}`);
    return { outputs: {}, failures: [], notices: ['dry-run: nothing was promoted.'] };
  }
  const rows: PromoteRow[] = [];
  for (const image of settings.images) {
    try {
      const destinations: PromoteDestination[] = settings.copies.map((c) => ({
        client: ports.registryClient(c.image.registry),
        repository: c.image.repository,
        tag: c.tag,
        ref: `${c.image.name}:${c.tag}`,
      }));
      const result = await promoteImage(ports.registryClient(image.image.registry), image.image.repository, settings.from, settings.to, destinations);
      log.info(`${image.image.name}:${settings.from} (${result.digest}) → ${result.to.map((t) => t.ref ?? t.tag).join(', ')}`);
      if (result.blobs) {
        const b = result.blobs;
        log.info(`blobs: ${b.mounted} mounted, ${b.streamed} streamed (${b.bytesStreamed} bytes), ${b.present} already there`);
      }
      rows.push({ name: image.image.name, result });
    } catch (err) {
      rows.push({ name: image.image.name, error: errorMessage(err) });
      if (ports.signal.aborted) break;
    }
  }
  const images = Object.fromEntries(
    settings.images.map((image, i) => {
      const r = rows[i]?.result;
      return [
        image.key,
        {
          name: image.image.name,
          ref: r ? `${image.image.name}@${r.digest}` : '',
          digest: r?.digest ?? '',
          tags: r ? targets : [],
          version: settings.from,
        },
      ];
    }),
  );
  const first = rows[0]?.result;
  return {
    outputs: {
      images,
      digest: first?.digest ?? '',
      image: first ? `${settings.images[0]!.image.name}@${first.digest}` : '',
      version: settings.from,
    },
    summary: promoteSummary(rows, settings.from),
    failures: rows.filter((r) => r.error).map((r) => `${r.name}: ${r.error}`),
    notices: [],
  };
}
