import { describe, expect, it } from 'vitest';
import { rollingDeploy } from '../../../src/release/rolling.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { MemoryRecord } from '../../support/fakes/record.js';
import { FakeTarget } from '../../support/fakes/target.js';

const updates = [
  { service: 'backend', image: 'backend:2' },
  { service: 'frontend', image: 'frontend:2' },
];

function stage() {
  const target = new FakeTarget({ backend: 'backend:1', frontend: 'frontend:1' });
  const record = new MemoryRecord();
  return { target, record, deps: { target, record, log: memoryLogger() } };
}

describe('rolling use case (in-memory target and record)', () => {
  it('deploys in order and records what ran before', async () => {
    const setup = stage();
    const result = await rollingDeploy(setup.deps, { updates, healthTimeoutMs: 1000, dryRun: false });
    expect(result.before.map((entry) => entry.image)).toEqual(['backend:1', 'frontend:1']);
    expect(setup.target.calls).toEqual(['rollout backend=backend:2', 'rollout frontend=frontend:2']);
    expect(setup.record.entries).toMatchObject([{ action: 'rolling', result: 'deployed', services: updates, previous: result.before }]);
  });

  it('stops at the service that is not healthy, records the failure and names where it stopped', async () => {
    const setup = stage();
    setup.target.unhealthy.add('backend:2');
    await expect(rollingDeploy(setup.deps, { updates, healthTimeoutMs: 1000, dryRun: false })).rejects.toThrow(
      /^Rolling deploy stopped at backend: backend did not become healthy/,
    );
    expect(setup.target.running.get('frontend')).toBe('frontend:1');
    expect(setup.record.entries).toMatchObject([{ action: 'rolling', result: 'failed', reason: expect.stringMatching(/backend did not become healthy/) }]);
  });

  it('a dry run changes nothing', async () => {
    const setup = stage();
    expect(await rollingDeploy(setup.deps, { updates, healthTimeoutMs: 1000, dryRun: true })).toMatchObject({ kind: 'planned' });
    expect(setup.target.calls).toEqual([]);
    expect(setup.record.entries).toEqual([]);
  });
});
