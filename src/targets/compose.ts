/**
 * The compose target: a project run by `docker compose` (v2) or `docker-compose` (v1). The canary
 * is a derived service (the stable one's definition with the new image) in a generated file; the
 * released images are pinned in a release override kept beside the project, so that compose's
 * configuration always says what runs and is never left on an aborted image.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { runProgram, findOnPath, ExecError, type RunResult } from '../exec/run.js';
import { containerStates, localImageDigest, runningContainerIds } from '../registry/docker.js';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import { parseYaml } from '../runtime/yaml.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import {
  composeCommand,
  configArgs,
  portArgs,
  psArgs,
  removeServiceArgs,
  upServiceArgs,
  versionProbe,
  type ComposeFlavor,
  type ComposeProject,
} from './compose-command.js';
import {
  asResolvedConfig,
  baselineServiceName,
  canaryServiceName,
  deriveCanaryService,
  overrideFile,
  requireService,
  targetPortFor,
  type ResolvedConfig,
} from './compose-config.js';
import { sleep } from '../util/sleep.js';
import { judgeContainerStates, type ContainerState } from './health.js';
import type { CanaryHandle, DeploymentTarget, Release, RolloutOptions, ServiceImage, StartCanaryOptions, WaitOptions } from './target.js';

export interface ComposeTargetOptions {
  /** Compose files as given (relative to `baseDir`). */
  files: string[];
  project?: string;
  flavor?: ComposeFlavor | 'auto';
  /** Directory relative paths are resolved against (the workspace). */
  baseDir: string;
  /** Input names for messages. */
  inputs?: { files?: string; project?: string };
  /** Deadline of one compose command that does not wait for containers (config, ps, port). */
  commandTimeoutMs?: number;
  /** Where the router reaches the canary: taken from the stable address the router is given. */
  routing?: CanaryRouting;
  /** Start `<service>-baseline` (the stable image, fresh) with every canary, removed with it. */
  baseline?: boolean;
}

export interface CanaryRouting {
  /** host:port the router reaches the stable service on; the canary gets a matching address. */
  stableAddress?: string;
  /** Fixed host port for the canary's routed port; by default docker picks one. */
  canaryPort?: number;
  /** Fixed host port for the baseline's routed port; by default docker picks one. */
  baselinePort?: number;
}

const POLL_MS = 100;

export class ComposeTarget implements DeploymentTarget {
  readonly kind = 'compose' as const;
  readonly files: string[];
  readonly projectName: string;
  readonly stateDir: string;
  private flavor: ComposeFlavor | 'auto';
  /** The project name on the containers' labels; v2 prints it in `config` (a `name:` in the file wins there). */
  private labelProject: string;
  private resolved?: ResolvedConfig;

  constructor(private readonly options: ComposeTargetOptions) {
    if (options.files.length === 0) throw new ConfigurationError(`${this.filesInput}: give at least one compose file.`, { input: this.filesInput });
    this.files = options.files.map((f) => (isAbsolute(f) ? f : resolve(options.baseDir, f)));
    // As compose chooses it: -p, then COMPOSE_PROJECT_NAME, then the first file's directory.
    this.projectName = normaliseProjectName(options.project ?? (process.env.COMPOSE_PROJECT_NAME || basename(dirname(this.files[0]!))));
    this.labelProject = this.projectName;
    this.flavor = options.flavor ?? 'auto';
    this.stateDir = join(dirname(this.files[0]!), '.deploy-kit');
  }

  private get filesInput(): string {
    return this.options.inputs?.files ?? 'compose-file';
  }

  get releaseFile(): string {
    return join(this.stateDir, `${this.projectName}.release.yml`);
  }

  canaryFile(service: string): string {
    return join(this.stateDir, `${this.projectName}.${service}.canary.yml`);
  }

  get historyLocation(): string {
    return join(this.stateDir, `${this.projectName}.history.json`);
  }

  /** The project lock beside the record: one release action at a time (src/record/project-lock.ts). */
  get lockLocation(): string {
    return join(this.stateDir, `${this.projectName}.lock`);
  }

