import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobTempDir } from '../../../src/runtime/context.js';

describe('jobTempDir', () => {
  it('is RUNNER_TEMP on a runner, and outside one a fresh private directory — never a fixed path in a shared /tmp', () => {
    expect(jobTempDir({ RUNNER_TEMP: '/runner/_temp' }, '/tmp')).toBe('/runner/_temp');
    const shared = mkdtempSync(join(tmpdir(), 'dk-shared-tmp-'));
    const a = jobTempDir({}, shared);
    const b = jobTempDir({}, shared);
    expect(a).not.toBe(b);
    expect(a.startsWith(join(shared, 'deploy-kit-'))).toBe(true);
    expect(statSync(a).mode & 0o777).toBe(0o700);
  });
});
