import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CONFIG, startService } from '@warden/http';
import { secretsUsedBy } from '@warden/secrets';
import { apiserverService } from './apiserver-service';

describe('apiserver start-up', () => {
  it('refuses production without its secrets, naming every required key and its env var', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-apiserver-'));
    const errors: string[] = [];
    const result = await startService(apiserverService, {
      env: { CLEARML_CONFIG_DIR: join(cwd, 'none'), NODE_ENV: 'production' },
      cwd,
      printError: (t) => errors.push(t),
    });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    const required = secretsUsedBy('apiserver').filter((s) => s.required);
    expect(required.length).toBeGreaterThan(0);
    for (const setting of required) {
      expect(errors.join('\n')).toContain(`${setting.path} is not set`);
    }
  });
});
