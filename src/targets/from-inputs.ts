/**
 * Builds a target and a router from action inputs (shared by deploy-canary and rollback), and the
 * serialisable settings the post step rebuilds them from.
 */
import { ConfigurationError } from '../runtime/errors.js';
import type { Inputs } from '../runtime/inputs.js';
import { NginxRouter, type NginxReload, type NginxRouterOptions } from '../traffic/nginx.js';
import { parseComposeCommand } from './compose-command.js';
import { ComposeTarget, type ComposeTargetOptions } from './compose.js';

export function composeOptionsFromInputs(inputs: Inputs, workspace: string): ComposeTargetOptions {
  const target = inputs.choice('target', ['compose', 'kubernetes'] as const, 'compose');
  if (target === 'kubernetes') {
    throw new ConfigurationError('target: kubernetes is not supported yet by this version; use target: compose.', { input: 'target' });
  }
  const files = inputs.list('compose-file');
  return {
    files: files.length ? files : ['docker-compose.yml'],
    project: inputs.optional('project'),
    flavor: parseComposeCommand(inputs.string('compose-command', { default: 'auto' })),
    baseDir: workspace,
  };
}

export function composeTarget(options: ComposeTargetOptions): ComposeTarget {
  return new ComposeTarget(options);
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
  const abs = (p: string): string => (p.startsWith('/') ? p : `${workspace}/${p}`);
  return { upstreamFile: abs(upstreamFile), upstreamName: inputs.optional('nginx-upstream') ?? service, stableAddress, reload };
}

/** Words split on whitespace (no shell: quotes are not interpreted, nothing is expanded). */
export function splitArgv(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

export function nginxRouter(options: NginxRouterOptions): NginxRouter {
  return new NginxRouter(options);
}
