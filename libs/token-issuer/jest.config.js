module.exports = { ...require('../../jest.preset.js'), displayName: 'token-issuer', rootDir: __dirname };
