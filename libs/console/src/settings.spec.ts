import { consoleSettingsSchema, publicHosts } from './settings';

describe('console public hosts', () => {
  it('defaults to the loopback ports of the stack, the web host on the gateway port', () => {
    expect(publicHosts(consoleSettingsSchema.parse(undefined), 8443)).toEqual({
      api: 'http://127.0.0.1:8008',
      web: 'http://127.0.0.1:8443',
      files: 'http://127.0.0.1:8081',
    });
  });

  it('takes http(s) URLs without a trailing slash', () => {
    const settings = consoleSettingsSchema.parse({
      api_host: 'https://api.example.org/',
      web_host: 'https://app.example.org',
      files_host: 'http://10.0.0.5:8081',
    });
    expect(publicHosts(settings, 8080)).toEqual({ api: 'https://api.example.org', web: 'https://app.example.org', files: 'http://10.0.0.5:8081' });
  });

  it.each(['ftp://files.example.org', 'api.example.org', 'https://user:pw@api.example.org', 'https://api.example.org/?x=1', 'https://api.example.org/#x', ''])(
    'refuses %j',
    (value) => {
      expect(consoleSettingsSchema.safeParse({ api_host: value }).success).toBe(false);
    },
  );
});
