// The template runner's expressions: GitHub's library over the runner's contexts and status functions.
import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate, interpolateString } from '../support/workflow-runner/expressions.js';

const ok = { failed: false, cancelled: false };
const failed = { failed: true, cancelled: false };

describe('template runner expressions', () => {
  const ctx = {
    github: { ref_name: 'v1.2.3', repository_owner: 'Org' },
    inputs: { version: 'sha-abc1234', 'dry-run': false },
    steps: { build: { outputs: { images: '{"backend":{"ref":"r@sha256:1"}}' }, outcome: 'success' } },
    vars: {},
  };

  it('reads contexts, hyphenated names, fromJSON and functions', () => {
    expect(evaluate('github.ref_name', ctx)).toBe('v1.2.3');
    expect(evaluate("inputs['dry-run']", ctx)).toBe(false);
    expect(evaluate('fromJSON(steps.build.outputs.images).backend.ref', ctx)).toBe('r@sha256:1');
    expect(evaluate("startsWith(inputs.version, 'sha-')", ctx)).toBe(true);
    expect(evaluate("contains(github.ref_name, '-')", ctx)).toBe(false);
  });

  it('a missing property is null, and null is an empty string in text', () => {
    expect(evaluate('steps.nope.outputs.x', ctx)).toBeNull();
    expect(evaluate('vars.NOT_SET', ctx)).toBeNull();
    expect(interpolate('[${{ vars.NOT_SET }}]', ctx)).toBe('[]');
  });

  it('one whole expression keeps its type; mixed text is a string', () => {
    expect(interpolate('${{ inputs.dry-run }}', ctx)).toBe(false);
    expect(interpolateString('${{ inputs.dry-run }}', ctx)).toBe('false');
    expect(interpolate('img:${{ github.ref_name }}-${{ 1 == 1 }}', ctx)).toBe('img:v1.2.3-true');
    expect(interpolate("${{ inputs.version == 'x' && 'a' || 'b' }}", ctx)).toBe('b');
  });

  it('status functions follow the job status; a condition without one implies success()', () => {
    expect(condition(undefined, ctx, ok)).toBe(true);
    expect(condition(undefined, ctx, failed)).toBe(false);
    expect(condition('failure()', ctx, ok)).toBe(false);
    expect(condition('${{ failure() }}', ctx, failed)).toBe(true);
    expect(condition('always()', ctx, failed)).toBe(true);
    expect(condition('cancelled()', ctx, failed)).toBe(false);
    expect(condition("github.ref_name == 'v1.2.3'", ctx, ok)).toBe(true);
    expect(condition("github.ref_name == 'v1.2.3'", ctx, failed)).toBe(false);
    expect(condition("failure() && steps.build.outcome == 'success'", ctx, failed)).toBe(true);
  });

  it('a malformed expression names itself', () => {
    expect(() => evaluate('github.', ctx)).toThrow(/github\./);
  });
});
