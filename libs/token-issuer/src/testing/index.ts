export { TEST_AUDIENCE, TEST_ISSUER, createTokenTestKit, testIdentity, type TokenTestKit } from './token-test-kit';
