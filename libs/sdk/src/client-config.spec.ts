import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveClientConfig } from './client-config';
import { SdkError } from './sdk-error';

const SECRET = 'file-secret-0123456789abcdef';
const CONF = `
api {
  api_server: "http://api.example:8008"
  web_server: http://web.example:8080
  files_server: "http://files.example:8081/"
  credentials {
    "access_key" = "FILEACCESSKEY"
    "secret_key" = "${SECRET}"
  }
}
sdk { development { task_reuse_time_window_in_hours: 72.0 } }
`;

function home(conf?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-home-'));
  if (conf !== undefined) writeFileSync(join(dir, 'clearml.conf'), conf);
  return dir;
}

function failure(run: () => unknown): SdkError {
  try {
    run();
  } catch (error) {
    if (error instanceof SdkError) return error;
    throw error;
  }
  throw new Error('expected an SdkError');
}

describe('resolveClientConfig', () => {
  it('reads ~/clearml.conf (HOCON) and strips trailing slashes', () => {
    const homeDir = home(CONF);
    const config = resolveClientConfig({ env: {}, homeDir });
    expect(config).toMatchObject({
      apiHost: 'http://api.example:8008',
      webHost: 'http://web.example:8080',
      filesHost: 'http://files.example:8081',
      accessKey: 'FILEACCESSKEY',
      secretKey: SECRET,
    });
    expect(config.source.secretKey).toBe(`file:${join(homeDir, 'clearml.conf')}`);
  });

  it('lets each environment variable win over the file, setting by setting', () => {
    const config = resolveClientConfig({
      env: { CLEARML_API_HOST: 'https://api.env', CLEARML_API_SECRET_KEY: 'env-secret-value-123' },
      homeDir: home(CONF),
    });
    expect(config.apiHost).toBe('https://api.env');
    expect(config.secretKey).toBe('env-secret-value-123');
    expect(config.accessKey).toBe('FILEACCESSKEY');
    expect(config.source).toMatchObject({ apiHost: 'env:CLEARML_API_HOST', secretKey: 'env:CLEARML_API_SECRET_KEY' });
    expect(config.source.filesHost).toMatch(/^file:/);
  });

  it('works from the environment alone when there is no file', () => {
    const config = resolveClientConfig({
      env: { CLEARML_API_HOST: 'http://a', CLEARML_FILES_HOST: 'http://f', CLEARML_API_ACCESS_KEY: 'k', CLEARML_API_SECRET_KEY: 's' },
      homeDir: home(),
    });
    expect(config).toMatchObject({ apiHost: 'http://a', filesHost: 'http://f', webHost: undefined });
  });

  it('reads the file CLEARML_CONFIG_FILE names instead of ~/clearml.conf', () => {
    const other = join(home(), 'other.conf');
    writeFileSync(other, CONF.replace('api.example', 'other.example'));
    const config = resolveClientConfig({ env: { CLEARML_CONFIG_FILE: other }, homeDir: home('api { api_server: "http://ignored" }') });
    expect(config.apiHost).toBe('http://other.example:8008');
    expect(config.source.apiHost).toBe(`file:${other}`);
  });

  it('fails when CLEARML_CONFIG_FILE names a file that does not exist', () => {
    const error = failure(() => resolveClientConfig({ env: { CLEARML_CONFIG_FILE: '/nonexistent/clearml.conf' }, homeDir: home(CONF) }));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('/nonexistent/clearml.conf');
  });

  it('names every missing setting without printing the secret it did find', () => {
    const error = failure(() =>
      resolveClientConfig({ env: { CLEARML_API_HOST: 'http://a', CLEARML_API_SECRET_KEY: 'present-secret-value-xyz' }, homeDir: home() }),
    );
    expect(error.code).toBe('ERR_CONFIG_MISSING');
    expect(error.message).toContain('CLEARML_FILES_HOST or api.files_server');
    expect(error.message).toContain('CLEARML_API_ACCESS_KEY or api.credentials.access_key');
    expect(error.message).not.toContain('CLEARML_API_SECRET_KEY');
    expect(error.message).not.toContain('present-secret-value-xyz');
    expect(error.message).toContain('clearml.conf (not found)');
  });

  it('reports a HOCON syntax error with the file and line', () => {
    const error = failure(() => resolveClientConfig({ env: {}, homeDir: home('api {\n  api_server: "http://a"\n  credentials {') }));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toMatch(/clearml\.conf:\d+:/);
  });

  it('rejects hosts that are not http(s) URLs or that embed credentials, without echoing them', () => {
    const base = { CLEARML_FILES_HOST: 'http://f', CLEARML_API_ACCESS_KEY: 'k', CLEARML_API_SECRET_KEY: 's' };
    expect(failure(() => resolveClientConfig({ env: { ...base, CLEARML_API_HOST: 'ftp://a' }, homeDir: home() })).message).toContain('http(s)');
    const embedded = failure(() => resolveClientConfig({ env: { ...base, CLEARML_API_HOST: 'http://user:hunter2pass@a' }, homeDir: home() }));
    expect(embedded.message).toContain('must not embed credentials');
    expect(embedded.message).not.toContain('hunter2pass');
  });
});
