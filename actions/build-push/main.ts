// build-push: build images, tag them from the git ref, push with retries — or promote a tag by digest.
import { readFileSync } from 'node:fs';
import { RegistryClient } from '../../src/registry/distribution.js';
import { lookupDockerCredentials, type RegistryCredentials } from '../../src/registry/docker-credentials.js';
import { DockerCli, createRunDockerConfig, currentDockerConfig } from '../../src/registry/docker.js';
import { parseRegistries } from '../../src/registry/logins.js';
import { isForkPullRequest } from '../../src/registry/push-policy.js';
import { BUILDER_CHOICES, resolveSettings } from '../../src/registry/settings.js';
import { LATEST_POLICIES } from '../../src/registry/tags.js';
import { runBuildPush } from '../../src/release/build-push.js';
import { OperationFailedError, parseYaml, runAction } from '../../src/runtime/index.js';

runAction(async (ctx) => {
  const { inputs, run } = ctx;
  const password = inputs.secret('password');
  const username = inputs.string('username');
  const registriesText = inputs.secret('registries');
  const registries = registriesText ? parseRegistries(parseYaml(registriesText, 'the registries input')) : [];
  for (const r of registries) ctx.mask(r.password);
  const secrets = inputs.secret('secrets');
  const settings = resolveSettings({
    registry: inputs.optional('registry'),
    username,
    passwordGiven: password !== '',
    password,
    registries,
    image: inputs.optional('image'),
    context: inputs.optional('context'),
    file: inputs.optional('file'),
    dockerfile: inputs.optional('dockerfile'),
    target: inputs.optional('target'),
    buildArgs: inputs.optional('build-args'),
    platforms: inputs.list('platforms'),
    images: inputs.yaml('images'),
    tags: inputs.list('tags'),
    semverAliases: inputs.boolean('semver-aliases', false),
    latest: inputs.choice('latest', LATEST_POLICIES, 'never'),
    labels: inputs.optional('labels'),
    cacheFrom: inputs.list('cache-from'),
    cacheTo: inputs.list('cache-to'),
    push: inputs.has('push') ? inputs.boolean('push', true) : undefined,
    fromFork: isForkPullRequest(readEventPayload(process.env.GITHUB_EVENT_PATH)),
    build: {
      annotations: inputs.optional('annotations'),
      buildContexts: inputs.optional('build-contexts'),
      secrets: secrets || undefined,
      secretFiles: inputs.optional('secret-files'),
      ssh: inputs.optional('ssh'),
      outputs: inputs.optional('outputs'),
      provenance: inputs.optional('provenance'),
      sbom: inputs.optional('sbom'),
      network: inputs.optional('network'),
      addHosts: inputs.list('add-hosts'),
      noCache: inputs.boolean('no-cache', false),
      pull: inputs.boolean('pull', false),
      load: inputs.boolean('load', false),
    },
    repositoryOwner: run.repository.split('/')[0],
    promoteFrom: inputs.optional('promote-from'),
    promoteTo: inputs.list('promote-to'),
    git: {
      ref: inputs.string('ref', { default: run.ref }),
      sha: inputs.string('sha', { default: run.sha }),
      eventName: inputs.string('event-name', { default: run.eventName }),
    },
    sourceUrl: run.repository ? `${run.serverUrl}/${run.repository}` : '',
    workspace: run.workspace,
    created: new Date(),
  });
  if (settings.mode === 'build') for (const value of Object.values(settings.secretValues)) ctx.mask(value);
  const options = {
    builder: inputs.choice('builder', BUILDER_CHOICES, 'auto'),
    pushRetries: inputs.integer('push-retries', 3, { min: 0, max: 20 }),
    retryDelayMs: inputs.duration('retry-delay', '2s'),
    pushTimeoutMs: inputs.duration('push-timeout', '10m', { min: 1000 }),
    buildTimeoutMs: inputs.duration('build-timeout', '30m', { min: 1000 }),
    concurrency: inputs.integer('concurrency', 1, { min: 1, max: 16 }),
    dryRun: inputs.boolean('dry-run', false),
    tempDir: run.tempDir,
    ref: run.ref,
  };

  // Logins given to this step first; else what an earlier docker/login-action left in the user's Docker config.
  const userConfig = currentDockerConfig();
  const given = new Map(settings.logins.map((l) => [l.registry, { username: l.username, password: l.password }]));
  const found = new Map<string, Promise<RegistryCredentials | undefined>>();
  const fromConfig = (registry: string): Promise<RegistryCredentials | undefined> => {
    if (!found.has(registry)) {
      found.set(
        registry,
        lookupDockerCredentials(registry, {
          configDir: userConfig,
          signal: ctx.signal,
          mask: ctx.mask,
          onFound: (host, where) => ctx.log.info(`Using the login for ${host} from ${where}.`),
        }),
      );
    }
    return found.get(registry)!;
  };
  const clients = new Map<string, RegistryClient>();
  const registryClient = (registry: string): RegistryClient => {
    let client = clients.get(registry);
    if (!client) {
      client = new RegistryClient({
        registry,
        ...(given.get(registry) ?? { credentials: () => fromConfig(registry) }),
        retries: options.pushRetries,
        baseDelayMs: options.retryDelayMs,
        signal: ctx.signal,
        log: ctx.log,
      });
      clients.set(registry, client);
    }
    return client;
  };

  const report = await runBuildPush(settings, options, {
    log: ctx.log,
    signal: ctx.signal,
    docker: new DockerCli({ log: ctx.log, signal: ctx.signal, redact: ctx.redact }),
    registryClient,
    login: async (docker) => {
      if (settings.logins.length === 0) return docker;
      // The run's own config drops the credential store; logins kept there for the other registries come along.
      const carried: Record<string, RegistryCredentials> = {};
      const pushedTo = settings.mode === 'build' ? settings.plans.map((p) => p.config.image.registry) : [];
      for (const registry of new Set(pushedTo)) {
        if (given.has(registry)) continue;
        const c = await fromConfig(registry);
        if (c) carried[registry] = c;
      }
      // A Docker config of this run only; the post step logs out and deletes it.
      const registries = settings.logins.map((l) => l.registry);
      const configDir = createRunDockerConfig(run.tempDir, userConfig, registries, carried);
      ctx.saveState('docker-config', configDir);
      ctx.saveState('login-registry', registries.join('\n'));
      const loggedIn = docker.withConfig(configDir);
      for (const l of settings.logins) {
        await loggedIn.login(l.registry, l.username, l.password);
        ctx.log.info(`Logged in to ${l.registry} as ${l.username} (DOCKER_CONFIG for this run only; the post step logs out).`);
      }
      return loggedIn;
    },
    planned: (outputs) => {
      for (const [name, value] of Object.entries(outputs)) ctx.setOutput(name, value);
    },
  });
  for (const [name, value] of Object.entries(report.outputs)) ctx.setOutput(name, value);
  if (report.summary) await ctx.writeSummary(report.summary);
  for (const n of report.notices) ctx.log.notice(n);
  if (report.failures.length) throw new OperationFailedError(report.failures.join('\n'));
});

/** The webhook payload of the run (for the fork check); none outside GitHub. */
function readEventPayload(path: string | undefined): unknown {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
