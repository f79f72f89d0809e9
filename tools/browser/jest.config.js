const preset = require('../../jest.preset.js');

// The browser tier: only tools/browser/suite.sh runs it, against the private stack it starts.
module.exports = {
  ...preset,
  displayName: 'browser',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.browser.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // A loaded 2-core machine: every wait is bounded, none of them by jest's 5 s default.
  testTimeout: 60_000,
};
