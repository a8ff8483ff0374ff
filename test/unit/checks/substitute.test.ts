import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../../src/checks/substitute.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';

describe('substituteEnv', () => {
  const env = { TOKEN: 's3cr3t-token', HOST: 'api.example.com' };
  it('replaces ${{ env.NAME }} (spaces optional) and returns what it put in', () => {
    expect(substituteEnv('Bearer ${{ env.TOKEN }} @ ${{env.HOST}}', env, 'h')).toEqual({
      text: 'Bearer s3cr3t-token @ api.example.com',
      values: ['s3cr3t-token', 'api.example.com'],
    });
    expect(substituteEnv('plain $HOME ${x}', env, 'h')).toEqual({ text: 'plain $HOME ${x}', values: [] });
  });
  it('refuses unset or empty variables, naming the field and the fix', () => {
    expect(() => substituteEnv('${{ env.NOPE }}', env, 'checks[0] ("a") headers.Authorization')).toThrow(
      /checks\[0\] \("a"\) headers.Authorization uses \$\{\{ env.NOPE \}\}, but NOPE is not set/,
    );
    expect(() => substituteEnv('${{ env.E }}', { E: '' }, 'f')).toThrow(/E is empty/);
  });
  it('refuses other expressions', () => {
    const err = (() => {
      try {
        substituteEnv('${{ secrets.TOKEN }}', env, 'f');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/only \$\{\{ env.NAME \}\} is replaced/);
  });
});
