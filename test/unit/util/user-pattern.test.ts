import { describe, expect, it } from 'vitest';
import { evaluateBody, evaluateValue } from '../../../src/checks/assertions.js';
import { compileUserPattern, MAX_PATTERN_INPUT, PatternRefusedError, PatternTimeoutError, unsafePatternReason } from '../../../src/util/user-pattern.js';

describe('user patterns: the checked safe subset', () => {
  it.each([
    ['(a+)+$', /repeats a group that holds an unbounded quantifier/],
    ['(a*)*b', /repeats a group that holds an unbounded quantifier/],
    ['(.*a){20}', /repeats a group that holds an unbounded quantifier/],
    ['^(\\w+\\s?)*$', /repeats a group that holds an unbounded quantifier/],
    ['(a|a)*', /repeats alternatives that can start with the same character/],
    ['(a|ab)*c', /repeats alternatives that can start with the same character/],
    ['(\\d|[0-9a-f])+', /repeats alternatives that can start with the same character/],
    ['\\d+\\d*', /unbounded quantifiers side by side over the same characters/],
    ['.*.*=', /unbounded quantifiers side by side over the same characters/],
    ['a*b?a*', /unbounded quantifiers side by side over the same characters/],
    ['(x)\\1', /backreference \(\\1\)/],
    ['(?<n>a)\\k<n>', /backreference \(\\k<…>\)/],
    ['a(?=b)', /lookaround/],
    ['a(?!b)', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['(?<!a)b', /lookaround/],
  ])('refuses %s', (source, reason) => {
    expect(unsafePatternReason(source)).toMatch(reason);
    expect(() => compileUserPattern(source)).toThrow(PatternRefusedError);
  });

  it.each([
    '^1\\.',
    'ready',
    '"status":\\s*"ok"',
    '^v\\d+\\.\\d+\\.\\d+$',
    '(foo|bar)+',
    '[a-z]+@[a-z]+\\.com',
    '\\s*\\S+',
    '.*foo.*',
    '<title>[^<]*</title>',
    '(?:ab|cd){3}',
    '[0-9]{1,3}(\\.[0-9]{1,3}){3}',
    '^ci/',
    '\\w+-\\w+',
    '[(]+x',
  ])('accepts %s and matches as JavaScript does', (source) => {
    const pattern = compileUserPattern(source);
    for (const text of ['ready', 'v1.2.3', '{"status": "ok"}', 'a-b', '<title>x</title>', '10.0.0.1', 'ci/build', '((x']) {
      expect(pattern.test(text), `${source} on ${text}`).toBe(new RegExp(source).test(text));
    }
  });

  it('names a syntax error as one', () => {
    const err = (() => {
      try {
        compileUserPattern('(');
      } catch (e) {
        return e as PatternRefusedError;
      }
    })();
    expect(err).toBeInstanceOf(PatternRefusedError);
    expect(err!.syntax).toBe(true);
    expect(err!.message).toMatch(/is not a valid regular expression/);
  });
});

describe('user patterns: what the subset cannot see is stopped at run time', () => {
  // [\s\S]*x is inside the subset but quadratic on a long text without an x: the time limit stops it.
  const quadratic = compileUserPattern('[\\s\\S]*x');
  const long = 'a'.repeat(200_000);

  it('a match past the time limit throws PatternTimeoutError naming the pattern', () => {
    expect(() => quadratic.test(long)).toThrow(PatternTimeoutError);
    expect(() => quadratic.test(long)).toThrow(/matching \/\[\\s\\S\]\*x\/ took longer than 1 s and was stopped/);
  });

  it('a check on such a body gets a failing verdict with the reason, not a hang', () => {
    const reasons = evaluateBody(long, { contains: [], notContains: [], matches: [{ pattern: quadratic, source: '[\\s\\S]*x' }] });
    expect(reasons).toEqual([expect.stringMatching(/^the body: matching .* took longer than 1 s and was stopped: simplify the pattern$/)]);
    expect(evaluateValue({ op: 'matches', pattern: quadratic, source: '[\\s\\S]*x' }, true, long, 'header x-long')).toMatch(
      /^header x-long: matching .* took longer than 1 s/,
    );
  });

  it('a pattern is tried on the first 1 MiB of a text only, and the reason says so', () => {
    const tail = compileUserPattern('END');
    const body = `${'.'.repeat(MAX_PATTERN_INPUT)}END`;
    expect(tail.test(body)).toBe(false);
    expect(evaluateBody(body, { contains: [], notContains: [], matches: [{ pattern: tail, source: 'END' }] })).toEqual([
      'the body does not match /END/ in its first 1 MiB (a pattern is tried on no more)',
    ]);
    expect(tail.test(`END${'.'.repeat(MAX_PATTERN_INPUT)}`)).toBe(true);
  });
});
