const preset = require('../../jest.preset.js');

// The replica tier: only tools/replicas/suite.sh runs it, against the topology its spec starts.
module.exports = {
  ...preset,
  displayName: 'replicas',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.replicas.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // A loaded 2-core machine: every wait is bounded, none of them by jest's 5 s default.
  testTimeout: 60_000,
};
