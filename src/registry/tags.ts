/**
 * Tags from the git context: a version tag gives its semver version (and `major.minor`, `major`
 * when asked), a branch its sanitised name, a pull request `pr-N`, every build `sha-<7>`; extra
 * tags come from templates. Pure: the caller passes the ref, sha and event.
 */
import semver from 'semver';
import { ConfigurationError } from '../runtime/errors.js';
import { assertValidTag, sanitiseTag } from './reference.js';

export interface GitRef {
  /** Full ref, e.g. `refs/tags/v1.2.3`, `refs/heads/main`, `refs/pull/42/merge`. */
  ref: string;
  sha: string;
  eventName: string;
}

/** When `latest` is added: never; on stable version tags; on every build that is not a PR or pre-release. */
export type LatestPolicy = 'never' | 'release' | 'always';
export const LATEST_POLICIES: readonly LatestPolicy[] = ['never', 'release', 'always'];

export interface TagOptions {
  /** Also tag `major.minor` and `major` (not `0` for 0.x) on stable version tags. */
  semverAliases: boolean;
  latest: LatestPolicy;
  /** Extra tags; may hold placeholders such as `{{version}}` or `{{branch}}-{{sha}}`. */
  templates: string[];
  /** Name of the input the templates came from, for errors. */
  templatesField?: string;
}

export type RefKind = 'version' | 'tag' | 'branch' | 'pull-request' | 'none';

export interface TagPlan {
  kind: RefKind;
  /** The release version (`1.2.3`, `2.0.0-rc.1`), else the branch tag / `pr-N` / `sha-<7>`. */
  version: string;
  prerelease: boolean;
  tags: string[];
  /** Templates left out because a placeholder has no value for this ref (e.g. `{{major}}` on a branch). */
  skipped: string[];
  /** The placeholder values of this ref, for other templates (e.g. `promote-from: sha-{{sha}}`). */
  values: Partial<Record<string, string>>;
}

export const TEMPLATE_PLACEHOLDERS = ['version', 'major', 'minor', 'patch', 'sha', 'branch', 'pr', 'tag', 'event'] as const;
type Placeholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

const PR_REF = /^refs\/pull\/(\d+)\/(?:merge|head)$/;

export function shortSha(sha: string): string | undefined {
  const s = sha.trim().toLowerCase();
  return /^[0-9a-f]{7,64}$/.test(s) ? s.slice(0, 7) : undefined;
}

export function computeTags(git: GitRef, options: TagOptions): TagPlan {
  const values: Partial<Record<Placeholder, string>> = {};
  const tags: string[] = [];
  let kind: RefKind = 'none';
  let prerelease = false;
  let version: string | undefined;
  const sha = shortSha(git.sha);
  if (git.sha.trim() !== '' && sha === undefined) {
    throw new ConfigurationError(`The commit SHA "${git.sha}" is not a hexadecimal git SHA; check GITHUB_SHA or the sha input.`, {
      input: 'sha',
    });
  }
  if (sha) values.sha = sha;
  if (git.eventName) values.event = sanitiseTag(git.eventName);

  const pr = PR_REF.exec(git.ref);
  if (git.ref.startsWith('refs/tags/')) {
    const name = git.ref.slice('refs/tags/'.length);
    values.tag = sanitiseTag(name);
    const parsed = semver.parse(name);
    if (parsed) {
      kind = 'version';
      prerelease = parsed.prerelease.length > 0;
      // Build metadata (`+build.5`) cannot be in a tag: `+` becomes `_`, as registries and docker/metadata-action do.
      version = parsed.build.length ? `${parsed.version}_${parsed.build.join('.')}` : parsed.version;
      Object.assign(values, { version, major: String(parsed.major), minor: `${parsed.major}.${parsed.minor}`, patch: parsed.version });
      tags.push(version);
      if (options.semverAliases && !prerelease) {
        tags.push(`${parsed.major}.${parsed.minor}`);
        // 0.x promises no compatibility between minors, so `0` would mean nothing.
        if (parsed.major > 0) tags.push(String(parsed.major));
      }
    } else {
      kind = 'tag';
      version = values.tag;
      if (version) tags.push(version);
    }
  } else if (git.ref.startsWith('refs/heads/')) {
    kind = 'branch';
    version = sanitiseTag(git.ref.slice('refs/heads/'.length));
    if (version) {
      values.branch = version;
      tags.push(version);
    }
  } else if (pr) {
    kind = 'pull-request';
    version = `pr-${pr[1]}`;
    values.pr = pr[1];
    tags.push(version);
  }
  if (sha) tags.push(`sha-${sha}`);

  const wantsLatest = options.latest === 'always' ? kind !== 'pull-request' && !prerelease : options.latest === 'release' && kind === 'version' && !prerelease;
  if (wantsLatest) tags.push('latest');

  const skipped: string[] = [];
  const field = options.templatesField ?? 'tags';
  for (const template of options.templates) {
    const rendered = renderTemplate(template, values, field);
    if (rendered === undefined) skipped.push(template);
    else tags.push(assertValidTag(rendered, `${field} ("${template}")`));
  }
  const unique = [...new Set(tags)];
  if (unique.length === 0) {
    throw new ConfigurationError(
      'No tag could be computed: there is no git ref or commit SHA (GITHUB_REF, GITHUB_SHA) and no tags input. Give tags, or the ref and sha inputs.',
      { input: field },
    );
  }
  return { kind, version: version || unique[0]!, prerelease, tags: unique, skipped, values };
}

/** Replaces `{{name}}` placeholders; undefined when one has no value for this ref. */
export function renderTemplate(template: string, values: Partial<Record<string, string>>, field: string): string | undefined {
  let missing = false;
  const out = template.trim().replace(/\{\{\s*([a-z-]+)\s*\}\}/g, (_m, name: string) => {
    if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new ConfigurationError(
        `${field}: "${template}" uses an unknown placeholder {{${name}}}. Known: ${TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`,
        { input: field },
      );
    }
    const v = values[name];
    if (v === undefined || v === '') missing = true;
    return v ?? '';
  });
  if (/\{\{|\}\}/.test(out)) {
    throw new ConfigurationError(`${field}: "${template}" has an unclosed placeholder; write placeholders as {{version}}.`, {
      input: field,
    });
  }
  return missing ? undefined : out;
}
