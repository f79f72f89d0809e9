// Keycloak's admin REST API, as much of it as the SSO tests drive: group membership, verified email,
// the admin role, logging a user out (which sends the back-channel logout), the client's secret and URLs.
// Errors name the call and status only: response bodies can carry secrets.
import type { KeycloakState } from './keycloak-state';

interface Named {
  id: string;
  name: string;
}

interface ClientRepresentation {
  id: string;
  clientId: string;
  rootUrl?: string;
  redirectUris?: string[];
  webOrigins?: string[];
  attributes?: Record<string, string>;
}

export interface KeycloakSession {
  id: string;
  username: string;
  start: number;
  clients: Record<string, string>;
}

export class KeycloakAdmin {
  private token?: { value: string; expiresAt: number };

  constructor(readonly state: KeycloakState) {}

  /** An admin access token from the master realm (cached until shortly before it expires). */
  async adminToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 5_000) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: this.state.admin.username,
      password: this.state.admin.password,
    });
    const res = await fetch(`${this.state.url}/realms/master/protocol/openid-connect/token`, { method: 'POST', body });
    if (!res.ok) throw new Error(`Keycloak admin token: HTTP ${res.status}`);
    const json = (await res.json()) as { access_token: string; expires_in: number };
    this.token = { value: json.access_token, expiresAt: Date.now() + json.expires_in * 1000 };
    return json.access_token;
  }

  async userId(username: string): Promise<string> {
    const users = await this.call<{ id: string; username: string }[]>('GET', `/users?exact=true&username=${encodeURIComponent(username)}`);
    const user = users.find((u) => u.username === username);
    if (!user) throw new Error(`Keycloak has no user ${username}`);
    return user.id;
  }

  /** The user's groups by name (top-level and subgroups alike: the claim carries names, full path off). */
  async groupsOf(username: string): Promise<string[]> {
    const groups = await this.call<Named[]>('GET', `/users/${await this.userId(username)}/groups`);
    return groups.map((g) => g.name).sort();
  }

  /** Makes the user a member of exactly these top-level groups. */
  async setGroups(username: string, names: string[]): Promise<void> {
    const id = await this.userId(username);
    const all = await this.call<Named[]>('GET', '/groups?briefRepresentation=true');
    const missing = names.filter((n) => !all.some((g) => g.name === n));
    if (missing.length) throw new Error(`Keycloak has no group ${missing.join(', ')}`);
    const current = await this.call<Named[]>('GET', `/users/${id}/groups`);
    for (const group of current.filter((g) => !names.includes(g.name))) {
      await this.call('DELETE', `/users/${id}/groups/${group.id}`);
    }
    for (const group of all.filter((g) => names.includes(g.name) && !current.some((c) => c.id === g.id))) {
      await this.call('PUT', `/users/${id}/groups/${group.id}`);
    }
  }

  async setEmailVerified(username: string, emailVerified: boolean): Promise<void> {
    await this.updateUser(username, { emailVerified });
  }

  async setEnabled(username: string, enabled: boolean): Promise<void> {
    await this.updateUser(username, { enabled });
  }

  /** Read, change, write back: with the declarative user profile a partial PUT could drop attributes. */
  private async updateUser(username: string, change: Record<string, unknown>): Promise<void> {
    const id = await this.userId(username);
    const user = await this.call<Record<string, unknown>>('GET', `/users/${id}`);
    await this.call('PUT', `/users/${id}`, { ...user, ...change });
  }

  /** Grants (or takes away) a realm role. */
  async setRealmRole(username: string, role: string, granted: boolean): Promise<void> {
    const id = await this.userId(username);
    const representation = await this.call<Named>('GET', `/roles/${encodeURIComponent(role)}`);
    await this.call(granted ? 'POST' : 'DELETE', `/users/${id}/role-mappings/realm`, [representation]);
  }

  async sessions(username: string): Promise<KeycloakSession[]> {
    return this.call<KeycloakSession[]>('GET', `/users/${await this.userId(username)}/sessions`);
  }

  /** Ends every Keycloak session of the user; Keycloak then POSTs a logout token to each client's back-channel URL. */
  async logout(username: string): Promise<void> {
    await this.call('POST', `/users/${await this.userId(username)}/logout`);
  }

  /** Ends one Keycloak session (with its back-channel logout). */
  async endSession(sessionId: string): Promise<void> {
    await this.call('DELETE', `/sessions/${encodeURIComponent(sessionId)}`);
  }

  async clientSecret(clientId = this.state.client.clientId): Promise<string> {
    const client = await this.client(clientId);
    const secret = await this.call<{ value: string }>('GET', `/clients/${client.id}/client-secret`);
    return secret.value;
  }

  /**
   * Points the client at a Warden web_host (auth_gateway.console.web_host): callback
   * `<origin>/callback_<provider>`, post-logout `<origin>/login` (what Warden's idp_logout sends),
   * back-channel logout `<origin>/backchannel_logout_<provider>`.
   */
  async setWebOrigin(origin: string, provider = 'keycloak', clientId = this.state.client.clientId): Promise<void> {
    const client = await this.client(clientId);
    await this.call('PUT', `/clients/${client.id}`, {
      ...client,
      rootUrl: origin,
      redirectUris: [`${origin}/callback_${provider}`],
      webOrigins: [origin],
      attributes: {
        ...client.attributes,
        'post.logout.redirect.uris': `${origin}/login`,
        'backchannel.logout.url': `${origin}/backchannel_logout_${provider}`,
        'backchannel.logout.session.required': 'true',
      },
    });
  }

  /**
   * Points a client used by connections made in the console at a Warden web_host: any
   * `<origin>/sso/<id>/...` (the id is known only once the admin saved the connection).
   */
  async setConnectionOrigin(origin: string, clientId: string): Promise<void> {
    const client = await this.client(clientId);
    await this.call('PUT', `/clients/${client.id}`, { ...client, rootUrl: origin, redirectUris: [`${origin}/sso/*`], webOrigins: [origin] });
  }

  async client(clientId = this.state.client.clientId): Promise<ClientRepresentation> {
    const clients = await this.call<ClientRepresentation[]>('GET', `/clients?clientId=${encodeURIComponent(clientId)}`);
    const client = clients.find((c) => c.clientId === clientId);
    if (!client) throw new Error(`Keycloak has no client ${clientId}`);
    return client;
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.state.url}/admin/realms/${this.state.realm}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.adminToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Keycloak admin ${method} ${path.split('?')[0]}: HTTP ${res.status}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
