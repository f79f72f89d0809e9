export { CapturedLogs } from './captured-logs';
export { spawnService, waitForStatus, type SpawnedService } from './spawn-service';
