const path = require('node:path');
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'cli',
  rootDir: __dirname,
  // The preset maps only @warden/<lib>; the specs also start the SDK's stand-in servers.
  moduleNameMapper: { '^@warden/sdk/testing$': path.join(__dirname, '../../libs/sdk/src/testing/index.ts'), ...preset.moduleNameMapper },
};
