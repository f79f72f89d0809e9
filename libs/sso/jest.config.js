module.exports = { ...require('../../jest.preset.js'), displayName: 'sso', rootDir: __dirname };
