/**
 * The composition root of the release actions (deploy-canary, its post step, rollback): target,
 * router and record settings read from inputs (serialisable, so the post step rebuilds from state),
 * and the one factory that turns settings into the DeploymentTarget, TrafficRouter and
 * ReleaseRecord the use cases in src/release drive. The only place that names a target or router
 * class (ComposeTarget, KubernetesTarget, NginxRouter, the Kubernetes routers) above src/targets and src/traffic.
 */
import { DeploymentHistory, type ReleaseRecord } from '../../src/record/history.js';
import { FileLockStore, type LockStore } from '../../src/record/project-lock.js';
import type { ActionContext } from '../../src/runtime/action.js';
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import { parseComposeCommand } from '../../src/targets/compose-command.js';
import { ComposeTarget, type CanaryRouting, type ComposeTargetOptions } from '../../src/targets/compose.js';
import type { DeploymentTarget } from '../../src/targets/target.js';
import { NginxRouter, type NginxReload, type NginxRouterOptions } from '../../src/traffic/nginx.js';
import { validateServerAddress } from '../../src/traffic/nginx-upstream.js';
import type { TrafficRouter } from '../../src/traffic/router.js';
import { Kubectl, type KObject } from '../../src/kubernetes/kubectl.js';
import { KubernetesRecord } from '../../src/targets/kubernetes/record.js';
import { KubernetesLockStore } from '../../src/targets/kubernetes/lock.js';
import { KubernetesTarget } from '../../src/targets/kubernetes/target.js';
import { KubernetesBlueGreen } from '../../src/targets/kubernetes/blue-green.js';
import type { BlueGreenTarget } from '../../src/targets/blue-green.js';
import { GatewayApiRouter } from '../../src/traffic/kubernetes/gateway-api.js';
import { IngressNginxRouter } from '../../src/traffic/kubernetes/ingress-nginx.js';
import { PodRatioRouter } from '../../src/traffic/kubernetes/pod-ratio.js';
import { SmiRouter } from '../../src/traffic/kubernetes/smi.js';
import type { KubernetesConnection, KubernetesRouterSettings, ManifestInput } from './kubernetes.js';

export const TARGETS = ['compose', 'kubernetes'] as const;

export function targetKind(inputs: Inputs): (typeof TARGETS)[number] {
  return inputs.choice('target', TARGETS, 'compose');
}

