// build-push: build images, tag them from the git ref, push with retries — or promote a tag by digest.
import { mkdirSync } from 'node:fs';
import { buildxBuildArgs, classicBuildArgs, pushArgs } from '../../src/registry/build-command.js';
import { runImages } from '../../src/registry/build-push.js';
import { RegistryClient } from '../../src/registry/distribution.js';
import { DockerCli, createRunDockerConfig } from '../../src/registry/docker.js';
import type { ImageConfig } from '../../src/registry/images-config.js';
import { promoteTag } from '../../src/registry/promote.js';
import { buildSummary, imagesOutput, planSummary, promoteSummary, type PromoteRow } from '../../src/registry/report.js';
import { BUILDER_CHOICES, chooseBuilder, resolveSettings, type Settings } from '../../src/registry/settings.js';
import { LATEST_POLICIES } from '../../src/registry/tags.js';
import { OperationFailedError, errorMessage, runAction, type ActionContext } from '../../src/runtime/index.js';

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
  const builderChoice = inputs.choice('builder', BUILDER_CHOICES, 'auto');
  const pushRetries = inputs.integer('push-retries', 3, { min: 0, max: 20 });
  const retryDelayMs = inputs.duration('retry-delay', '2s');
  const pushTimeoutMs = inputs.duration('push-timeout', '10m', { min: 1000 });
  const buildTimeoutMs = inputs.duration('build-timeout', '30m', { min: 1000 });
  const concurrency = inputs.integer('concurrency', 1, { min: 1, max: 16 });
  const dryRun = inputs.boolean('dry-run', false);
  const credentials = username ? { username, password } : {};
  const clientFor = (image: ImageConfig): RegistryClient =>
    new RegistryClient({
      registry: image.image.registry,
      ...(image.image.registry === settings.loginRegistry ? credentials : {}),
      retries: pushRetries,
      baseDelayMs: retryDelayMs,
      signal: ctx.signal,
      log: ctx.log,
    });

  if (settings.mode === 'promote') return promote(ctx, settings, clientFor, dryRun);

  const { plans } = settings;
  for (const p of plans) {
    for (const t of p.skippedTemplates) ctx.log.info(`${p.config.key}: tag template "${t}" has no value for ${run.ref || 'this ref'}; left out.`);
    ctx.log.info(`${p.config.image.name}: tags ${p.tags.join(', ')}`);
  }
  // Known before anything runs, so a later step can use them even when a push fails.
  ctx.setOutput('version', plans[0]!.version);
  ctx.setOutput('tags', plans[0]!.refs.join('\n'));
  let docker = new DockerCli({ log: ctx.log, signal: ctx.signal, redact: ctx.redact });
  if (dryRun) {
    const buildx = await docker.buildxAvailable();
    const { builder } = chooseBuilder(builderChoice, buildx, plans);
    const commands = plans.flatMap((p) =>
      builder === 'buildx' ? [buildxBuildArgs(p.spec)] : [classicBuildArgs(p.spec), ...(settings.push ? p.refs.map(pushArgs) : [])],
    );
    ctx.setOutput(
      'images',
      Object.fromEntries(plans.map((p) => [p.config.key, { name: p.config.image.name, ref: p.refs[0], digest: '', tags: p.tags, version: p.version }])),
    );
    ctx.setOutput('image', plans[0]!.refs[0]!);
    await ctx.writeSummary(planSummary(plans, commands));
    ctx.log.notice('dry-run: nothing was built or pushed.');
    return;
  }

  // Both answer from the CLI and the engine alone, so they run together (the login does not change them).
  const [, buildxAvailable] = await Promise.all([docker.assertEngine(), docker.buildxAvailable()]);
  if (settings.loginRegistry && settings.username) {
    const configDir = createRunDockerConfig(run.tempDir, undefined, settings.loginRegistry);
    ctx.saveState('docker-config', configDir);
    ctx.saveState('login-registry', settings.loginRegistry);
    docker = docker.withConfig(configDir);
    await docker.login(settings.loginRegistry, settings.username, password);
    ctx.log.info(`Logged in to ${settings.loginRegistry} as ${settings.username} (DOCKER_CONFIG for this run only; the post step logs out).`);
  }
  const { builder, notices } = chooseBuilder(builderChoice, buildxAvailable, plans);
  for (const n of notices) ctx.log.notice(n);
  mkdirSync(run.tempDir, { recursive: true });
  const results = await runImages(plans, {
    docker,
    builder,
    log: ctx.log,
    signal: ctx.signal,
    registryClient: (p) => clientFor(p.config),
    pushRetries,
    pushTimeoutMs,
    buildTimeoutMs,
    retryBaseDelayMs: retryDelayMs,
    concurrency,
    tempDir: run.tempDir,
  });
  const images = imagesOutput(results);
  ctx.setOutput('images', images);
  const first = results[0]!;
  ctx.setOutput('digest', first.digest ?? '');
  ctx.setOutput('image', first.ref);
  ctx.setOutput(
    'push-attempts',
    results.reduce((n, r) => n + r.pushAttempts, 0),
  );
  await ctx.writeSummary(buildSummary(results, builder, notices));
  const failed = results.filter((r) => r.error);
  if (failed.length) {
    throw new OperationFailedError(failed.map((r) => `${r.key}: ${r.error}`).join('\n'));
  }
});

async function promote(
  ctx: ActionContext,
  settings: Extract<Settings, { mode: 'promote' }>,
  clientFor: (image: ImageConfig) => RegistryClient,
  dryRun: boolean,
): Promise<void> {
  if (dryRun) {
    for (const i of settings.images) ctx.log.info(`would promote ${i.image.name}:${settings.from} → ${settings.to.join(', ')}`);
    ctx.log.notice('dry-run: nothing was promoted.');
    return;
  }
  const rows: PromoteRow[] = [];
  for (const image of settings.images) {
    try {
      const result = await promoteTag(clientFor(image), image.image.repository, settings.from, settings.to);
      ctx.log.info(`${image.image.name}:${settings.from} (${result.digest}) → ${result.to.map((t) => t.tag).join(', ')}`);
      rows.push({ name: image.image.name, result });
    } catch (err) {
      rows.push({ name: image.image.name, error: errorMessage(err) });
      if (ctx.signal.aborted) break;
    }
  }
  const output = Object.fromEntries(
    settings.images.map((image, i) => {
      const r = rows[i]?.result;
      return [
        image.key,
        {
          name: image.image.name,
          ref: r ? `${image.image.name}@${r.digest}` : '',
          digest: r?.digest ?? '',
          tags: r ? settings.to : [],
          version: settings.from,
        },
      ];
    }),
  );
  ctx.setOutput('images', output);
  const first = rows[0]?.result;
  ctx.setOutput('digest', first?.digest ?? '');
  ctx.setOutput('image', first ? `${settings.images[0]!.image.name}@${first.digest}` : '');
  ctx.setOutput('version', settings.from);
  await ctx.writeSummary(promoteSummary(rows, settings.from));
  const failed = rows.filter((r) => r.error);
  if (failed.length) throw new OperationFailedError(failed.map((r) => `${r.name}: ${r.error}`).join('\n'));
}
