import fc from 'fast-check';
import { WardenError } from '@warden/errors';
import { portableRegex } from './portable-regex';

const verdict = (pattern: string) => {
  try {
    portableRegex(pattern, 'name');
    return 'ok';
  } catch (error) {
    return error instanceof WardenError ? `${error.code}:${String(error.data.field)}` : `unexpected ${String(error)}`;
  }
};

describe('portable name patterns', () => {
  it.each([
    '^warden\\-compat$',
    'a.b*c+d?e{2}f{2,}g{2,5}h*?',
    '(?:ab|cd)+|^$',
    '[a-z0-9_\\-\\]]',
    '[^\\d\\s.]',
    '\\bword\\B\\t\\n',
    '\\{literal\\}',
    'ünïcödé 😀+ }',
    '(a{10}){100}',
    '[-a]|[a-]',
    'my\\ project\\ \\#1\\ \\&\\ co\\~\\\t',
  ])('accepts %s, which JavaScript, PCRE and RE2 read alike', (pattern) => {
    expect(verdict(pattern)).toBe('ok');
    expect(() => new RegExp(pattern, 'i')).not.toThrow();
  });

  it.each([
    ['\\u0041', 'a JavaScript-only escape'],
    ['\\e', 'a PCRE-only escape'],
    ['\\Z', 'an anchor RE2 lacks'],
    ['\\x41', 'a hex escape'],
    ['\\cA', 'a control escape'],
    ['\\p{L}', 'a property class'],
    ['\\1', 'a backreference'],
    ['(?=a)', 'a lookahead'],
    ['(?<n>a)', 'a named group'],
    ['(?i)a', 'an inline flag'],
    ['a{1001}', 'a count over 1000'],
    ['(a{100}){100}', 'nested counts over 1000 in all'],
    ['a{,5}', 'a count each engine reads differently'],
    ['{', 'a lone brace'],
    ['a**', 'a nested quantifier'],
    ['a*+', 'a possessive quantifier'],
    ['*a', 'nothing to repeat'],
    ['^*', 'a repeated anchor'],
    ['[[:alpha:]]', 'a POSIX class'],
    ['[]a]', 'a class opening with ]'],
    ['[z-a]', 'a range out of order'],
    ['[\\d-z]', 'a range from a set'],
    ['[a-c-e]', 'a - after a range'],
    ['[abc', 'an unterminated class'],
    ['(ab', 'an unterminated group'],
    ['ab)', 'an unbalanced )'],
    ['ab\\', 'a trailing \\'],
    ['a\u0000b', 'a NUL'],
  ])('refuses %s (%s) with ERR_INVALID_REGEX naming the field', (pattern) => {
    expect(verdict(pattern)).toBe('ERR_INVALID_REGEX:name');
  });

  it('unescapes escaped non-ASCII characters (an older re.escape), which RE2 refuses, and keeps the rest', () => {
    expect(portableRegex('^caf\\é\\ \\😀$', 'name')).toBe('^café\\ 😀$');
    expect(portableRegex('\\\\é[\\ü-\\ÿ]', 'name')).toBe('\\\\é[ü-ÿ]');
  });

  it('never accepts what JavaScript refuses, and never fails otherwise than with ERR_INVALID_REGEX', () => {
    const atoms = fc.constantFrom(
      'a',
      'Z',
      '.',
      '^',
      '$',
      '|',
      '(',
      ')',
      '(?:',
      '[',
      ']',
      '[^',
      '-',
      '\\',
      '\\d',
      '\\w',
      '\\b',
      '\\-',
      '*',
      '+',
      '?',
      '{',
      '}',
      '{2}',
      '{1,3}',
      ',',
      '0',
      'é',
      '😀',
    );
    fc.assert(
      fc.property(
        fc.array(atoms, { maxLength: 16 }).map((parts) => parts.join('')),
        (pattern) => {
          const result = verdict(pattern);
          if (result === 'ok') new RegExp(pattern, 'i');
          else expect(result).toBe('ERR_INVALID_REGEX:name');
        },
      ),
      { seed: Number(process.env.WARDEN_FUZZ_SEED ?? 20261201), numRuns: 2000 },
    );
  });
});
