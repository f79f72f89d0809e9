module.exports = { ...require('../../jest.preset.js'), displayName: 'doctor', rootDir: __dirname };
