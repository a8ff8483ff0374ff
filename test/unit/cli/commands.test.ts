import { describe, expect, it } from 'vitest';
import { CommandTranslator } from '../../../src/cli/commands.js';

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
