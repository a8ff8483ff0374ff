/**
 * Turns the raw inputs into a checked plan — build or promote — before anything runs: every
 * name, tag, path and combination of inputs is validated here, with errors that name the input.
 */
import { ConfigurationError } from '../runtime/errors.js';
import type { YamlSource } from '../runtime/yaml.js';
import { NO_BUILD_OPTIONS, buildxOnlyInputs, type BuildOptions } from './build-command.js';
import { parseBuildOptions, type RawBuildOptions } from './build-options.js';
import { planImages, type Builder, type ImagePlan } from './build-push.js';
import { imagesFromYaml, parseKeyValues, platformList, resolveImages, type ImageConfig, type ImageInput } from './images-config.js';
import { mergeLogins, type Login } from './logins.js';
import { decidePush } from './push-policy.js';
import { assertValidTag, lowerCaseOwner, normaliseRegistry, parsePromoteTarget, type PromoteTarget } from './reference.js';
import { computeTags, renderTemplate, type GitRef, type LatestPolicy } from './tags.js';

export interface RawSettings {
  registry?: string;
  username: string;
  passwordGiven: boolean;
  image?: string;
  context?: string;
  dockerfile?: string;
  /** docker's name for dockerfile (which stays as a deprecated alias). */
  file?: string;
  target?: string;
  buildArgs?: string;
  platforms: string[];
  images?: YamlSource;
  tags: string[];
  semverAliases: boolean;
  latest: LatestPolicy;
  labels?: string;
  cacheFrom: string[];
  cacheTo: string[];
  /** undefined: by event (see decidePush). */
  push: boolean | undefined;
  /** The run is a pull request from a fork (its token cannot push). */
  fromFork?: boolean;
  /** docker/build-push-action's options (annotations, secrets, …). */
  build?: RawBuildOptions;
  /** The password with username, and the `registries` list. */
  password?: string;
  registries?: Login[];
  /** github.repository_owner: its capitals are lower-cased in image names, with a notice. */
  repositoryOwner?: string;
  promoteFrom?: string;
  promoteTo: string[];
  git: GitRef;
  sourceUrl: string;
  workspace: string;
  created: Date;
}

interface Common {
  /** Registry to log in to, when credentials are given. */
  loginRegistry?: string;
  username?: string;
  /** Every registry to log in to (the inputs' and the registries list). */
  logins: Login[];
  /** Said once before anything runs (deprecated names, lower-cased owners, push by event). */
  notices: string[];
}

export type Settings =
  | (Common & {
      mode: 'build';
      plans: ImagePlan[];
      cacheGiven: boolean;
      push: boolean;
      options: BuildOptions;
      /** Environment of the build process that carries the `secrets` values. */
      secretValues: Record<string, string>;
    })
  | (Common & {
      mode: 'promote';
      images: ImageConfig[];
      from: string;
      /** Tags in each image's own repository. */
      to: string[];
      /** Tags in other repositories or registries (one image only). */
      copies: Array<Required<PromoteTarget>>;
    });

