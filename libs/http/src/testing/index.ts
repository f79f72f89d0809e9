export { CapturedLogs } from './captured-logs';
export { listeningCount, spawnService, waitForStatus, workerPids, type SpawnedService } from './spawn-service';
export { startInIsolation, type IsolatedStart } from './start-in-isolation';
export { hostileRequests, type HostileRequest } from './hostile-requests';
export { startOwnRedis, type OwnRedis } from './own-redis';
