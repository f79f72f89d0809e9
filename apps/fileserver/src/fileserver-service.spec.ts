import { EXIT_CONFIG } from '@warden/http';
import { CapturedLogs, startInIsolation } from '@warden/http/testing';
import { generateKey, generateSecret } from '@warden/secrets';
import { AUTH_DISABLED_WARNING, fileserverService } from './fileserver-service';

describe('fileserver start-up', () => {
  it('refuses production with missing or default secrets, naming every key', async () => {
    const { result, errors } = await startInIsolation(fileserverService, {
      NODE_ENV: 'production',
      CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY: 'GSQWPEKSKNKF354LC9V6BHXKTYFD5I',
    });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toMatch(/secure\.credentials\.fileserver\.user_key is a publicly known default/);
    expect(errors).toMatch(/secure\.credentials\.fileserver\.user_secret is not set/);
    expect(errors).not.toContain('GSQWPEKSKNKF354LC9V6BHXKTYFD5I');
  });

  it('stops on a badly typed setting, naming the key and its source', async () => {
    const { result, errors } = await startInIsolation(fileserverService, { CLEARML__fileserver__auth__enabled: 'sometimes' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('fileserver.auth.enabled: Expected boolean, received string ("sometimes" from env CLEARML__fileserver__auth__enabled)');
  });

  it('warns at start-up and on /ready when auth is turned off', async () => {
    const logs = new CapturedLogs();
    const secret = generateSecret();
    const { result } = await startInIsolation(
      fileserverService,
      {
        CLEARML__fileserver__auth__enabled: 'false',
        CLEARML__FILESERVER__LISTEN_PORT: '0',
        CLEARML__FILESERVER__METRICS__ENABLED: 'false',
        CLEARML_REDIS_SERVICE_PORT: '1',
        CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY: generateKey(),
        CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_SECRET: secret,
      },
      { destination: logs },
    );
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}`);
    try {
      const ready = await fetch(`http://127.0.0.1:${result.port}/ready`);
      const body = (await ready.json()) as { failing: string[]; warnings: string[] };
      expect(ready.status).toBe(503);
      expect(body.failing).toEqual(['redis']);
      expect(body.warnings).toEqual([AUTH_DISABLED_WARNING]);
      expect(logs.text).toContain(AUTH_DISABLED_WARNING);
      expect(logs.text).not.toContain(secret);
    } finally {
      await result.shutdown('test');
    }
  });
});
