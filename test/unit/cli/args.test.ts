import { describe, expect, it } from 'vitest';
import { helpText, inputEnvironment, parseActionArgs } from '../../../src/cli/args.js';

const specs = {
  checks: { description: 'Checks file', required: true },
  'base-url': { description: 'Base', default: '' },
  'fail-on-error': { description: 'Fail', default: 'true' },
  concurrency: { description: 'N', default: 10 },
};

describe('parseActionArgs', () => {
  it('takes --name value, --name=value and bare boolean flags', () => {
    const a = parseActionArgs(['--checks', 'a.yml', '--base-url=http://x', '--fail-on-error'], specs, 'smoke-test');
    expect(a.inputs).toEqual({ checks: 'a.yml', 'base-url': 'http://x', 'fail-on-error': 'true' });
  });
  it('an unknown flag suggests the input meant', () => {
    expect(() => parseActionArgs(['--base-ulr', 'x'], specs, 'smoke-test')).toThrow(/no input "base-ulr"\. Did you mean --base-url\?/);
  });
  it('a value-taking input without a value is an error', () => {
    expect(() => parseActionArgs(['--checks'], specs, 'smoke-test')).toThrow(/--checks needs a value/);
  });
  it('CLI switches', () => {
    expect(parseActionArgs(['--help', '--verbose', '--no-post'], specs, 'x')).toMatchObject({ help: true, verbose: true, noPost: true });
  });
});

describe('inputEnvironment', () => {
  it('fills defaults like the runner, flags win over INPUT_* env', () => {
    const env = inputEnvironment(specs, { checks: 'a.yml' }, { 'INPUT_BASE-URL': 'http://env', INPUT_CHECKS: 'ignored.yml' });
    expect(env).toEqual({
      INPUT_CHECKS: 'a.yml',
      'INPUT_BASE-URL': 'http://env',
      'INPUT_FAIL-ON-ERROR': 'true',
      INPUT_CONCURRENCY: '10',
    });
  });
  it('help lists every input with its default', () => {
    const h = helpText('smoke-test', 'Runs checks', specs);
    expect(h).toContain('--checks (required)');
    expect(h).toContain('--concurrency (default: 10)');
  });
});
