/**
 * A compose project for tests: one `app` service from the fixture image, published on a free
 * 127.0.0.1 port, under a unique project name in a temp directory; `down()` removes everything,
 * the canary service included.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../src/exec/run.js';
import { freePort } from './ports.js';
import { loadServices } from './services.js';

export interface TestComposeProject {
  dir: string;
  file: string;
  project: string;
  service: string;
  stablePort: number;
  /** 127.0.0.1:<stablePort> */
  stableAddress: string;
  flavor: 'v1' | 'v2';
  /** compose command (program + args before the subcommand) for this project, all files included. */
  compose(args: string[]): Promise<string>;
  down(): Promise<void>;
}

export function composeFlavor(): 'v1' | 'v2' {
  const c = (process.env.DK_COMPOSE || loadServices().DK_COMPOSE || 'docker-compose').trim();
  return c === 'docker compose' ? 'v2' : 'v1';
}

export async function createComposeProject(options: { image: string; service?: string; extra?: string }): Promise<TestComposeProject> {
  const dir = await mkdtemp(join(tmpdir(), 'dk-compose-'));
  const project = `dkc${randomBytes(4).toString('hex')}`;
  const service = options.service ?? 'app';
  const stablePort = await freePort();
  const file = join(dir, 'docker-compose.yml');
  await writeFile(
    file,
    `# test project
version: "3.8"
services:
  ${service}:
    image: ${options.image}
    ports:
      - "127.0.0.1:${stablePort}:8080"
    environment:
      PORT: "8080"
${options.extra ?? ''}`,
  );
  const flavor = composeFlavor();
  const compose = async (args: string[]): Promise<string> => {
    const files = ['-f', file];
    const state = join(dir, '.deploy-kit');
    if (existsSync(state)) for (const f of readdirSync(state)) if (f.endsWith('.yml')) files.push('-f', join(state, f));
    const [cmd, pre] = flavor === 'v2' ? ['docker', ['compose']] : ['docker-compose', []];
    const out = await runProgram(cmd, [...pre, '-p', project, ...files, ...args], { cwd: dir, timeoutMs: 120_000 });
    return out.stdout;
  };
  return {
    dir,
    file,
    project,
    service,
    stablePort,
    stableAddress: `127.0.0.1:${stablePort}`,
    flavor,
    compose,
    async down() {
      // By label, so a canary left by a failed test goes too.
      const ids = (await runProgram('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], { timeoutMs: 30_000 })).stdout.trim();
      if (ids) await runProgram('docker', ['rm', '-f', '-v', ...ids.split('\n')], { timeoutMs: 60_000, allowFailure: true });
      await runProgram('docker', ['network', 'rm', `${project}_default`], { timeoutMs: 30_000, allowFailure: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Container ids of a service in a project (by compose's labels). */
export async function serviceContainers(project: string, service: string): Promise<string[]> {
  const out = await runProgram(
    'docker',
    ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`],
    { timeoutMs: 30_000 },
  );
  return out.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Everything a canary scenario needs, real: a compose project running `stableImage` on a free
 * 127.0.0.1 port, nginx routing to it through the router's upstream file, and Prometheus scraping
 * the stable port and the canary's and baseline's fixed ports (labels track=stable|canary|baseline
 * and a scenario label).
 */
export interface CanaryStage {
  project: TestComposeProject;
  nginx: import('./nginx.js').TestNginx;
  prometheus: import('./prometheus.js').TestPrometheus;
  canaryPort: number;
  /** The baseline's fixed port (input baseline-port; scraped with track=baseline). */
  baselinePort: number;
  scenario: string;
  /** Inputs for deploy-canary pointing at all of it. */
  inputs: Record<string, string>;
  stop(): Promise<void>;
}

export async function startCanaryStage(options: {
  stableImage: string;
  prometheus?: import('./prometheus.js').TestPrometheus;
  /** The canaried service's name (default app) and more services for the project (compose YAML under services:). */
  service?: string;
  extra?: string;
}): Promise<CanaryStage> {
  const { startNginx } = await import('./nginx.js');
  const { startPrometheus } = await import('./prometheus.js');
  const { renderUpstream, upstreamServers } = await import('../../src/traffic/nginx-upstream.js');
  const project = await createComposeProject({ image: options.stableImage, service: options.service, extra: options.extra });
  const cleanups: Array<() => Promise<void>> = [() => project.down()];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    await project.compose(['up', '-d']);
    const { waitForHttp } = await import('./fixture-app.js');
    await waitForHttp(`http://${project.stableAddress}/health`, 60_000);
    const nginx = await startNginx({ initialUpstream: (name) => renderUpstream(name, upstreamServers(project.stableAddress, undefined, 0)) });
    cleanups.push(() => nginx.stop());
    const canaryPort = await freePort();
    let baselinePort = await freePort();
    while (baselinePort === canaryPort) baselinePort = await freePort();
    const scenario = project.project;
    const targets = [
      { address: project.stableAddress, labels: { track: 'stable', scenario } },
      { address: `127.0.0.1:${canaryPort}`, labels: { track: 'canary', scenario } },
      { address: `127.0.0.1:${baselinePort}`, labels: { track: 'baseline', scenario } },
    ];
    let prometheus = options.prometheus;
    if (!prometheus) {
      prometheus = await startPrometheus({});
      const p = prometheus;
      cleanups.push(() => p.stop());
    }
    await prometheus.setTargets(targets, { wait: 'discovered' });
    const inputs: Record<string, string> = {
      'compose-file': project.file,
      project: project.project,
      'compose-command': project.flavor === 'v2' ? 'docker compose' : 'docker-compose',
      service: project.service,
      'nginx-upstream-file': nginx.upstreamFile,
      'nginx-upstream': nginx.upstreamName,
      'nginx-config': nginx.config,
      'nginx-prefix': nginx.prefix,
      'stable-address': project.stableAddress,
      'canary-port': String(canaryPort),
      'baseline-port': String(baselinePort),
      'prometheus-url': prometheus.url,
      'metric-labels': `scenario=${scenario}`,
      'health-timeout': '60s',
    };
    return { project, nginx, prometheus, canaryPort, baselinePort, scenario, inputs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `base` with HEALTH_FAIL=1 baked in: its /health answers 503, so docker reports it unhealthy. */
export async function ensureUnhealthyImage(base: string): Promise<string> {
  const tag = `${base}-unhealthy`;
  await runProgram('docker', ['build', '-q', '-t', tag, '-'], { input: `FROM ${base}\nENV HEALTH_FAIL=1\n`, timeoutMs: 120_000 });
  return tag;
}
