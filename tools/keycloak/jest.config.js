// The Keycloak tier (tools/keycloak/suite.sh): specs that need a running Keycloak, named *.keycloak.spec.ts
// so that neither the unit nor the integration tier of any project picks them up.
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'keycloak',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.keycloak.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