  async getFlavor(): Promise<ComposeFlavor> {
    if (this.flavor !== 'auto') return this.flavor;
    const v2 = versionProbe('v2');
    try {
      await runProgram(v2.command, v2.args, { timeoutMs: 15_000 });
      this.flavor = 'v2';
      return 'v2';
    } catch {
      // no v2: fall back to v1
    }
    // v1 is a Python program that takes half a second to start: finding it on PATH is enough here,
    // and the first real command reports it if it is broken.
    if (findOnPath(versionProbe('v1').command)) {
      this.flavor = 'v1';
      return 'v1';
    }
    throw new ConfigurationError('Neither "docker compose" (v2) nor "docker-compose" (v1) works on this runner: install one of them, or set compose-command.', {
      input: 'compose-command',
    });
  }

  private async project(extraFiles: string[] = []): Promise<ComposeProject & { extra: string[] }> {
    const files = existsSync(this.releaseFile) ? [...this.files, this.releaseFile] : this.files;
    return { flavor: await this.getFlavor(), project: this.options.project, files, extra: extraFiles };
  }

  private async compose(
    sub: string[],
    options: { extraFiles?: string[]; timeoutMs?: number; signal?: AbortSignal; allowFailure?: boolean } = {},
  ): Promise<RunResult> {
    const project = await this.project();
    const cmd = composeCommand(project, sub, options.extraFiles);
    return runProgram(cmd.command, cmd.args, {
      cwd: dirname(this.files[0]!),
      timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000,
      signal: options.signal,
      allowFailure: options.allowFailure,
    });
  }

  /** Every compose file exists (a ConfigurationError naming the input otherwise): checked before anything is written beside them. */
  checkFilesExist(): void {
    for (const f of this.files) {
      if (!existsSync(f)) {
        throw new ConfigurationError(`${this.filesInput}: ${f} does not exist. Check the path (relative to the workspace).`, { input: this.filesInput });
      }
    }
  }

  /** The resolved configuration (`config`); a broken file is the user's to fix. */
  async config(refresh = false): Promise<ResolvedConfig> {
    if (this.resolved && !refresh) return this.resolved;
    this.checkFilesExist();
    let out: RunResult;
    try {
      out = await this.compose(configArgs());
    } catch (err) {
      if (err instanceof ExecError && err.result.exitCode > 0) {
        const why = (err.result.stderr || err.result.stdout).trim().split('\n').slice(-5).join('\n');
        throw new ConfigurationError(`${this.filesInput}: compose rejects the configuration: ${why}`, { input: this.filesInput });
      }
      throw err;
    }
    this.resolved = asResolvedConfig(parseYaml(out.stdout, 'the resolved compose configuration'), this.files.join(', '));
    if (this.resolved.name) this.labelProject = this.resolved.name;
    return this.resolved;
  }

  async validate(services: string[], input: string): Promise<void> {
    const config = await this.config();
    for (const s of services) requireService(config, s, input, this.files);
  }

  async getCurrentRelease(services: string[], options: { digests?: boolean } = {}): Promise<Release> {
    const config = await this.config();
    const out: ServiceImage[] = [];
    for (const service of services) {
      const def = requireService(config, service, 'service', this.files);
      const image = typeof def.image === 'string' ? def.image : '';
      out.push({ service, image, digest: options.digests === false ? undefined : await localImageDigest(image) });
    }
    return { services: out };
  }

  imageDigest(image: string): Promise<string | undefined> {
    return localImageDigest(image);
  }

