import { describe, expect, test } from 'vitest';
import { canaryReplicasFor, podRatioShare } from '../../../src/traffic/kubernetes/pod-ratio.js';
import { weightedRules } from '../../../src/traffic/kubernetes/gateway-api.js';
import { smiVersion } from '../../../src/traffic/kubernetes/smi.js';

describe('pod-ratio rounding (documented in the README)', () => {
  test('round(stable × weight / 100), at least 1 above 0 %, as many as the stable at 100 %', () => {
    expect([0, 10, 25, 50, 100].map((w) => canaryReplicasFor(10, w))).toEqual([0, 1, 3, 5, 10]);
    expect([0, 1, 10, 50, 100].map((w) => canaryReplicasFor(1, w))).toEqual([0, 1, 1, 1, 1]);
    expect(canaryReplicasFor(3, 10)).toBe(1);
    expect(canaryReplicasFor(4, 50)).toBe(2);
    expect(podRatioShare(10, 1)).toBeCloseTo(9.09, 2);
    expect(podRatioShare(1, 1)).toBe(50);
  });
});

describe('gateway-api weights', () => {
  test('the canary ref is added beside the stable one and removed again; other refs are kept', () => {
    const rules = [{ backendRefs: [{ name: 'web', port: 80 }] }, { backendRefs: [{ name: 'other', port: 80 }] }];
    const at10 = weightedRules(rules, 'web', 'web-canary', 10);
    expect(at10[0]!.backendRefs).toEqual([
      { name: 'web', port: 80, weight: 90 },
      { name: 'web-canary', port: 80, weight: 10 },
    ]);
    expect(at10[1]).toEqual(rules[1]);
    expect(weightedRules(at10, 'web', undefined, 0)[0]!.backendRefs).toEqual([{ name: 'web', port: 80, weight: 100 }]);
  });
});

describe('smi version from discovery', () => {
  test('the newest served split.smi-spec.io version', () => {
    expect(smiVersion(['v1', 'split.smi-spec.io/v1alpha2', 'split.smi-spec.io/v1alpha4', 'apps/v1'])).toBe('v1alpha4');
    expect(smiVersion(['v1', 'apps/v1'])).toBeUndefined();
  });
});
