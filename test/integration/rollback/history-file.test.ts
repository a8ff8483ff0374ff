import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeploymentHistory, type RecordEntry } from '../../../src/record/history.js';

const entry = (i: number): RecordEntry => ({
  at: new Date(2026, 10, 28, 0, i).toISOString(),
  action: 'deploy-canary',
  result: 'promoted',
  services: [{ service: 'app', image: `app:${i}` }],
  previous: [{ service: 'app', image: `app:${i - 1}` }],
});

describe('deployment history file', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('appends, keeps the last N, and leaves no temp files behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dk-history-'));
    dirs.push(dir);
    const h = new DeploymentHistory(join(dir, '.deploy-kit', 'shop.history.json'), 3);
    expect((await h.read()).entries).toEqual([]);
    for (const i of [1, 2, 3, 4, 5]) await h.append(entry(i));
    const file = JSON.parse(await readFile(h.path, 'utf8')) as { version: number; entries: RecordEntry[] };
    expect(file.version).toBe(1);
    expect(file.entries.map((e) => e.services[0]!.image)).toEqual(['app:3', 'app:4', 'app:5']);
    expect(await readdir(join(dir, '.deploy-kit'))).toEqual(['shop.history.json']);
  });

  it('refuses a file that is not its JSON, saying which file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dk-history-'));
    dirs.push(dir);
    const path = join(dir, 'h.json');
    await writeFile(path, '{ broken');
    await expect(new DeploymentHistory(path).read()).rejects.toThrow(`The deployment record ${path} is not readable JSON`);
  });
});