  /**
   * `options` may override the routing given to the constructor. With `baseline`, the baseline is
   * derived the same way with the stable image and started by the same `up --force-recreate`, from
   * the same generated file, so both are fresh containers with the same warm-up.
   */
  async startCanary(service: string, image: string, options: StartCanaryOptions & CanaryRouting): Promise<CanaryHandle> {
    const { stableAddress, canaryPort, baselinePort } = { ...this.options.routing, ...definedOnly(options) };
    const config = await this.config();
    const stable = requireService(config, service, 'service', this.files);
    const stableImage = typeof stable.image === 'string' ? stable.image : '';
    const routed = routedPort(stable, stableAddress);
    const canaryName = canaryServiceName(service);
    const labels = { 'deploy-kit.stable-image': stableImage };
    const services = { [canaryName]: deriveCanaryService(stable, { image, routedPort: routed?.containerPort, canaryPort, labels }) };
    const baselineName = this.options.baseline ? baselineServiceName(service) : undefined;
    if (baselineName) {
      services[baselineName] = deriveCanaryService(stable, {
        image: stableImage,
        routedPort: routed?.containerPort,
        canaryPort: baselinePort,
        labels,
        track: 'baseline',
      });
    }
    const file = this.canaryFile(service);
    const what = baselineName ? `the canary of "${service}" and its baseline` : `the canary of "${service}"`;
    await writeFileAtomic(
      file,
      `# generated by deploy-kit: ${what}; removed when the canary ends\n${stringify(overrideFile(config.version, services))}`,
      // It copies the service's resolved environment (secrets included): private.
      { mode: 0o600 },
    );
    const names = Object.keys(services);
    await this.compose(upServiceArgs(names, { forceRecreate: true }), { extraFiles: [file], timeoutMs: options.timeoutMs, signal: options.signal });
    for (const name of names) await this.waitHealthy(name, options);
    return this.handle(service, { canaryName, image, stableImage, baselineName }, routed, file);
  }

  /** The handle with the addresses the router needs (published host ports, or service:port). */
  private async handle(
    service: string,
    h: { canaryName: string; image: string; stableImage: string; baselineName?: string },
    routed: RoutedPort | undefined,
    file: string,
  ): Promise<CanaryHandle> {
    const address = routed ? await this.canaryAddress(h.canaryName, routed, file) : undefined;
    if (!h.baselineName) return { service, canaryName: h.canaryName, image: h.image, stableImage: h.stableImage, address };
    const baselineAddress = routed ? await this.canaryAddress(h.baselineName, routed, file) : undefined;
    return { service, ...h, address, baselineAddress };
  }

  private async canaryAddress(canaryName: string, routed: RoutedPort, file: string): Promise<string> {
    if (!routed.loopback) return `${canaryName}:${routed.containerPort}`;
    const out = await this.compose(portArgs(canaryName, routed.containerPort), { extraFiles: [file] });
    const hostPort = /:(\d+)\s*$/.exec(out.stdout.trim())?.[1];
    if (!hostPort) throw new OperationFailedError(`The canary ${canaryName} publishes no host port for container port ${routed.containerPort}.`);
    return `127.0.0.1:${hostPort}`;
  }

  async findCanary(service: string, stableAddress = this.options.routing?.stableAddress): Promise<CanaryHandle | undefined> {
    const file = this.canaryFile(service);
    if (!existsSync(file)) return undefined;
    const canaryName = canaryServiceName(service);
    const ids = (await this.compose(psArgs(canaryName), { extraFiles: [file] })).stdout.trim();
    if (!ids) return undefined;
    const parsed = asResolvedConfig(parseYaml(await readFile(file, 'utf8'), file), file);
    const def = parsed.services[canaryName] ?? {};
    const labels = (def.labels ?? {}) as Record<string, string>;
    const stable = requireService(await this.config(true), service, 'service', this.files);
    const routed = routedPort(stable, stableAddress);
    // The baseline is routed only while its container runs (one that died is left to removeCanary).
    const baselineName = baselineServiceName(service);
    const baselineRuns = baselineName in parsed.services && (await this.compose(psArgs(baselineName), { extraFiles: [file] })).stdout.trim() !== '';
    const h = {
      canaryName,
      image: String(def.image ?? ''),
      stableImage: labels['deploy-kit.stable-image'] ?? String(stable.image ?? ''),
      ...(baselineRuns ? { baselineName } : {}),
    };
    return this.handle(service, h, routed, file);
  }

  async promote(canary: CanaryHandle, options: WaitOptions): Promise<void> {
    await this.rollout([{ service: canary.service, image: canary.image }], options);
  }

