export { spawnTestGateway, type TestGateway, type TestTenant } from './test-gateway';
