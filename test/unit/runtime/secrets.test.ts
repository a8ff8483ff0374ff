import { describe, expect, it } from 'vitest';
import { SecretRegistry, secretForms } from '../../../src/runtime/secrets.js';

describe('secrets', () => {
  it('a URL with a password is masked whole and by its password, encoded and decoded', () => {
    const forms = secretForms('postgres://app:p%40ss-word@db:5432/app');
    expect(forms).toContain('postgres://app:p%40ss-word@db:5432/app');
    expect(forms).toContain('p%40ss-word');
    expect(forms).toContain('p@ss-word');
  });
  it('redacts longest first', () => {
    const r = new SecretRegistry();
    r.add('postgres://u:hunter22@h/db');
    expect(r.redact('url=postgres://u:hunter22@h/db pw=hunter22')).toBe('url=*** pw=***');
  });
  it('ignores values too short to mask safely', () => {
    const r = new SecretRegistry();
    r.add('ab');
    expect(r.redact('abc ab')).toBe('abc ab');
  });
});
