module.exports = { ...require('../../jest.preset.js'), displayName: 'tls', rootDir: __dirname };
