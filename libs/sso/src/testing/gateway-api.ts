import type { IdentityStore } from '@warden/identity';

const PASSWORD = 'correct horse battery staple 42';

/** A user of `company` made in the store, logged in through auth.login: its token. */
export async function userToken(url: string, store: IdentityStore, company: string, username: string, role: 'admin' | 'user'): Promise<string> {
  const user = await store.createUser({ company, username, role, password: PASSWORD });
  const keys = await store.createCredentials(user.id);
  const res = await fetch(`${url}/auth.login`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${keys.access_key}:${keys.secret_key}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}`);
  return ((await res.json()) as { data: { token: string } }).data.token;
}

/** A ClearML endpoint called with a bearer token; anything but 200 throws with the error code. */
export async function callEndpoint<T = Record<string, unknown>>(url: string, token: string | undefined, endpoint: string, body: object = {}): Promise<T> {
  const res = await fetch(`${url}/${endpoint}`, {
    method: 'POST',
    headers: { ...(token && { Authorization: `Bearer ${token}` }), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { meta: { error_data?: { code?: string } }; data: T };
  if (res.status !== 200) throw new Error(`${endpoint} answered ${res.status} ${json.meta.error_data?.code}`);
  return json.data;
}

/** `login.supported_modes`' SSO buttons (env providers and active stored connections). */
export async function ssoButtons(url: string): Promise<{ name: string; display_name: string; url: string }[]> {
  return (await callEndpoint<{ sso_providers: { name: string; display_name: string; url: string }[] }>(url, undefined, 'login.supported_modes')).sso_providers;
}
