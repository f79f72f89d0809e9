module.exports = { ...require('../../jest.preset.js'), displayName: 'fileserver-lib', rootDir: __dirname };
