import { ConfigError } from '../errors';
import { parseHocon, parseHoconValue } from './parse';

const parse = (text: string, env?: Record<string, string>) => parseHocon(text, { source: 'test.conf', env });

describe('HOCON parser', () => {
  it('reads a ClearML secure.conf with comments, nesting and quoted values', () => {
    const { value, lines } = parse(`{
    http {
        session_secret {
            apiserver: "Gx*gB-L2U8!Naqzd#8=7A4&+=In4H(da424H33ZTDQRGF6=FWw"
        }
    }
    auth {
        # token sign secret
        token_secret: "7E1ua3xP9GT2(cIQOfhjp+gwN6spBeCAmN-XuugYle00I=Wc+u"
    }
}`);
    expect(value).toEqual({
      http: { session_secret: { apiserver: 'Gx*gB-L2U8!Naqzd#8=7A4&+=In4H(da424H33ZTDQRGF6=FWw' } },
      auth: { token_secret: '7E1ua3xP9GT2(cIQOfhjp+gwN6spBeCAmN-XuugYle00I=Wc+u' },
    });
    expect(lines.get('auth.token_secret')).toBe(9);
    expect(lines.get('http.session_secret.apiserver')).toBe(4);
  });

  it('reads fixed users the way ClearML documents them', () => {
    const { value } = parse(`auth {
  fixed_users {
    enabled: true
    pass_hashed: false
    users: [
      { username: "jane", password: "12345678", name: "Jane Doe" },
      {
        username: john
        password = "pw // not a comment"
        name: "John Doe"
      }
    ]
  }
}`);
    expect(value).toEqual({
      auth: {
        fixed_users: {
          enabled: true,
          pass_hashed: false,
          users: [
            { username: 'jane', password: '12345678', name: 'Jane Doe' },
            { username: 'john', password: 'pw // not a comment', name: 'John Doe' },
          ],
        },
      },
    });
  });

  it('types unquoted literals and keeps quoted ones as strings', () => {
    const { value } = parse(`a: 1\nb: -2.5\nc: true\nd: null\ne: "8008"\nf: "true"\ng: 1e3\nh: 0755`);
    expect(value).toEqual({ a: 1, b: -2.5, c: true, d: null, e: '8008', f: 'true', g: 1000, h: '0755' });
  });

  it('supports dotted keys, = and : separators, commas, // comments and merging of repeated objects', () => {
    const { value } = parse(`a.b.c = 1 // trailing comment
a { b { d: 2 } }, a.e: [1, 2,
  3]
a.b.c: 5`);
    expect(value).toEqual({ a: { b: { c: 5, d: 2 }, e: [1, 2, 3] } });
  });

  it('keeps spaces inside unquoted values and concatenates quoted parts', () => {
    const { value } = parse(`name: Jane Doe   \nurl: http://host:8081/x\npath: "a"/b`);
    expect(value).toEqual({ name: 'Jane Doe', url: 'http://host:8081/x', path: 'a/b' });
  });

  it('reads unquoted URLs as pyhocon does: // inside a word is text, after a space a comment', () => {
    const { value } = parse(`api { url: http://host:8080 }
files: http://files:8081/a//b // the fileserver
hosts: [http://a:1, http://b/c]`);
    expect(value).toEqual({ api: { url: 'http://host:8080' }, files: 'http://files:8081/a//b', hosts: ['http://a:1', 'http://b/c'] });
  });

  it('reads triple-quoted multi-line strings and counts their lines', () => {
    const { value, lines } = parse(`key: """-----BEGIN X-----\nabc\n-----END X-----"""\nnext: 1`);
    expect(value.key).toBe('-----BEGIN X-----\nabc\n-----END X-----');
    expect(lines.get('next')).toBe(4);
  });

  it('resolves substitutions from the document and the environment', () => {
    const { value } = parse(`base: "/data"\nuploads: \${base}"/uploads"\nhome: \${?HOME_DIR}\nmissing: \${?NOPE}\ncopy: \${base}`, {
      HOME_DIR: '/home/x',
    });
    expect(value).toEqual({ base: '/data', uploads: '/data/uploads', home: '/home/x', missing: null, copy: '/data' });
  });

  it('appends to lists with +=', () => {
    expect(parse(`l: [1]\nl += 2`).value).toEqual({ l: [1, 2] });
  });

  it.each([
    ['a: {', /test.conf:1: expected '}'/],
    ['a: "unterminated', /test.conf:1: unterminated quoted string/],
    ['a: [1, 2', /unterminated list/],
    ['\n\na b', /test.conf:3: expected ':' or '='/],
    ['a: 1\n}', /test.conf:2: expected a key, found '}'/],
    ['a { b: 1 } c: 2', /test.conf:1: expected ',' or a new line/],
    ['a: ${nothere}', /nothere.* not defined/],
    ['__proto__ { polluted: true }', /key '__proto__' is not allowed/],
    ['a.constructor.prototype.x: 1', /is not allowed/],
    ['include "other.conf"', /include "other.conf" is not supported/],
  ])('rejects %j with a located message', (text, message) => {
    expect(() => parse(text)).toThrow(ConfigError);
    expect(() => parse(text)).toThrow(message);
  });

  it('never pollutes Object.prototype', () => {
    expect(() => parse('"__proto__": { polluted: 1 }')).toThrow(ConfigError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('parses single values for environment variables', () => {
    expect(parseHoconValue('["a", "b"]', 'env X')).toEqual(['a', 'b']);
    expect(parseHoconValue('{ a: 1, b: [true] }', 'env X')).toEqual({ a: 1, b: [true] });
    expect(() => parseHoconValue('[1, 2', 'env X')).toThrow(/env X:1: unterminated list/);
  });
});
