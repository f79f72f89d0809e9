import { apiCall, basic, download, type Outcome } from './http';
import type { Key, Stack } from './stack';
import { loginWith } from './workload';

/** A logged-out token and a revoked key (with a token issued under it before the revoke). */
export interface Revoked {
  loggedOut: string;
  key: Key;
  keyToken: string;
}

export interface RevocationCheck {
  name: string;
  outcome: Outcome;
}

export const PROBE_PATH = 'faults/probe.bin';

/** Logs one session out and revokes one key, through the API, as a user would. */
export async function revoke(stack: Stack, victim: Key): Promise<Revoked> {
  const loggedOut = await loginWith(stack, stack.key);
  const keyToken = await loginWith(stack, victim);
  const logout = await apiCall(stack.api, 'auth.logout', `Bearer ${loggedOut}`);
  const manager = await loginWith(stack, stack.key);
  const revokeKey = await apiCall(stack.api, 'auth.revoke_credentials', `Bearer ${manager}`, { access_key: victim.accessKey });
  if (logout.outcome !== 200 || revokeKey.outcome !== 200)
    throw new Error(`auth.logout answered ${logout.outcome}, auth.revoke_credentials ${revokeKey.outcome}`);
  return { loggedOut, key: victim, keyToken };
}

/** Each use of a revoked credential, at both services; every one must be answered 401. */
export async function checkRevoked(stack: Stack, revoked: Revoked): Promise<RevocationCheck[]> {
  const api = (token: string) => apiCall(stack.api, 'projects.get_all', `Bearer ${token}`, { page: 0, page_size: 1 });
  const checks: Array<[string, () => Promise<{ outcome: Outcome }>]> = [
    ['logged-out token, apiserver', () => api(revoked.loggedOut)],
    ['logged-out token, fileserver', () => download(stack.files, revoked.loggedOut, PROBE_PATH)],
    ["revoked key's token, apiserver", () => api(revoked.keyToken)],
    ["revoked key's token, fileserver", () => download(stack.files, revoked.keyToken, PROBE_PATH)],
    ['revoked key, auth.login', () => apiCall(stack.api, 'auth.login', basic(revoked.key))],
  ];
  const results: RevocationCheck[] = [];
  for (const [name, attempt] of checks) results.push({ name, outcome: (await attempt()).outcome });
  return results;
}
