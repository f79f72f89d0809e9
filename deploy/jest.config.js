const preset = require('../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'deploy',
  rootDir: __dirname,
};
