const preset = require('../../jest.preset.js');

// The Keycloak tier: only tools/browser/keycloak-suite.sh runs it, against the Keycloak and the private
// stack it starts. Its specs are named *.keycloak.spec.ts so that no other tier picks them up.
module.exports = {
  ...preset,
  displayName: 'keycloak',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/keycloak/**/*.keycloak.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Keycloak and the stack share a loaded 2-core machine: every wait is bounded, none by jest's 5 s default.
  testTimeout: 60_000,
};
