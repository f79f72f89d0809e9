import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Cleanup } from '../cleanup';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../../..');

export type BackendName = 'redis' | 'mongo' | 'elasticsearch';

/** A port the OS just handed out; nothing else on loopback holds it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A private Redis, FerretDB and Elasticsearch on free ports with their own run folders, driven by
 * the same scripts as the shared ones (tools/services/*.sh): the bench stops and starts these, and
 * never the services every developer shares.
 */
export class PrivateBackends {
  readonly ports: Record<BackendName, number>;
  private readonly runDir: string;
  private readonly esDir: string;

  private constructor(ports: Record<BackendName, number>) {
    this.ports = ports;
    this.runDir = mkdtempSync(join(tmpdir(), 'warden-faults-run-'));
    // Elasticsearch runs as its own user, which must reach its folder.
    this.esDir = mkdtempSync(join(tmpdir(), 'warden-faults-es-'));
    chmodSync(this.esDir, 0o755);
  }

  static async start(cleanup: Cleanup): Promise<PrivateBackends> {
    const backends = new PrivateBackends({ redis: await freePort(), mongo: await freePort(), elasticsearch: await freePort() });
    cleanup.add(() => backends.remove());
    await Promise.all((['redis', 'mongo', 'elasticsearch'] as const).map((name) => backends.up(name)));
    return backends;
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      WARDEN_RUN_DIR: this.runDir,
      WARDEN_REDIS_PORT: String(this.ports.redis),
      WARDEN_MONGO_PORT: String(this.ports.mongo),
      WARDEN_ES_PORT: String(this.ports.elasticsearch),
      WARDEN_ES_RUN_DIR: this.esDir,
      // A small node: the bench writes little, and the machine is shared.
      WARDEN_ES_HEAP: '384m',
    };
  }

  async up(name: BackendName): Promise<void> {
    await run('bash', [join(ROOT, 'tools/services', `${name}.sh`), 'start'], { env: this.env(), timeout: 300_000 });
  }

  async down(name: BackendName): Promise<void> {
    await run('bash', [join(ROOT, 'tools/services', `${name}.sh`), 'stop'], { env: this.env(), timeout: 60_000 });
  }

  private async remove(): Promise<void> {
    for (const name of ['elasticsearch', 'mongo', 'redis'] as const) await this.down(name).catch((error: unknown) => console.error(`stopping ${name}:`, error));
    rmSync(this.runDir, { recursive: true, force: true });
    rmSync(this.esDir, { recursive: true, force: true });
  }
}
