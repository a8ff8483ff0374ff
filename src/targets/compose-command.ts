/**
 * Pure builders of docker compose command lines, for both `docker compose` (v2, on the hosted
 * runners) and `docker-compose` (v1, what Debian ships). The callers run them through src/exec.
 */
import { ConfigurationError } from '../runtime/errors.js';

export type ComposeFlavor = 'v2' | 'v1';

export interface ComposeProject {
  flavor: ComposeFlavor;
  /** Project name (-p); undefined lets compose derive it from the directory. */
  project?: string;
  /** Compose files in order (-f), absolute paths. */
  files: string[];
}

export interface CommandLine {
  command: string;
  args: string[];
}

/** `docker compose …` or `docker-compose …` with the project and files in front of the subcommand. */
export function composeCommand(p: ComposeProject, subcommand: string[], extraFiles: string[] = []): CommandLine {
  const global: string[] = [];
  if (p.project) global.push('-p', p.project);
  for (const f of [...p.files, ...extraFiles]) global.push('-f', f);
  return p.flavor === 'v2'
    ? { command: 'docker', args: ['compose', ...global, ...subcommand] }
    : { command: 'docker-compose', args: [...global, ...subcommand] };
}

/** The resolved configuration, as YAML (both flavours print YAML by default). */
export function configArgs(): string[] {
  return ['config'];
}

/** Create or recreate one service's containers without touching its dependencies or building. */
export function upServiceArgs(services: string[], options: { forceRecreate?: boolean } = {}): string[] {
  const args = ['up', '-d', '--no-deps', '--no-build'];
  if (options.forceRecreate) args.push('--force-recreate');
  return [...args, ...services];
}

/** Stop and remove a service's containers (`rm -s -f` exists in both flavours). */
export function removeServiceArgs(services: string[]): string[] {
  return ['rm', '-s', '-f', ...services];
}

/** Container ids of a service (running or not with `all`). */
export function psArgs(service: string, options: { all?: boolean } = {}): string[] {
  return options.all ? ['ps', '-a', '-q', service] : ['ps', '-q', service];
}

/** The host address a container port is published on. */
export function portArgs(service: string, containerPort: number): string[] {
  return ['port', service, String(containerPort)];
}

/** The version probe used to pick a flavour. */
export function versionProbe(flavor: ComposeFlavor): CommandLine {
  return flavor === 'v2' ? { command: 'docker', args: ['compose', 'version'] } : { command: 'docker-compose', args: ['version'] };
}

/** `compose-command` input: auto, `docker compose` or `docker-compose`. */
export function parseComposeCommand(text: string, input = 'compose-command'): ComposeFlavor | 'auto' {
  const v = text.trim().replace(/\s+/g, ' ');
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'docker compose' || v === 'v2') return 'v2';
  if (v === 'docker-compose' || v === 'v1') return 'v1';
  throw new ConfigurationError(`${input} is "${text}": use auto, "docker compose" (v2) or "docker-compose" (v1).`, { input });
}
