/**
 * Turns the raw inputs into a checked plan — build or promote — before anything runs: every
 * name, tag, path and combination of inputs is validated here, with errors that name the input.
 */
import { ConfigurationError } from '../runtime/errors.js';
import type { YamlSource } from '../runtime/yaml.js';
import { planImages, type Builder, type ImagePlan } from './build-push.js';
import { imagesFromYaml, parseKeyValues, platformList, resolveImages, type ImageConfig, type ImageInput } from './images-config.js';
import { assertValidTag, normaliseRegistry } from './reference.js';
import { computeTags, renderTemplate, type GitRef, type LatestPolicy } from './tags.js';

export interface RawSettings {
  registry?: string;
  username: string;
  passwordGiven: boolean;
  image?: string;
  context?: string;
  dockerfile?: string;
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
  push: boolean;
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
}

export type Settings =
  | (Common & { mode: 'build'; plans: ImagePlan[]; cacheGiven: boolean; push: boolean })
  | (Common & { mode: 'promote'; images: ImageConfig[]; from: string; to: string[] });

export function resolveSettings(raw: RawSettings): Settings {
  const registry = raw.registry ? normaliseRegistry(raw.registry, 'registry') : undefined;
  if (raw.username && !raw.passwordGiven) throw new ConfigurationError('username is set but password is empty: give both, or neither.', { input: 'password' });
  if (!raw.username && raw.passwordGiven) throw new ConfigurationError('password is set but username is empty: give both, or neither.', { input: 'username' });
  const promote = raw.promoteFrom !== undefined || raw.promoteTo.length > 0;

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
    inputs = [{ image: raw.image, context: raw.context, dockerfile: raw.dockerfile, target: raw.target, buildArgs: raw.buildArgs, platforms: raw.platforms }];
  } else {
    throw new ConfigurationError('No image given: set image (e.g. ghcr.io/org/backend) or images (a YAML list).', { input: 'image' });
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
  const credentials = raw.username ? { username: raw.username, loginRegistry: loginRegistry(registry, images) } : {};

  if (promote) {
    if (!raw.promoteFrom)
      throw new ConfigurationError('promote-to is set but promote-from is empty: name the tag to promote, e.g. sha-abc1234.', { input: 'promote-from' });
    if (raw.promoteTo.length === 0)
      throw new ConfigurationError('promote-from is set but promote-to is empty: name the tag(s) to move, e.g. latest or production.', { input: 'promote-to' });
    const from = assertValidTag(renderPromoteFrom(raw.promoteFrom, raw.git), 'promote-from');
    const to = raw.promoteTo.map((t) => assertValidTag(t, 'promote-to'));
    if (to.includes(from)) throw new ConfigurationError(`promote-to includes "${from}", the tag being promoted: name other tags.`, { input: 'promote-to' });
    return { mode: 'promote', images, from, to: [...new Set(to)], ...credentials };
  }

  const plans = planImages(images, {
    git: raw.git,
    tags: { semverAliases: raw.semverAliases, latest: raw.latest, templates: raw.tags, templatesField: 'tags' },
    labels: parseKeyValues(raw.labels, 'labels', /^[A-Za-z0-9][A-Za-z0-9._/-]*$/),
    sourceUrl: raw.sourceUrl,
    created: raw.created,
    cacheFrom: raw.cacheFrom,
    cacheTo: raw.cacheTo,
    push: raw.push,
  });
  return { mode: 'build', plans, cacheGiven: raw.cacheFrom.length + raw.cacheTo.length > 0, push: raw.push, ...credentials };
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

/** The registry input, else the one registry every image is in. */
function loginRegistry(registry: string | undefined, images: ImageConfig[]): string {
  if (registry) return registry;
  const hosts = [...new Set(images.map((i) => i.image.registry))];
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
    const cache = plans.find((p) => p.spec.cacheFrom.length + p.spec.cacheTo.length > 0);
    if (cache)
      notices.push('cache-from / cache-to are ignored: the classic builder (no buildx here) cannot use them. Add docker/setup-buildx-action to use them.');
  }
  return { builder, notices };
}