export function resolveSettings(raw: RawSettings): Settings {
  const registry = raw.registry ? normaliseRegistry(raw.registry, 'registry') : undefined;
  if (raw.username && !raw.passwordGiven) throw new ConfigurationError('username is set but password is empty: give both, or neither.', { input: 'password' });
  if (!raw.username && raw.passwordGiven) throw new ConfigurationError('password is set but username is empty: give both, or neither.', { input: 'username' });
  const promote = raw.promoteFrom !== undefined || raw.promoteTo.length > 0;
  const notices: string[] = [];
  if (raw.file && raw.dockerfile) {
    throw new ConfigurationError('Both file and dockerfile are set: dockerfile is the old name of file; keep file only.', { input: 'dockerfile' });
  }
  if (raw.dockerfile) notices.push('dockerfile is deprecated: name it file, as docker/build-push-action does (same meaning).');
  const dockerfile = raw.file ?? raw.dockerfile;

  let inputs: ImageInput[];
  const fromYaml = raw.images !== undefined;
  if (fromYaml && raw.image) {
    throw new ConfigurationError('Both image and images are set: use image (with context, dockerfile, …) for one image, or images for a list.', {
      input: 'images',
    });
  }
  if (fromYaml) {
    inputs = imagesFromYaml(raw.images!.value, raw.images!.label);
  } else if (raw.image) {
    inputs = [{ image: raw.image, context: raw.context, dockerfile, target: raw.target, buildArgs: raw.buildArgs, platforms: raw.platforms }];
  } else {
    throw new ConfigurationError('No image given: set image (e.g. ghcr.io/org/backend) or images (a YAML list).', { input: 'image' });
  }
  for (const input of inputs) {
    const owned = lowerCaseOwner(input.image, raw.repositoryOwner);
    if (!owned.changed) continue;
    notices.push(`${input.image}: the repository owner "${raw.repositoryOwner}" is lower-cased to ${owned.name} (image names cannot hold capitals).`);
    input.image = owned.name;
  }
  const images = resolveImages(inputs, { workspace: raw.workspace, registry, namesOnly: promote }, fromYaml);
  if (fromYaml) {
    // build-args and platforms given as inputs apply to every image of the list; an image's own win.
    const sharedArgs = parseKeyValues(raw.buildArgs, 'build-args', /^[A-Za-z_][A-Za-z0-9_]*$/);
    const sharedPlatforms = platformList(raw.platforms, 'platforms');
    for (const image of images) {
      image.buildArgs = { ...sharedArgs, ...image.buildArgs };
      if (image.platforms.length === 0) image.platforms = sharedPlatforms;
    }
  }
  const credentials = raw.username ? { username: raw.username, loginRegistry: loginRegistry(registry, images, raw.registries ?? []) } : {};
  const single = credentials.loginRegistry ? { registry: credentials.loginRegistry, username: raw.username, password: raw.password ?? '' } : undefined;
  const common = { ...credentials, logins: mergeLogins(single, raw.registries ?? []), notices };

  if (promote) {
    if (!raw.promoteFrom)
      throw new ConfigurationError('promote-to is set but promote-from is empty: name the tag to promote, e.g. sha-abc1234.', { input: 'promote-from' });
    if (raw.promoteTo.length === 0)
      throw new ConfigurationError('promote-from is set but promote-to is empty: name the tag(s) to move, e.g. latest or production.', { input: 'promote-to' });
    const from = assertValidTag(renderPromoteFrom(raw.promoteFrom, raw.git), 'promote-from');
    const to = uniqueTargets(raw.promoteTo.map((t) => parsePromoteTarget(t, registry)));
    if (to.some((t) => !t.image && t.tag === from)) {
      throw new ConfigurationError(`promote-to includes "${from}", the tag being promoted: name other tags.`, { input: 'promote-to' });
    }
    if (images.length > 1 && to.some((t) => t.image)) {
      throw new ConfigurationError('promote-to names another repository, but several images are promoted: promote them one per step.', {
        input: 'promote-to',
      });
    }
    const self = to.find((t) => t.image?.name === images[0]!.image.name && t.tag === from);
    if (self)
      throw new ConfigurationError(`promote-to includes ${self.image!.name}:${from}, the image being promoted: name another tag or repository.`, {
        input: 'promote-to',
      });
    return {
      mode: 'promote',
      images,
      from,
      to: to.filter((t) => !t.image || t.image.name === images[0]!.image.name).map((t) => t.tag),
      copies: to.filter((t): t is Required<PromoteTarget> => t.image !== undefined && t.image.name !== images[0]!.image.name),
      ...common,
    };
  }

  const pushDecision = decidePush(raw.push, raw.git.eventName, raw.fromFork ?? false);
  if (pushDecision.notice) notices.push(pushDecision.notice);
  const { options, secretValues } = parseBuildOptions(raw.build ?? {}, raw.workspace);
  if (options.outputs.length && raw.push) {
    throw new ConfigurationError('outputs and push: true are both set: push is the registry exporter; add type=registry to outputs instead, or drop outputs.', {
      input: 'outputs',
    });
  }
  if (options.outputs.length && options.load) {
    throw new ConfigurationError('outputs and load: true are both set: load is the docker exporter; add type=docker to outputs instead, or drop outputs.', {
      input: 'outputs',
    });
  }
  const push = pushDecision.push && options.outputs.length === 0;

  const plans = planImages(images, {
    git: raw.git,
    tags: { semverAliases: raw.semverAliases, latest: raw.latest, templates: raw.tags, templatesField: 'tags' },
    labels: parseKeyValues(raw.labels, 'labels', /^[A-Za-z0-9][A-Za-z0-9._/-]*$/),
    sourceUrl: raw.sourceUrl,
    created: raw.created,
    cacheFrom: raw.cacheFrom,
    cacheTo: raw.cacheTo,
    push,
    options,
  });
  return { mode: 'build', plans, cacheGiven: raw.cacheFrom.length + raw.cacheTo.length > 0, push, options, secretValues, ...common };
}