  /** Removes the canary and the baseline (whatever the generated file holds, so also a baseline of an earlier run). */
  async removeCanary(service: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const file = this.canaryFile(service);
    if (!existsSync(file)) return false;
    const inFile = Object.keys(asResolvedConfig(parseYaml(await readFile(file, 'utf8'), file), file).services);
    const names = [canaryServiceName(service), baselineServiceName(service)].filter((name) => inFile.includes(name));
    let removed = false;
    for (const name of names) {
      const ids = (await this.compose(psArgs(name, { all: true }), { extraFiles: [file], signal: options.signal })).stdout.trim();
      if (ids) removed = true;
    }
    if (removed) await this.compose(removeServiceArgs(names), { extraFiles: [file], signal: options.signal, timeoutMs: 120_000 });
    await rm(file, { force: true });
    return removed;
  }

  /** Pins the images in the release override, then recreates each service in order, health-waited. */
  async rollout(updates: ServiceImage[], options: RolloutOptions): Promise<void> {
    const config = await this.config();
    for (const update of updates) requireService(config, update.service, 'services', this.files);
    for (const update of updates) {
      options.onService?.(update);
      await this.pinImage(update.service, update.image, config.version);
      await this.compose(upServiceArgs([update.service]), { timeoutMs: options.timeoutMs, signal: options.signal });
      await this.waitHealthy(update.service, options);
    }
    this.resolved = undefined;
  }

  private async pinImage(service: string, image: string, version: string | undefined): Promise<void> {
    let services: Record<string, Record<string, unknown>> = {};
    if (existsSync(this.releaseFile)) {
      services = asResolvedConfig(parseYaml(await readFile(this.releaseFile, 'utf8'), this.releaseFile), this.releaseFile).services as typeof services;
    }
    services[service] = { ...(services[service] ?? {}), image };
    this.resolved = undefined;
    await writeFileAtomic(
      this.releaseFile,
      `# generated by deploy-kit: the released image of each service; pass it to compose after your files (-f)\n${stringify(overrideFile(version, services))}`,
    );
  }

  /** Running containers of a service (the canary's too), found by compose's labels. */
  private containerIds(service: string, signal?: AbortSignal, all = false): Promise<string[]> {
    return runningContainerIds(containerLabels(this.labelProject, service), { signal, all });
  }

  async waitHealthy(service: string, options: WaitOptions): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    let last = 'no container yet';
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason ?? new OperationFailedError('cancelled');
      let ids = await this.containerIds(service, options.signal);
      // None running after `up`: one that died (killed, crashed) fails the wait at once, not at its deadline.
      if (ids.length === 0) ids = await this.containerIds(service, options.signal, true);
      const states = (await containerStates(ids, { signal: options.signal })) as unknown as ContainerState[];
      const verdict = judgeContainerStates(states);
      if (verdict.status === 'healthy') return;
      if (verdict.status === 'failed') throw new OperationFailedError(`${service} is not healthy: ${verdict.reason}`);
      last = verdict.reason;
      if (Date.now() >= deadline) {
        throw new OperationFailedError(`${service} did not become healthy within ${Math.round(options.timeoutMs / 1000)}s (${last}).`);
      }
      await sleep(POLL_MS, options.signal);
    }
  }
}

/** Compose labels its containers with project and service; docker answers in milliseconds, compose v1 in half a second. */
function containerLabels(project: string, service: string): Record<string, string> {
  return { 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.oneoff': 'False' };
}

/** The keys of `options` whose value is not undefined (so they do not hide a constructor default). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

interface RoutedPort {
  containerPort: number;
  loopback: boolean;
}

/** Which container port the router reaches, from the stable address (published host port or service:port). */
function routedPort(stable: Record<string, unknown>, stableAddress: string | undefined): RoutedPort | undefined {
  if (!stableAddress) return undefined;
  const m = /^(.*):(\d+)$/.exec(stableAddress);
  if (!m) return undefined;
  const host = m[1]!;
  const port = Number(m[2]);
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  if (!loopback) return { containerPort: port, loopback };
  const target = targetPortFor(stable, port);
  if (target === undefined) {
    throw new ConfigurationError(
      `stable-address is ${stableAddress}, but the service publishes no host port ${port}; give the address the router reaches the stable service on.`,
      {
        input: 'stable-address',
      },
    );
  }
  return { containerPort: target, loopback };
}

/** The project name as compose labels containers with it: lower-cased, only a-z 0-9 _ - kept. */
export function normaliseProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}
