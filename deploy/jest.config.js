const preset = require('../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'deploy',
  rootDir: __dirname,
  // Each test runs helm, compose-go's loader or kubeconform as a process: seconds on a loaded machine.
  testTimeout: 60_000,
};
