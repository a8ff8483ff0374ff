/**
 * The composition root of the release actions (deploy-canary, its post step, rollback): target,
 * router and record settings read from inputs (serialisable, so the post step rebuilds from state),
 * and the one factory that turns settings into the DeploymentTarget, TrafficRouter and
 * ReleaseRecord the use cases in src/release drive. The only place that names ComposeTarget or
 * NginxRouter above src/targets and src/traffic.
 */
import { DeploymentHistory, type ReleaseRecord } from '../../src/record/history.js';
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import { parseComposeCommand } from '../../src/targets/compose-command.js';
import { ComposeTarget, type CanaryRouting, type ComposeTargetOptions } from '../../src/targets/compose.js';
import type { DeploymentTarget } from '../../src/targets/target.js';
import { NginxRouter, type NginxReload, type NginxRouterOptions } from '../../src/traffic/nginx.js';
import { validateServerAddress } from '../../src/traffic/nginx-upstream.js';
import type { TrafficRouter } from '../../src/traffic/router.js';

export function composeOptionsFromInputs(inputs: Inputs, workspace: string): ComposeTargetOptions {
  const target = inputs.choice('target', ['compose', 'kubernetes'] as const, 'compose');
  if (target === 'kubernetes') {
    throw new ConfigurationError('target: kubernetes is not supported yet by this version; use target: compose.', { input: 'target' });
  }
  const files = inputs.list('compose-file');
  const project = inputs.optional('project');
  // Compose's own rule for project names, checked before compose is run.
  if (project !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(project)) {
    throw new ConfigurationError(
      `project is "${project}": a compose project name has lower-case letters, digits, "-" and "_", and starts with a letter or digit.`,
      {
        input: 'project',
      },
    );
  }
  return {
    files: files.length ? files : ['docker-compose.yml'],
    project,
    flavor: parseComposeCommand(inputs.string('compose-command', { default: 'auto' })),
    baseDir: workspace,
  };
}

/** Router settings; every missing one is named with its fix. */
export function nginxOptionsFromInputs(inputs: Inputs, service: string, workspace: string): NginxRouterOptions {
  inputs.choice('router', ['nginx'] as const, 'nginx');
  const upstreamFile = inputs.optional('nginx-upstream-file');
  if (!upstreamFile) {
    throw new ConfigurationError(
      'nginx-upstream-file is required for router: nginx: give the file nginx includes the upstream block from (e.g. /etc/nginx/conf.d/upstreams/app.conf).',
      {
        input: 'nginx-upstream-file',
      },
    );
  }
  const stableAddress = inputs.optional('stable-address');
  if (!stableAddress) {
    throw new ConfigurationError(
      'stable-address is required for router: nginx: give host:port nginx reaches the stable service on (e.g. 127.0.0.1:8080 or app:8080).',
      {
        input: 'stable-address',
      },
    );
  }
  const command = inputs.optional('nginx-reload-command');
  const reload: NginxReload = command
    ? { kind: 'command', argv: splitArgv(command) }
    : { kind: 'nginx', config: inputs.optional('nginx-config'), prefix: inputs.optional('nginx-prefix') };
  validateServerAddress(stableAddress, 'stable-address');
  const abs = (p: string): string => (p.startsWith('/') ? p : `${workspace}/${p}`);
  return { upstreamFile: abs(upstreamFile), upstreamName: inputs.optional('nginx-upstream') ?? service, stableAddress, reload };
}

/** Words split on whitespace (no shell: quotes are not interpreted, nothing is expanded). */
export function splitArgv(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

export interface TargetSettings {
  compose: ComposeTargetOptions;
  historyLimit: number;
  /** For a canary: the router's settings, from which the target learns where the canary is reached. */
  router?: NginxRouterOptions;
  canaryPort?: number;
  /** Start a baseline with every canary (judge: compare), reached on `baselinePort` when given. */
  baseline?: boolean;
  baselinePort?: number;
}

/** The target and the record of its deployments. */
export function createTarget(settings: TargetSettings): { target: DeploymentTarget; record: ReleaseRecord } {
  const routing: CanaryRouting | undefined = settings.router
    ? { stableAddress: settings.router.stableAddress, canaryPort: settings.canaryPort, baselinePort: settings.baselinePort }
    : undefined;
  const target = new ComposeTarget({ ...settings.compose, ...(routing ? { routing } : {}), ...(settings.baseline ? { baseline: true } : {}) });
  return { target, record: new DeploymentHistory(target.historyLocation, settings.historyLimit) };
}

export function createRouter(settings: NginxRouterOptions): TrafficRouter {
  return new NginxRouter(settings);
}
