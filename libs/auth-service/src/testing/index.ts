export { spawnApiserverFor, spawnTestGateway, type TestGateway, type TestTenant } from './test-gateway';
export { inProcessGateway, type InProcessGateway, type InProcessGatewayOptions } from './in-process-gateway';
