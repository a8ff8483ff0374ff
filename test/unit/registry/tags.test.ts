import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { computeTags, renderTemplate, type TagOptions } from '../../../src/registry/tags.js';

const SHA = 'abc1234def5678901234567890abcdef12345678';
const base: TagOptions = { semverAliases: false, latest: 'never', templates: [] };
const tags = (ref: string, options: Partial<TagOptions> = {}, eventName = 'push') => computeTags({ ref, sha: SHA, eventName }, { ...base, ...options });

describe('computeTags', () => {
  it('a v1.2.3 tag gives 1.2.3 and sha-<7>; never latest unless asked', () => {
    const plan = tags('refs/tags/v1.2.3');
    expect(plan).toMatchObject({ kind: 'version', version: '1.2.3', prerelease: false, tags: ['1.2.3', 'sha-abc1234'] });
  });

  it('adds 1.2 and 1 when asked, and latest for a release when asked', () => {
    expect(tags('refs/tags/v1.2.3', { semverAliases: true, latest: 'release' }).tags).toEqual(['1.2.3', '1.2', '1', 'sha-abc1234', 'latest']);
  });

  it('a 0.x release does not get the meaningless 0 alias', () => {
    expect(tags('refs/tags/v0.4.1', { semverAliases: true }).tags).toEqual(['0.4.1', '0.4', 'sha-abc1234']);
  });

  it('a pre-release never moves 1, 1.2 or latest', () => {
    const plan = tags('refs/tags/v2.0.0-rc.1', { semverAliases: true, latest: 'always' });
    expect(plan).toMatchObject({ kind: 'version', version: '2.0.0-rc.1', prerelease: true, tags: ['2.0.0-rc.1', 'sha-abc1234'] });
    expect(tags('refs/tags/v2.0.0-beta.2', { semverAliases: true, latest: 'release' }).tags).not.toContain('latest');
  });

  it('build metadata becomes _ (a tag cannot hold +)', () => {
    expect(tags('refs/tags/v1.2.3+build.7').tags[0]).toBe('1.2.3_build.7');
  });

  it('a tag that is not semver is used sanitised, without aliases', () => {
    expect(tags('refs/tags/release/2024-11', { semverAliases: true }).tags).toEqual(['release-2024-11', 'sha-abc1234']);
    expect(tags('refs/tags/1.2', { semverAliases: true })).toMatchObject({ kind: 'tag', tags: ['1.2', 'sha-abc1234'] });
  });

  it('a branch gives its sanitised name', () => {
    expect(tags('refs/heads/main')).toMatchObject({ kind: 'branch', version: 'main', tags: ['main', 'sha-abc1234'] });
    expect(tags('refs/heads/feature/Add login!!').tags[0]).toBe('feature-Add-login');
    expect(tags('refs/heads/-x.').tags[0]).toBe('x');
    expect(tags(`refs/heads/${'a'.repeat(200)}`).tags[0]).toHaveLength(128);
  });

  it('latest: always moves latest on branches but never on pull requests', () => {
    expect(tags('refs/heads/main', { latest: 'always' }).tags).toContain('latest');
    expect(tags('refs/heads/main', { latest: 'release' }).tags).not.toContain('latest');
    expect(tags('refs/pull/42/merge', { latest: 'always' }, 'pull_request').tags).toEqual(['pr-42', 'sha-abc1234']);
  });

  it('a pull request ref gives pr-N', () => {
    expect(tags('refs/pull/42/merge', {}, 'pull_request')).toMatchObject({ kind: 'pull-request', version: 'pr-42' });
  });

  it('extra tags by template; a template without a value for this ref is left out', () => {
    const plan = tags('refs/heads/main', { templates: ['{{branch}}-{{sha}}', '{{major}}.{{minor}}', 'stable', '{{ event }}'] });
    expect(plan.tags).toEqual(['main', 'sha-abc1234', 'main-abc1234', 'stable', 'push']);
    expect(plan.skipped).toEqual(['{{major}}.{{minor}}']);
    expect(tags('refs/tags/v3.1.4', { templates: ['v{{major}}', '{{version}}-alpine'] }).tags).toEqual(['3.1.4', 'sha-abc1234', 'v3', '3.1.4-alpine']);
  });

  it('rejects templates that render to invalid tags, and unknown placeholders', () => {
    expect(() => tags('refs/heads/main', { templates: ['has space'] })).toThrow(/tags \("has space"\): "has space" is not a valid tag.*e\.g\. "has-space"/);
    expect(() => tags('refs/heads/main', { templates: ['.hidden'] })).toThrow(ConfigurationError);
    expect(() => tags('refs/heads/main', { templates: ['{{verison}}'] })).toThrow(/unknown placeholder \{\{verison\}\}/);
    expect(() => tags('refs/heads/main', { templates: ['{{version'] })).toThrow(/unclosed placeholder/);
  });

  it('dedupes and fails clearly when nothing can be computed', () => {
    expect(tags('refs/heads/main', { templates: ['main'] }).tags).toEqual(['main', 'sha-abc1234']);
    expect(() => computeTags({ ref: '', sha: '', eventName: '' }, base)).toThrow(/No tag could be computed/);
    expect(computeTags({ ref: '', sha: '', eventName: '' }, { ...base, templates: ['nightly'] }).tags).toEqual(['nightly']);
  });

  it('rejects a SHA that is not hexadecimal', () => {
    expect(() => computeTags({ ref: 'refs/heads/main', sha: 'not-a-sha', eventName: 'push' }, base)).toThrow(/not a hexadecimal git SHA/);
  });
});

describe('renderTemplate', () => {
  it('replaces placeholders and reports missing values as undefined', () => {
    expect(renderTemplate('{{sha}}', { sha: 'abc1234' }, 'tags')).toBe('abc1234');
    expect(renderTemplate('{{pr}}', {}, 'tags')).toBeUndefined();
  });
});
