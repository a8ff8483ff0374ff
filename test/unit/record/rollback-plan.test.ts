import { describe, expect, it } from 'vitest';
import { planRollback, validateVersion, withTag } from '../../../src/record/rollback-plan.js';
import type { RecordEntry } from '../../../src/record/history.js';

const promoted = (service: string, now: string, before: string): RecordEntry => ({
  at: '2026-11-28T00:00:00Z',
  action: 'deploy-canary',
  result: 'promoted',
  services: [{ service, image: now }],
  previous: [{ service, image: before }],
});

describe('rollback plan', () => {
  it('replaces the tag of an image, with or without a registry port or digest', () => {
    expect(withTag('ghcr.io/org/app:1.4.0', '1.3.2')).toBe('ghcr.io/org/app:1.3.2');
    expect(withTag('127.0.0.1:5000/app', '2')).toBe('127.0.0.1:5000/app:2');
    expect(withTag('127.0.0.1:5000/app:1@sha256:abc', '0.9')).toBe('127.0.0.1:5000/app:0.9');
    expect(() => validateVersion('1.0 beta', 'to-version')).toThrow(/to-version is "1.0 beta"/);
  });

  it('takes each service back to its last good release, in the given order', () => {
    const entries = [promoted('backend', 'b:2', 'b:1'), promoted('frontend', 'f:2', 'f:1')];
    const plan = planRollback(
      [
        { service: 'backend', image: 'b:2' },
        { service: 'frontend', image: 'f:2' },
      ],
      entries,
      { recordPath: '/srv/.deploy-kit/p.history.json' },
    );
    expect(plan).toEqual({
      ok: true,
      steps: [
        { service: 'backend', from: 'b:2', to: 'b:1', source: 'record' },
        { service: 'frontend', from: 'f:2', to: 'f:1', source: 'record' },
      ],
    });
  });

  it('says clearly when there is no earlier good release, and honours to-image / to-version', () => {
    const none = planRollback([{ service: 'app', image: 'a:1' }], [], { recordPath: '/r.json' });
    expect(none).toEqual({
      ok: false,
      reason: expect.stringMatching(/^No earlier good release of app \(now a:1\) is in the deployment record \/r.json; nothing was changed/),
    });
    expect(planRollback([{ service: 'app', image: 'a:3' }], [], { recordPath: '', toImage: 'a:1' })).toEqual({
      ok: true,
      steps: [{ service: 'app', from: 'a:3', to: 'a:1', source: 'to-image' }],
    });
    expect(planRollback([{ service: 'app', image: 'r/a:3' }], [], { recordPath: '', toVersion: '2' })).toMatchObject({ ok: true, steps: [{ to: 'r/a:2' }] });
  });
});
