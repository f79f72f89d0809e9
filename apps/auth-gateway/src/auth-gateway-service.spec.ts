import { EXIT_CONFIG } from '@warden/http';
import { startInIsolation } from '@warden/http/testing';
import { generateSecretSet, secretsUsedBy } from '@warden/secrets';
import { authGatewayService } from './auth-gateway-service';

describe('auth-gateway start-up', () => {
  it('refuses production without its secrets, naming every required key', async () => {
    const { result, errors } = await startInIsolation(authGatewayService, { NODE_ENV: 'production' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    const required = secretsUsedBy('auth-gateway').filter((s) => s.required);
    expect(required.length).toBeGreaterThan(0);
    for (const setting of required) expect(errors).toContain(`${setting.path} is not set`);
  });

  it('refuses free-access login in production, with a message saying what to do', async () => {
    const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
    const { result, errors } = await startInIsolation(authGatewayService, {
      ...secrets,
      NODE_ENV: 'production',
      CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS: 'true',
    });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('auth_gateway.login.free_access is true');
    expect(errors).toContain('CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS=false');
    for (const value of Object.values(secrets)) expect(errors).not.toContain(value);
  });

  it('refuses a password policy weaker than 8 characters, naming the key', async () => {
    const { result, errors } = await startInIsolation(authGatewayService, { CLEARML__AUTH_GATEWAY__LOGIN__PASSWORD_POLICY__MIN_LENGTH: '4' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('auth_gateway.login.password_policy.min_length');
  });

  it('refuses a token lifetime setting of the wrong type, naming the key', async () => {
    const { result, errors } = await startInIsolation(authGatewayService, { CLEARML__APISERVER__AUTH__MAX_EXPIRATION_SEC: 'forever' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('apiserver.auth.max_expiration_sec');
  });
});
