import { EXIT_CONFIG } from '@warden/http';
import { startInIsolation } from '@warden/http/testing';
import { secretsUsedBy } from '@warden/secrets';
import { authGatewayService } from './auth-gateway-service';

describe('auth-gateway start-up', () => {
  it('refuses production without its secrets, naming every required key', async () => {
    const { result, errors } = await startInIsolation(authGatewayService, { NODE_ENV: 'production' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    const required = secretsUsedBy('auth-gateway').filter((s) => s.required);
    expect(required.length).toBeGreaterThan(0);
    for (const setting of required) expect(errors).toContain(`${setting.path} is not set`);
  });
});
