// Prints the environment the Keycloak tier's gateway starts with (NAME=VALUE lines, for
// tools/browser/keycloak-suite.sh; the file it goes to is mode 600): the seed's variables for provider
// `keycloak` exactly as ClearML's KeyCloak page writes them, and a second provider, `kcinfo`, on the
// same realm that reads its claims from the userinfo endpoint.
//   node --import tsx seed-env-cli.ts COMPANY_ID
import { readKeycloakState } from './testing/keycloak-state';
import { ADMIN_GROUP, ADMIN_ROLE } from './testing/keycloak-state';
import { seedEnvironment } from './testing/seed-env';

const company = process.argv[2];
if (!company || !/^[0-9a-f]{32}$/.test(company)) {
  console.error('usage: seed-env-cli.ts COMPANY_ID (32 hex digits)');
  process.exit(2);
}
const state = readKeycloakState();
const env = {
  ...seedEnvironment(state, {
    defaultCompany: company,
    groups: true,
    adminGroups: [ADMIN_GROUP],
    prohibitSignupIfNotInGroup: true,
    adminRole: ADMIN_ROLE,
    idpLogout: true,
  }),
  ...seedEnvironment(state, { defaultCompany: company, groups: true, getInfoFromAccessToken: false }, 'kcinfo', state.userinfoClient, false),
};
for (const [name, value] of Object.entries(env)) console.log(`${name}=${value}`);
