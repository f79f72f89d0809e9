export { FakeClock } from './fake-clock';
export { alterPayload, encodeSegment, forgeToken, type ForgeInput } from './forge-token';
export { FakeRevocations } from './fake-revocations';
export { startJwksServer, type JwksServer } from './jwks-server';
export { TEST_AUDIENCE, TEST_ISSUER, createTokenTestKit, testIdentity, type TokenTestKit } from './token-test-kit';
