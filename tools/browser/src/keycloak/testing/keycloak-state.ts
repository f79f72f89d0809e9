// What tools/services/keycloak.sh wrote about the instance it started: URLs, the client secret and the
// realm users' passwords of that start. The file lives in the run dir (mode 600), never in the repository.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface KeycloakState {
  url: string;
  managementUrl: string;
  realm: string;
  issuer: string;
  webOrigin: string;
  version: string;
  admin: { username: string; password: string };
  client: { clientId: string; clientSecret: string };
  /** A second client on the realm whose groups reach only the userinfo endpoint. */
  userinfoClient: { clientId: string; clientSecret: string };
  /** The client an OIDC connection made in the console uses (redirects to <web_host>/sso/<id>/callback). */
  consoleClient: { clientId: string; clientSecret: string };
  /** The SAML client: its clientId is the SP entity ID the console's SAML connection names; the IdP's metadata URL. */
  samlClient: { entityId: string; descriptor: string };
  passwords: Record<string, string>;
}

/** The realm's users (tools/services/keycloak/realm-warden.json) by what the tests use them for. */
export const REALM_USERS = {
  adminByGroup: 'alice', // groups: warden-admins, ml-team
  member: 'bob', // groups: ml-team
  noGroup: 'carol',
  unverifiedEmail: 'dave', // groups: ml-team, email_verified false
  adminByRole: 'erin', // groups: ml-team, realm role admin
  subgroupMember: 'frank', // groups: research/vision (claimed as "vision": full path off)
  consoleSaml: 'grace', // groups: ml-team; signs in through the console's SAML connection
  consoleOidc: 'henry', // groups: ml-team, research; signs in through the console's OIDC connection
} as const;
export const ADMIN_GROUP = 'warden-admins';
export const MEMBER_GROUP = 'ml-team';
export const ADMIN_ROLE = 'admin';

const repoRoot = resolve(__dirname, '../../../../..');

/** The state file: WARDEN_KEYCLOAK_STATE, else the run dir the service script uses by default. */
export function keycloakStatePath(): string {
  if (process.env.WARDEN_KEYCLOAK_STATE) return process.env.WARDEN_KEYCLOAK_STATE;
  const runDir = process.env.WARDEN_KEYCLOAK_RUN_DIR ?? join(process.env.WARDEN_RUN_DIR ?? join(repoRoot, '.warden/run'), 'keycloak');
  return join(runDir, 'state.json');
}

export function readKeycloakState(path = keycloakStatePath()): KeycloakState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`no Keycloak state at ${path}: start Keycloak first (bash tools/services/keycloak.sh start)`);
  }
  return JSON.parse(text) as KeycloakState;
}

export function userPassword(state: KeycloakState, username: string): string {
  const password = state.passwords[username];
  if (!password) throw new Error(`the Keycloak realm has no user ${username}`);
  return password;
}
