module.exports = { ...require('../../jest.preset.js'), displayName: 'fileserver', rootDir: __dirname };
