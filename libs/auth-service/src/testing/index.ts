export { spawnApiserverFor, spawnTestGateway, type TestGateway, type TestTenant } from './test-gateway';
