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
  return out.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}
