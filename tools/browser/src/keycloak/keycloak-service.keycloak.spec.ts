// The Keycloak test service on its own (tools/services/keycloak.sh, realm-warden.json): the realm is
// discoverable, its users log in and get signed tokens with the claims the seed's settings read, the
// client is locked to the Warden callback with PKCE, and the admin REST helpers change what the next
// login sees. Runs in the Keycloak tier (tools/browser/keycloak-suite.sh), against the instance it started.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeycloakAdmin } from './testing/keycloak-admin';
import { ADMIN_GROUP, ADMIN_ROLE, MEMBER_GROUP, readKeycloakState, REALM_USERS } from './testing/keycloak-state';
import { passwordGrant, verifyRealmToken } from './testing/keycloak-tokens';

const state = readKeycloakState();
const jwtClaims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
const admin = new KeycloakAdmin(state);

async function claimsOf(username: string) {
  const tokens = await passwordGrant(state, username);
  return {
    id: await verifyRealmToken(state, tokens.id_token, state.client.clientId),
    access: await verifyRealmToken(state, tokens.access_token, state.client.clientId),
    accessToken: tokens.access_token,
  };
}

describe('Keycloak test service', () => {
  it('publishes the discovery document the seed base_url leads to', async () => {
    const res = await fetch(`${state.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(state.issuer);
    // The seed: authorize and token endpoints start with the base URL, just before protocol/openid-connect/.
    expect(doc.authorization_endpoint).toBe(`${state.issuer}/protocol/openid-connect/auth`);
    expect(doc.token_endpoint).toBe(`${state.issuer}/protocol/openid-connect/token`);
    expect(doc.userinfo_endpoint).toBe(`${state.issuer}/protocol/openid-connect/userinfo`);
    expect(doc.end_session_endpoint).toBe(`${state.issuer}/protocol/openid-connect/logout`);
    expect(doc.jwks_uri).toBe(`${state.issuer}/protocol/openid-connect/certs`);
    expect(doc.backchannel_logout_supported).toBe(true);
    expect(doc.backchannel_logout_session_supported).toBe(true);
    expect(doc.code_challenge_methods_supported).toContain('S256');
  });

  it('gives a realm user a signed ID token with the groups claim by name (full path off)', async () => {
    const alice = await claimsOf(REALM_USERS.adminByGroup);
    expect(alice.id.preferred_username).toBe('alice');
    expect(alice.id.email).toBe('alice@warden.test');
    expect(alice.id.email_verified).toBe(true);
    expect([...(alice.id.groups as string[])].sort()).toEqual([MEMBER_GROUP, ADMIN_GROUP].sort());
    expect(alice.id.sid).toEqual(expect.any(String));
    // A subgroup is claimed by its own name, not /research/vision.
    expect((await claimsOf(REALM_USERS.subgroupMember)).id.groups).toEqual(['vision']);
    expect((await claimsOf(REALM_USERS.noGroup)).id.groups ?? []).toEqual([]);
    expect((await claimsOf(REALM_USERS.unverifiedEmail)).id.email_verified).toBe(false);
  });

  it('puts the claims in the access token (audience: the client) and at the userinfo endpoint', async () => {
    const erin = await claimsOf(REALM_USERS.adminByRole);
    expect(erin.access.azp).toBe(state.client.clientId);
    expect(erin.access.groups).toEqual([MEMBER_GROUP]);
    expect(erin.access.roles).toContain(ADMIN_ROLE);
    expect(erin.id.roles).toContain(ADMIN_ROLE);
    const res = await fetch(`${state.issuer}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${erin.accessToken}` } });
    expect(res.status).toBe(200);
    const info = (await res.json()) as Record<string, unknown>;
    expect(info).toMatchObject({ sub: erin.id.sub, preferred_username: 'erin', groups: [MEMBER_GROUP] });
    expect(info.roles).toContain(ADMIN_ROLE);
    expect((await claimsOf(REALM_USERS.member)).id.roles ?? []).not.toContain(ADMIN_ROLE);
  });

  it('second client: groups only at the userinfo endpoint (the get_info_from_access_token false provider)', async () => {
    const tokens = await passwordGrant(state, REALM_USERS.member, undefined, state.userinfoClient);
    const id = await verifyRealmToken(state, tokens.id_token, state.userinfoClient.clientId);
    expect(id.preferred_username).toBe('bob');
    expect(id.groups).toBeUndefined();
    expect(jwtClaims(tokens.access_token).groups).toBeUndefined();
    const res = await fetch(`${state.issuer}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(((await res.json()) as Record<string, unknown>).groups).toEqual([MEMBER_GROUP]);
  });

  it('refuses a wrong password and a wrong client secret', async () => {
    await expect(passwordGrant(state, REALM_USERS.member, 'not-the-password')).rejects.toThrow(/HTTP 40[01] invalid_grant/); // 401 up to Keycloak 25
    await expect(passwordGrant({ ...state, client: { ...state.client, clientSecret: 'wrong' } }, REALM_USERS.member)).rejects.toThrow(
      'HTTP 401 unauthorized_client',
    );
  });

  it('sends the browser back only to the registered callback, and only with PKCE', async () => {
    const authorize = (params: Record<string, string>) =>
      fetch(
        `${state.issuer}/protocol/openid-connect/auth?${new URLSearchParams({ client_id: state.client.clientId, response_type: 'code', scope: 'openid', state: 's', nonce: 'n', ...params })}`,
        {
          redirect: 'manual',
        },
      );
    // The walk points the client at its own gateway: whatever origin it is now registered for.
    const [callback] = (await admin.client()).redirectUris ?? [];
    expect(callback).toMatch(/\/callback_keycloak$/);
    const origin = new URL(callback).origin;
    const withPkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    // The login form is shown for the registered callback with a challenge...
    expect((await authorize({ redirect_uri: callback, ...withPkce })).status).toBe(200);
    // ...another path on the same origin is refused outright (no redirect anywhere)...
    const foreign = await authorize({ redirect_uri: `${origin}/callback_other`, ...withPkce });
    expect(foreign.status).toBe(400);
    // ...and without a challenge Keycloak sends the error back to the callback instead of a form.
    const noPkce = await authorize({ redirect_uri: callback });
    expect(noPkce.status).toBe(302);
    const location = new URL(noPkce.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(callback);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('admin REST helpers: group change, verified email and the admin role show in the next login', async () => {
    const user = REALM_USERS.member;
    try {
      await admin.setGroups(user, [ADMIN_GROUP]);
      await admin.setEmailVerified(user, false);
      await admin.setRealmRole(user, ADMIN_ROLE, true);
      expect(await admin.groupsOf(user)).toEqual([ADMIN_GROUP]);
      const changed = (await claimsOf(user)).id;
      expect(changed.groups).toEqual([ADMIN_GROUP]);
      expect(changed.email_verified).toBe(false);
      expect(changed.roles).toContain(ADMIN_ROLE);
      expect(changed.given_name).toBe('Bob'); // the read-modify-write kept the profile
    } finally {
      await admin.setGroups(user, [MEMBER_GROUP]);
      await admin.setEmailVerified(user, true);
      await admin.setRealmRole(user, ADMIN_ROLE, false);
    }
    const restored = (await claimsOf(user)).id;
    expect(restored.groups).toEqual([MEMBER_GROUP]);
    expect(restored.roles ?? []).not.toContain(ADMIN_ROLE);
  });

  it('back-channel logout: ending a session makes Keycloak POST a signed logout token (sid, events) to the client', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/backchannel_logout_keycloak') received.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const [previous] = (await admin.client()).redirectUris ?? [];
    // Earlier logins' sessions end first (one logout token per session): only this one is posted here.
    await admin.logout(REALM_USERS.noGroup);
    try {
      await admin.setWebOrigin(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const tokens = await passwordGrant(state, REALM_USERS.noGroup);
      const { sid, sub } = await verifyRealmToken(state, tokens.id_token, state.client.clientId);
      await admin.logout(REALM_USERS.noGroup);
      expect(received).toHaveLength(1);
      const logout = await verifyRealmToken(state, received[0], state.client.clientId);
      expect(logout).toMatchObject({ sid, sub, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
      expect(logout.jti).toEqual(expect.any(String));
      expect(logout.nonce).toBeUndefined();
    } finally {
      server.close();
      if (previous) await admin.setWebOrigin(new URL(previous).origin);
    }
  });

  it('admin REST helpers: logout ends the user sessions; the client secret is the one generated at start', async () => {
    const user = REALM_USERS.noGroup;
    const tokens = await passwordGrant(state, user);
    expect((await admin.sessions(user)).length).toBeGreaterThan(0);
    await admin.logout(user);
    expect(await admin.sessions(user)).toEqual([]);
    // The refresh token died with the session.
    const refresh = await fetch(`${state.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: state.client.clientId,
        client_secret: state.client.clientSecret,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(await admin.clientSecret()).toBe(state.client.clientSecret);
  });
});
