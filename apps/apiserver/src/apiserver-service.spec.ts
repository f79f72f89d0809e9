import { EXIT_CONFIG } from '@warden/http';
import { startInIsolation } from '@warden/http/testing';
import { secretsUsedBy } from '@warden/secrets';
import { apiserverService } from './apiserver-service';

describe('apiserver start-up', () => {
  it('refuses production without its secrets, naming every required key', async () => {
    const { result, errors } = await startInIsolation(apiserverService, { NODE_ENV: 'production' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    const required = secretsUsedBy('apiserver').filter((s) => s.required);
    expect(required.length).toBeGreaterThan(0);
    for (const setting of required) expect(errors).toContain(`${setting.path} is not set`);
  });
});