function uniqueTargets(targets: PromoteTarget[]): PromoteTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.image?.name ?? ''}:${t.tag}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `promote-from` may be a template such as `sha-{{sha}}`, rendered from the git context of this run. */
function renderPromoteFrom(template: string, git: GitRef): string {
  if (!template.includes('{{')) return template;
  const values = computeTags(git, { semverAliases: false, latest: 'never', templates: [] }).values;
  const rendered = renderTemplate(template, values, 'promote-from');
  if (rendered === undefined) {
    throw new ConfigurationError(`promote-from is "${template}", but a placeholder in it has no value for ref "${git.ref || '(none)'}".`, {
      input: 'promote-from',
    });
  }
  return rendered;
}

/** The registry input, else the one registry every image is in that the registries list does not cover. */
function loginRegistry(registry: string | undefined, images: ImageConfig[], listed: Login[]): string {
  if (registry) return registry;
  const covered = new Set(listed.map((l) => l.registry));
  const all = [...new Set(images.map((i) => i.image.registry))];
  const hosts = all.filter((h) => !covered.has(h));
  if (hosts.length === 0) {
    throw new ConfigurationError(
      `username and password are given, but registries already has credentials for ${all.join(', ')}: set registry to say where they log in.`,
      {
        input: 'registry',
      },
    );
  }
  if (hosts.length > 1) {
    throw new ConfigurationError(
      `The images are in several registries (${hosts.join(', ')}) but one set of credentials is given: set registry to the one to log in to.`,
      {
        input: 'registry',
      },
    );
  }
  return hosts[0]!;
}

export type BuilderChoice = 'auto' | Builder;
export const BUILDER_CHOICES: readonly BuilderChoice[] = ['auto', 'buildx', 'classic'];

/** buildx when asked or when it answers; the classic builder otherwise. Checks what only buildx can do. */
export function chooseBuilder(requested: BuilderChoice, buildxAvailable: boolean, plans: ImagePlan[]): { builder: Builder; notices: string[] } {
  if (requested === 'buildx' && !buildxAvailable) {
    throw new ConfigurationError(
      'builder is buildx but `docker buildx version` does not answer: add docker/setup-buildx-action before this step, or use builder: auto.',
      {
        input: 'builder',
      },
    );
  }
  const builder: Builder = requested === 'classic' ? 'classic' : buildxAvailable ? 'buildx' : 'classic';
  const notices: string[] = [];
  if (builder === 'classic') {
    const multi = plans.find((p) => p.spec.platforms.length > 1);
    if (multi) {
      throw new ConfigurationError(
        `${multi.config.key} asks for several platforms (${multi.spec.platforms.join(', ')}), which needs buildx; it is not available here. Add docker/setup-buildx-action.`,
        {
          input: 'platforms',
        },
      );
    }
    const only = plans.length ? buildxOnlyInputs(plans[0]!.spec.options ?? NO_BUILD_OPTIONS) : [];
    if (only.length) {
      throw new ConfigurationError(
        `${only.join(', ')} ${only.length === 1 ? 'needs' : 'need'} buildx, which is not available here${requested === 'classic' ? ' (builder: classic)' : ''}: add docker/setup-buildx-action before this step, or remove ${only.length === 1 ? 'it' : 'them'}.`,
        { input: only[0]! },
      );
    }
    const cache = plans.find((p) => p.spec.cacheFrom.length + p.spec.cacheTo.length > 0);
    if (cache)
      notices.push('cache-from / cache-to are ignored: the classic builder (no buildx here) cannot use them. Add docker/setup-buildx-action to use them.');
  }
  return { builder, notices };
}
