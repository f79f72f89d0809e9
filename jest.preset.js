// Shared by every project's jest.config.js. Integration specs (`*.int.spec.ts`) need the real
// backing services from tools/services; they run only in the `integration` target.
const fs = require('node:fs');
const path = require('node:path');

// Each run writes its JSON report here (--outputFile); tools/test-summary.mjs sums them.
fs.mkdirSync(path.join(__dirname, '.warden/test-results'), { recursive: true });

const integration = process.env.WARDEN_TEST_TIER === 'integration';

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@warden/([^/]+)/(testing|bench)$': path.join(__dirname, 'libs/$1/src/$2/index.ts'),
    '^@warden/backends/redis$': path.join(__dirname, 'libs/backends/src/redis.ts'),
    '^@warden/http/service-main$': path.join(__dirname, 'libs/http/src/service-main.ts'),
    '^@warden/storage/s3$': path.join(__dirname, 'libs/storage/src/s3.ts'),
    '^@warden/([^/]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
  testMatch: integration ? ['<rootDir>/src/**/*.int.spec.ts'] : ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: integration ? ['/node_modules/'] : ['/node_modules/', '\\.int\\.spec\\.ts$'],
  passWithNoTests: false,
  // Integration cases make dozens of calls to real servers: seconds when the machine is loaded.
  ...(integration ? { testTimeout: 30_000 } : {}),
};
