import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/util/atomic-write.js';

describe('writeFileAtomic', () => {
  it('creates missing directories and leaves no temp file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-atomic-'));
    const path = join(dir, 'a', 'b', 'state.json');
    await writeFileAtomic(path, '{"v":1}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"v":1}\n');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['state.json']);
    expect(statSync(path).mode & 0o777).toBe(0o644 & ~process.umask());
  });
  it('writes a private file 0600 from the first byte (files that copy secrets)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-atomic-'));
    const path = join(dir, 'canary.yml');
    writeFileSync(path, 'old, world-readable');
    await writeFileAtomic(path, 'SECRET=1\n', { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('SECRET=1\n');
  });
  it('replaces the old content whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-atomic-'));
    const path = join(dir, 'upstream.conf');
    writeFileSync(path, 'old content that is longer than the new one');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['upstream.conf']);
  });
  it('fails without leaving a temp file when the target cannot be replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-atomic-'));
    const path = join(dir, 'taken');
    await writeFileAtomic(join(path, 'inner'), 'x'); // `taken` is now a non-empty directory
    await expect(writeFileAtomic(path, 'y')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
