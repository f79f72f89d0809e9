// Shared by every project's jest.config.js. Integration specs (`*.int.spec.ts`) need the real
// backing services from tools/services; they run only in the `integration` target.
const path = require('node:path');

const integration = process.env.WARDEN_TEST_TIER === 'integration';

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@warden/(.*)$': path.join(__dirname, 'libs/$1/src/index.ts') },
  testMatch: integration ? ['<rootDir>/src/**/*.int.spec.ts'] : ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: integration ? ['/node_modules/'] : ['/node_modules/', '\\.int\\.spec\\.ts$'],
  passWithNoTests: false,
};