export function composeOptionsFromInputs(inputs: Inputs, workspace: string): ComposeTargetOptions {
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

/** Compose: the project, and for a canary the nginx router and where the canary is published. */
export interface ComposeTargetSettings {
  kind: 'compose';
  compose: ComposeTargetOptions;
  router?: NginxRouterOptions;
  canaryPort?: number;
  /** Start a baseline with every canary (judge: compare), reached on `baselinePort` when given. */
  baseline?: boolean;
  baselinePort?: number;
}

/** Kubernetes: the connection (a kubeconfig path once connected), the container, and for a canary its router. */
export interface KubernetesTargetSettings {
  kind: 'kubernetes';
  connection: KubernetesConnection;
  /** The container that takes the image (default: the only one, or the one whose repository matches). */
  container?: string;
  baseline?: boolean;
  canaryReplicas?: number;
  router?: KubernetesRouterSettings;
  /** strategy rolling from the `manifests` input: what to read, then (once read) the objects, images substituted. */
  manifestInput?: ManifestInput;
  manifests?: KObject[];
}

/** Serialisable (the post step rebuilds target and router from it), discriminated on `kind`. */
export type TargetSettings = ComposeTargetSettings | KubernetesTargetSettings;

/** What the factory needs beyond the settings: not serialisable, or the run's own. */
export interface FactoryContext {
  historyLimit: number;
  /** Redacts masked values from what kubectl prints before it reaches a message. */
  redact?: (text: string) => string;
  /** The commit the record names (Kubernetes annotations). */
  commit?: string;
}

export function factoryContext(ctx: Pick<ActionContext, 'redact' | 'run'>, historyLimit: number): FactoryContext {
  return { historyLimit, redact: ctx.redact, commit: ctx.run.sha || undefined };
}

export function kubectlFor(settings: KubernetesTargetSettings, context: FactoryContext): Kubectl {
  const { connection } = settings;
  if (connection.kubeconfig.kind === 'contents')
    throw new Error('the kubeconfig contents were not written to a file (connectKubernetes) before the factory ran');
  return new Kubectl({
    ...(connection.binary ? { binary: connection.binary } : {}),
    ...(connection.kubeconfig.kind === 'file' ? { kubeconfig: connection.kubeconfig.path } : {}),
    context: connection.context,
    namespace: connection.namespace,
    redact: context.redact,
  });
}

/** The target and the record of its deployments. */
export function createTarget(settings: TargetSettings, context: FactoryContext): { target: DeploymentTarget; record: ReleaseRecord } {
  if (settings.kind === 'kubernetes') {
    const kubectl = kubectlFor(settings, context);
    const target = new KubernetesTarget({
      kubectl,
      container: settings.container,
      baseline: settings.baseline,
      canaryReplicas: settings.canaryReplicas,
      input: 'deployment',
      ...(settings.manifests ? { manifests: settings.manifests } : {}),
    });
    return { target, record: new KubernetesRecord(kubectl, { commit: context.commit, limit: context.historyLimit }) };
  }
  const routing: CanaryRouting | undefined = settings.router
    ? { stableAddress: settings.router.stableAddress, canaryPort: settings.canaryPort, baselinePort: settings.baselinePort }
    : undefined;
  const target = new ComposeTarget({ ...settings.compose, ...(routing ? { routing } : {}), ...(settings.baseline ? { baseline: true } : {}) });
  return { target, record: new DeploymentHistory(target.historyLocation, context.historyLimit) };
}

/** The project lock beside the record: a file beside the Compose history, a ConfigMap beside the Kubernetes one. */
export function createLockStore(settings: TargetSettings, context: FactoryContext): LockStore {
  if (settings.kind === 'kubernetes') return new KubernetesLockStore(kubectlFor(settings, context));
  // The lock lives beside the compose files: a path that does not exist is refused before any directory is made for it.
  const target = new ComposeTarget(settings.compose);
  target.checkFilesExist();
  return new FileLockStore(target.lockLocation);
}

/** Blue-green (Kubernetes only): the colours of `deployment` behind the live and preview Services, and the record. */
export function createBlueGreen(
  settings: KubernetesTargetSettings,
  names: { deployment: string; service: string; previewService: string },
  context: FactoryContext,
): { target: BlueGreenTarget; record: ReleaseRecord } {
  const kubectl = kubectlFor(settings, context);
  const target = new KubernetesBlueGreen({ kubectl, ...names, container: settings.container });
  return { target, record: new KubernetesRecord(kubectl, { commit: context.commit, limit: context.historyLimit }) };
}

/** The canary's traffic router; `service` is the stable workload (the Deployment on Kubernetes). */
export function createRouter(settings: TargetSettings, service: string, context: FactoryContext, timeoutMs?: number): TrafficRouter {
  if (!settings.router) throw new Error(`no router settings for the ${settings.kind} canary`);
  if (settings.kind === 'compose') return new NginxRouter(settings.router);
  const kubectl = kubectlFor(settings, context);
  const router = settings.router;
  switch (router.kind) {
    case 'pod-ratio':
      return new PodRatioRouter({ kubectl, deployment: service, timeoutMs });
    case 'smi':
      return new SmiRouter({ kubectl, service: router.service });
    case 'ingress-nginx':
      return new IngressNginxRouter({ kubectl, ingress: router.ingress, service: router.service });
    case 'gateway-api':
      return new GatewayApiRouter({ kubectl, route: router.httproute, service: router.service });
  }
}
