import { describe, expect, it } from 'vitest';
import type { ImageResult } from '../../../src/registry/build-push.js';
import { buildSummary, formatBytes, imagesOutput, promoteSummary, shellQuote } from '../../../src/registry/report.js';

const digest = `sha256:${'b'.repeat(64)}`;
const result = (over: Partial<ImageResult> = {}): ImageResult => ({
  key: 'backend',
  name: 'ghcr.io/org/backend',
  tags: ['1.2.3', 'sha-abc1234'],
  version: '1.2.3',
  ref: `ghcr.io/org/backend@${digest}`,
  digest,
  verified: true,
  size: 5_432_100,
  platforms: [],
  buildMs: 12_300,
  pushMs: 2100,
  pushAttempts: 3,
  failedAttempts: [{ attempt: 1, ref: 'ghcr.io/org/backend:1.2.3', error: 'received unexpected HTTP status: 503 <b>|x', kind: 'transient' }],
  builder: 'classic',
  ...over,
});

describe('report', () => {
  it('images output: key → name, ref, digest, tags, version', () => {
    expect(imagesOutput([result()])).toEqual({
      backend: { name: 'ghcr.io/org/backend', ref: `ghcr.io/org/backend@${digest}`, digest, tags: ['1.2.3', 'sha-abc1234'], version: '1.2.3' },
    });
  });

  it('summary: table with tags, digest, size, durations, attempts; failed attempts escaped in details', () => {
    const md = buildSummary(
      [result(), result({ key: 'frontend', name: 'ghcr.io/org/<frontend>', digest: undefined, error: 'Pushing failed | boom', pushAttempts: 0 })],
      'classic',
    ).toString();
    expect(md).toContain('## build-push: 1 of 2 image(s) failed');
    expect(md).toContain('| ghcr.io/org/backend | `1.2.3` `sha-abc1234` |');
    expect(md).toContain('5.2 MiB | 12.3s | 2.1s | 3 | ✅ pushed, digest verified |');
    expect(md).toContain('ghcr.io/org/&lt;frontend&gt;');
    expect(md).toContain('❌ Pushing failed \\| boom');
    expect(md).toContain('<details><summary>Failed push attempts</summary>');
    expect(md).toContain('503 &lt;b&gt;\\|x');
    expect(md).toContain('docker build + docker push (classic)');
  });

  it('promote summary says the digest is unchanged, or what failed', () => {
    const md = promoteSummary(
      [
        {
          name: 'ghcr.io/org/backend',
          result: {
            digest,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            from: 'sha-abc1234',
            to: [
              { tag: 'latest', moved: true },
              { tag: 'production', moved: false, previous: digest },
              { tag: 'stable', moved: true, previous: `sha256:${'c'.repeat(64)}` },
            ],
            durationMs: 80,
          },
        },
        { name: 'ghcr.io/org/frontend', error: 'does not exist (404)' },
      ],
      'sha-abc1234',
    ).toString();
    expect(md).toContain('latest (new), production (already there), stable (was sha256:cccccccccccc…)');
    expect(md).toContain('✅ promoted, digest unchanged');
    expect(md).toContain('❌ does not exist (404)');
  });

  it('formats bytes and quotes shell words for display', () => {
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(shellQuote('GREETING=a b')).toBe("'GREETING=a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('ghcr.io/org/app:1.2.3')).toBe('ghcr.io/org/app:1.2.3');
  });
});
