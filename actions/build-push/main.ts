// build-push: build images, tag them from the git ref, push with retries — or promote a tag by digest.
import { RegistryClient } from '../../src/registry/distribution.js';
import { DockerCli, createRunDockerConfig } from '../../src/registry/docker.js';
import type { ImageConfig } from '../../src/registry/images-config.js';
import { BUILDER_CHOICES, resolveSettings } from '../../src/registry/settings.js';
import { LATEST_POLICIES } from '../../src/registry/tags.js';
import { runBuildPush } from '../../src/release/build-push.js';
import { OperationFailedError, runAction } from '../../src/runtime/index.js';

runAction(async (ctx) => {
  const { inputs, run } = ctx;
  const password = inputs.secret('password');
  const username = inputs.string('username');
  const settings = resolveSettings({
    registry: inputs.optional('registry'),
    username,
    passwordGiven: password !== '',
    image: inputs.optional('image'),
    context: inputs.optional('context'),
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
    push: inputs.boolean('push', true),
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
  const credentials = username ? { username, password } : {};
  const report = await runBuildPush(settings, options, {
    log: ctx.log,
    signal: ctx.signal,
    docker: new DockerCli({ log: ctx.log, signal: ctx.signal, redact: ctx.redact }),
    registryClient: (image: ImageConfig) =>
      new RegistryClient({
        registry: image.image.registry,
        ...(image.image.registry === settings.loginRegistry ? credentials : {}),
        retries: options.pushRetries,
        baseDelayMs: options.retryDelayMs,
        signal: ctx.signal,
        log: ctx.log,
      }),
    login: async (docker) => {
      if (!settings.loginRegistry || !settings.username) return docker;
      // A Docker config of this run only; the post step logs out and deletes it.
      const configDir = createRunDockerConfig(run.tempDir, undefined, settings.loginRegistry);
      ctx.saveState('docker-config', configDir);
      ctx.saveState('login-registry', settings.loginRegistry);
      const loggedIn = docker.withConfig(configDir);
      await loggedIn.login(settings.loginRegistry, settings.username, password);
      ctx.log.info(`Logged in to ${settings.loginRegistry} as ${settings.username} (DOCKER_CONFIG for this run only; the post step logs out).`);
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
