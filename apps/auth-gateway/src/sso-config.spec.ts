import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@warden/config';
import { EXIT_CONFIG } from '@warden/http';
import { startInIsolation } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { providerSettings } from '@warden/sso';
import { authGatewayService } from './auth-gateway-service';

// ClearML's KeyCloak page, variable by variable, exactly as it spells them (groups__admins is a JSON
// string, as the Helm values pass it).
const CLIENT_SECRET = 'kc-generated-client-secret-0123456789abcdef';
const SEED_ENV = {
  CLEARML__services__login__sso__oauth_client__keycloak__base_url: 'https://sso.example.com/realms/clearml',
  CLEARML__services__login__sso__oauth_client__keycloak__authorize_url: 'https://sso.example.com/realms/clearml/protocol/openid-connect/auth',
  CLEARML__services__login__sso__oauth_client__keycloak__access_token_url: 'https://sso.example.com/realms/clearml/protocol/openid-connect/token',
  CLEARML__secure__login__sso__oauth_client__keycloak__client_id: 'clearml',
  CLEARML__secure__login__sso__oauth_client__keycloak__client_secret: CLIENT_SECRET,
  CLEARML__secure__login__sso__oauth_client__keycloak__default_company: 'd1bd92a3b039400cbafc60a7a5b1e52b',
  CLEARML__services__login__sso__oauth_client__keycloak__groups__enabled: 'true',
  CLEARML__services__login__sso__oauth_client__keycloak__groups__claim: 'groups',
  CLEARML__services__login__sso__oauth_client__keycloak__claims__name: 'preferred_username',
  CLEARML__services__login__sso__oauth_client__keycloak__groups__admins: '["clearml-admins"]',
  CLEARML__services__login__sso__oauth_client__keycloak__groups__prohibit_user_signup_if_not_in_group: 'true',
  CLEARML__services__login__sso__oauth_client__keycloak__admin_role: 'clearml-admin',
  CLEARML__services__login__sso__oauth_client__keycloak__idp_logout: 'true',
  CLEARML__services__login__sso__oauth_client__keycloak__get_info_from_access_token: 'false',
};

function providersFrom(env: Record<string, string>, mode: 'production' | 'development' = 'development') {
  const cwd = mkdtempSync(join(tmpdir(), 'warden-sso-config-'));
  const resolved = resolveConfig({ app: 'auth-gateway', defaults: authGatewayService.defaults, env: { CLEARML_CONFIG_DIR: join(cwd, 'none'), ...env }, cwd });
  const config = resolved.validate(authGatewayService.schema);
  return { resolved, ...providerSettings(config.services.login.sso.oauth_client, config.secure.login.sso.oauth_client, mode) };
}

describe('SSO configuration the ClearML way', () => {
  it("reads every variable of the seed's KeyCloak page", () => {
    const { providers } = providersFrom(SEED_ENV);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({
      name: 'keycloak',
      base_url: 'https://sso.example.com/realms/clearml',
      authorize_url: 'https://sso.example.com/realms/clearml/protocol/openid-connect/auth',
      access_token_url: 'https://sso.example.com/realms/clearml/protocol/openid-connect/token',
      clientId: 'clearml',
      clientSecret: CLIENT_SECRET,
      defaultCompany: 'd1bd92a3b039400cbafc60a7a5b1e52b',
      groups: { enabled: true, claim: 'groups', admins: ['clearml-admins'], prohibit_user_signup_if_not_in_group: true },
      claims: { name: 'preferred_username', user_id: 'sub', email: 'email' },
      admin_role: 'clearml-admin',
      idp_logout: true,
      get_info_from_access_token: false,
    });
  });

  it('defaults what the seed leaves out: admin_role admin, access token as claims source, PKCE S256', () => {
    const { providers } = providersFrom({
      CLEARML__services__login__sso__oauth_client__okta__base_url: 'https://okta.example.com',
      CLEARML__secure__login__sso__oauth_client__okta__client_id: 'x',
    });
    expect(providers[0]).toMatchObject({ admin_role: 'admin', get_info_from_access_token: true, idp_logout: false, pkce: 'S256', groups: { enabled: false } });
  });

  it('takes admin_role "" (role-based admin off) and several providers at once', () => {
    const { providers } = providersFrom({
      ...SEED_ENV,
      CLEARML__services__login__sso__oauth_client__keycloak__admin_role: '""',
      CLEARML__services__login__sso__oauth_client__azure__base_url: 'https://login.example.com/tenant/v2.0',
      CLEARML__secure__login__sso__oauth_client__azure__client_id: 'y',
    });
    expect(providers.map((p) => p.name)).toEqual(['azure', 'keycloak']);
    expect(providers[1].admin_role).toBe('');
  });

  it('reads the client secret from a _FILE variant and redacts it in config views', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'warden-sso-secret-')), 'secret');
    writeFileSync(file, `${CLIENT_SECRET}\n`);
    const env: Record<string, string> = { ...SEED_ENV, CLEARML__secure__login__sso__oauth_client__keycloak__client_secret_FILE: file };
    delete env['CLEARML__secure__login__sso__oauth_client__keycloak__client_secret'];
    const { providers, resolved } = providersFrom(env);
    expect(providers[0].clientSecret).toBe(CLIENT_SECRET);
    expect(JSON.stringify(resolved.dump())).not.toContain(CLIENT_SECRET);
    expect(resolved.explain('secure.login.sso.oauth_client.keycloak.client_secret')).not.toContain(CLIENT_SECRET);
  });

  it.each([
    [{ CLEARML__secure__login__sso__oauth_client__keycloak__client_id: '' }, 'client_id'],
    [{ CLEARML__services__login__sso__oauth_client__1bad__base_url: 'https://x.example' }, "provider name '1bad'"],
    [{ CLEARML__secure__login__sso__oauth_client__okta__client_id: 'x' }, 'services.login.sso.oauth_client.okta is not'],
    [{ CLEARML__services__login__sso__oauth_client__keycloak__base_url: 'not a url' }, 'base_url'],
  ])('stops the start naming the problem: %j', async (extra, message) => {
    const { result, errors } = await startInIsolation(authGatewayService, { ...SEED_ENV, ...extra });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain(message);
    expect(errors).not.toContain(CLIENT_SECRET);
  });

  it('refuses production with a missing or short client secret or without web_host, never printing the secret', async () => {
    const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
    const base = { ...secrets, ...SEED_ENV, NODE_ENV: 'production', CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST: 'https://clearml.example.com' };
    const short = await startInIsolation(authGatewayService, { ...base, CLEARML__secure__login__sso__oauth_client__keycloak__client_secret: 'short-secret' });
    expect(short.result).toEqual({ exitCode: EXIT_CONFIG });
    expect(short.errors).toContain('secure.login.sso.oauth_client.keycloak.client_secret is shorter than 16 characters');
    expect(short.errors).not.toContain('short-secret');

    const missing: Record<string, string> = { ...base };
    delete missing['CLEARML__secure__login__sso__oauth_client__keycloak__client_secret'];
    const none = await startInIsolation(authGatewayService, missing);
    expect(none.errors).toContain('secure.login.sso.oauth_client.keycloak.client_secret is not set');

    const noUrl: Record<string, string> = { ...base };
    delete noUrl['CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST'];
    const url = await startInIsolation(authGatewayService, noUrl);
    expect(url.result).toEqual({ exitCode: EXIT_CONFIG });
    expect(url.errors).toContain('CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST');
    expect(url.errors).not.toContain(CLIENT_SECRET);
  });
});
