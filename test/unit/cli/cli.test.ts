import { describe, expect, it } from 'vitest';
import { helpText, inputEnvironment, parseActionArgs } from '../../../src/cli/args.js';
import { CommandTranslator } from '../../../src/cli/commands.js';

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

describe('CommandTranslator', () => {
  it('drops add-mask lines and masks the value afterwards', () => {
    const t = new CommandTranslator();
    expect(t.translate('::add-mask::tok-123456')).toBeUndefined();
    expect(t.translate('sending Authorization: Bearer tok-123456')).toBe('sending Authorization: Bearer ***');
    expect(t.translate('::error::bad tok-123456')).toBe('error: bad ***');
  });
  it('annotations keep their file and line; groups become headings; debug only when verbose', () => {
    const t = new CommandTranslator();
    expect(t.translate('::error file=db/V2__x.sql,line=3::syntax error')).toBe('error: db/V2__x.sql:3: syntax error');
    expect(t.translate('::group::Plan')).toBe('▶ Plan');
    expect(t.translate('::endgroup::')).toBeUndefined();
    expect(t.translate('::debug::x')).toBeUndefined();
    expect(new CommandTranslator(true).translate('::debug::x')).toBe('debug: x');
    expect(t.translate('::warning::multi%0Aline')).toBe('warning: multi\nline');
  });
});

describe('parseFileCommands', () => {
  it('reads heredoc and key=value forms', async () => {
    const { parseFileCommands } = await import('../../../src/cli/file-commands.js');
    expect(parseFileCommands('a<<EOF_1\nline1\nline2\nEOF_1\nb=2\n')).toEqual({ a: 'line1\nline2', b: '2' });
  });
});
