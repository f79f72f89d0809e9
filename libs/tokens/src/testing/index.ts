export { FakeClock } from './fake-clock';
export { alterPayload, encodeSegment, forgeToken, type ForgeInput } from './forge-token';
export { FakeRevocations } from './fake-revocations';
export { startJwksServer, type JwksServer } from './jwks-server';
export { testKey, type TestKey } from './test-key';
