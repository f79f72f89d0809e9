export { consoleGateway, gatewayReady, testAssetsDir, type ConsoleGateway, type ConsoleGatewayOptions } from './console-gateway';
export { ConsoleBrowser } from './console-browser';
