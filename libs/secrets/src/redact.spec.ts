import { REDACTED, SecretScrubber, redactTree, redactUrlCredentials } from './redact';
import { isSecretPath } from './registry';

describe('redaction', () => {
  it('scrubs secret values, including their JSON-escaped form, from any text', () => {
    const scrubber = new SecretScrubber();
    const secret = 'x!XTov_G-#vspE*Y(h$Anm&"DIc5Ou-F)jsl$PdOyj5wG1&E!Z8';
    scrubber.add(secret);
    scrubber.add('short');
    const line = JSON.stringify({ msg: `bad value ${secret}`, err: { message: secret } });
    const out = scrubber.scrub(line);
    expect(out).not.toContain('vspE*Y');
    expect(out.split(REDACTED).length - 1).toBe(2);
    expect(scrubber.scrub('a short word')).toBe('a short word');
  });

  it('hides passwords embedded in URLs', () => {
    expect(redactUrlCredentials('connect mongodb://admin:hunter2hunter2@db:27017/backend failed')).toBe(
      `connect mongodb://admin:${REDACTED}@db:27017/backend failed`,
    );
  });

  it('hides them whatever the scheme or its case', () => {
    expect(redactUrlCredentials('x=1http://u:secretpw@h HTTPS://U:SECRETPW@H')).toBe(`x=1http://u:${REDACTED}@h HTTPS://U:${REDACTED}@H`);
  });

  // Error messages echo what a client sent (up to the body limit); each shape cost minutes before.
  it.each([
    ['letters', 'x'.repeat(2 ** 20)],
    ['scheme characters', 'a.+-1'.repeat(2 ** 18)],
    ['schemes without userinfo', 'a://'.repeat(2 ** 18)],
    ['userinfo without @', `a://${'b:'.repeat(2 ** 19)}`],
  ])('scrubs a megabyte of %s in linear time', (_, text) => {
    const started = performance.now();
    expect(new SecretScrubber().scrub(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('redacts secret leaves of a tree and keeps the rest', () => {
    const tree = {
      secure: { auth: { token_secret: 'abc' }, credentials: { apiserver: { role: 'system', user_key: 'K' } } },
      auth: { fixed_users: { users: [{ username: 'jane', password: 'pw' }] } },
      hosts: { mongo: { backend: { host: 'mongodb://u:p@h/db' } } },
      apiserver: { listen_port: 8008 },
    };
    expect(redactTree(tree, isSecretPath)).toEqual({
      secure: { auth: { token_secret: REDACTED }, credentials: { apiserver: { role: 'system', user_key: REDACTED } } },
      auth: { fixed_users: { users: [{ username: 'jane', password: REDACTED }] } },
      hosts: { mongo: { backend: { host: `mongodb://u:${REDACTED}@h/db` } } },
      apiserver: { listen_port: 8008 },
    });
  });
});
