import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';

function inputs(values: Record<string, string>) {
  const masked: string[] = [];
  const registry = new SecretRegistry();
  const i = new Inputs(
    (n) => values[n] ?? '',
    registry,
    (f) => masked.push(f),
    process.cwd(),
  );
  return { i, masked, registry };
}

describe('Inputs', () => {
  it('typed accessors with defaults', () => {
    const { i } = inputs({ timeout: '5m', retries: '3', 'dry-run': 'true', services: 'a,b', mode: 'all' });
    expect(i.duration('timeout', '30s')).toBe(300_000);
    expect(i.duration('interval', '30s')).toBe(30_000);
    expect(i.integer('retries', 1, { min: 0 })).toBe(3);
    expect(i.boolean('dry-run', false)).toBe(true);
    expect(i.boolean('fail-on-error', true)).toBe(true);
    expect(i.list('services')).toEqual(['a', 'b']);
    expect(i.choice('mode', ['all', 'per-migration'] as const, 'all')).toBe('all');
    expect(i.optional('missing')).toBeUndefined();
  });
  it('a required input that is missing says where to add it', () => {
    const { i } = inputs({});
    expect(() => i.string('checks', { required: true })).toThrow(ConfigurationError);
    expect(() => i.string('checks', { required: true })).toThrow(/Input required and not supplied: checks/);
  });
  it('secrets are masked as soon as they are read', () => {
    const { i, masked, registry } = inputs({ 'database-url': 'mysql://root:s3cr3t-pw@127.0.0.1/app' });
    expect(i.secret('database-url')).toBe('mysql://root:s3cr3t-pw@127.0.0.1/app');
    expect(masked).toEqual(expect.arrayContaining(['mysql://root:s3cr3t-pw@127.0.0.1/app', 's3cr3t-pw']));
    expect(registry.redact('connecting with s3cr3t-pw')).toBe('connecting with ***');
  });
  it('a min on a duration is enforced with the input name', () => {
    const { i } = inputs({ interval: '0s' });
    expect(() => i.duration('interval', '30s', { min: 1 })).toThrow(/interval is 0s: it must be at least 1ms/);
  });
});
