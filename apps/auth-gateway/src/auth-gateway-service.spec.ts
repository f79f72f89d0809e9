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

  it('refuses production with a weak operator secret, naming it but not its value', async () => {
    const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
    const weak = 'operator-secret-too-short-42';
    const { result, errors } = await startInIsolation(authGatewayService, { ...secrets, NODE_ENV: 'production', CLEARML__SECURE__AUTH__OPERATOR_SECRET: weak });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('secure.auth.operator_secret is shorter than 50 characters');
    expect(errors).not.toContain(weak);
  });

  it('runs tenant create only with the operator secret from its configuration, never from the command line', async () => {
    const secret = generateSecretSet().find((s) => s.envVar === 'CLEARML__SECURE__AUTH__OPERATOR_SECRET')!.value;
    const argvSecret = await startInIsolation(
      authGatewayService,
      { CLEARML__SECURE__AUTH__OPERATOR_SECRET: secret },
      {
        argv: ['tenant', 'create', '--name', 'Acme', '--admin', 'ada', '--operator-secret', secret],
      },
    );
    expect(argvSecret.result).toEqual({ exitCode: 2 });
    expect(argvSecret.errors).toContain('--operator-secret: secrets are never read from the command line');
    expect(argvSecret.errors).not.toContain(secret);

    const unset = await startInIsolation(authGatewayService, {}, { argv: ['tenant', 'create', '--name', 'Acme', '--admin', 'ada'] });
    expect(unset.result).toEqual({ exitCode: 2 });
    expect(unset.errors).toContain('secure.auth.operator_secret is not set');

    // The gateway this deployment runs is not there: the command says so instead of hanging.
    const offline = await startInIsolation(
      authGatewayService,
      { CLEARML__SECURE__AUTH__OPERATOR_SECRET: secret, CLEARML__AUTH_GATEWAY__LISTEN_PORT: '1' },
      {
        argv: ['tenant', 'create', '--name', 'Acme', '--admin', 'ada'],
      },
    );
    expect(offline.result).toEqual({ exitCode: 1 });
    expect(offline.errors).toContain('cannot reach the gateway at http://127.0.0.1:1');
    expect(offline.errors).not.toContain(secret);
  });

  it.each([
    [['tenant'], 'missing verb'],
    [['tenant', 'delete'], "unknown verb 'delete'"],
    [['tenant', 'create', '--name', 'Acme'], '--name and --admin are required'],
    [['tenant', 'create', '--name', 'Acme', '--admin', 'ada', '--admin-password', 'hunter2'], 'secrets are never read from the command line'],
    [['tenant', 'create', '--name', 'Acme', '--admin'], '--admin needs a value'],
    [['tenant', 'create', '--name', 'Acme', '--admin', 'ada', '--role', 'root'], "unknown option '--role'"],
  ])('answers a usage error for %j', async (argv, message) => {
    const { result, errors } = await startInIsolation(authGatewayService, {}, { argv });
    expect(result).toEqual({ exitCode: 2 });
    expect(errors).toContain(message);
    expect(errors).toContain('usage: tenant create');
    expect(errors).not.toContain('hunter2');
  });
});

describe('auth-gateway unknown keys', () => {
  it('answers for its own sections of a shared environment', async () => {
    const out: string[] = [];
    const env = {
      CLEARML__APISERVER__AUTH__MAX_EXPIRATION_SEC: '60',
      CLEARML__APISERVER__AUTH__JWKS_URL: 'https://gateway.example/jwks',
      CLEARML__APISERVER__AUTH__JWKS_URLL: 'x',
      CLEARML__APISERVER__MAX_REQUEST_MB: '8',
    };
    const { result } = await startInIsolation(authGatewayService, env, { argv: ['config', 'check'], print: (text) => out.push(text) });
    expect(result).toEqual({ exitCode: 0 });
    const warnings = out.filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: unknown key apiserver.auth.jwks_urll (from env CLEARML__APISERVER__AUTH__JWKS_URLL [env]): no Warden service reads it; did you mean apiserver.auth.jwks_url?',
    ]);
  });

  it('refuses a console public host that is not an http(s) URL, naming the key', async () => {
    const { result, errors } = await startInIsolation(authGatewayService, { CLEARML__AUTH_GATEWAY__CONSOLE__FILES_HOST: 'ftp://files.example.org' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('auth_gateway.console.files_host');
    expect(errors).toContain('must be an http(s) URL');
  });
});
