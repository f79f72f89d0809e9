import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface SpawnedService {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** The Node flags an app is deployed with: the non-comment lines of `node-flags` next to its main.js. */
function appNodeFlags(appDir: string): string[] {
  const file = join(appDir, 'node-flags');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .flatMap((line) => line.split(/\s+/))
    .filter(Boolean);
}

/**
 * Starts a built app (`dist/apps/<app>/main.js`) as its own process, with its deployed Node flags,
 * on a free port and resolves once it logs that it listens; rejects with its output when it exits first.
 */
export function spawnService(app: string, env: Record<string, string>, timeoutMs = 20_000): Promise<SpawnedService> {
  const appDir = resolve(__dirname, '../../../../dist/apps', app);
  const child = spawn(process.execPath, [...appNodeFlags(appDir), join(appDir, 'main.js')], {
    // A fresh working directory: the developer's own .env files must not leak into tests.
    cwd: mkdtempSync(join(tmpdir(), `warden-${app}-`)),
    env: { PATH: process.env.PATH ?? '', CLEARML_CONFIG_DIR: '/nonexistent-warden-config', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = () => {
      const match = /"url":"(https?):\/\/([\d.]+):(\d+)"/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      const port = Number(match[3]);
      resolvePromise({
        child,
        port,
        url: `${match[1]}://${match[2]}:${port}`,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Polls a URL until `accept` holds for its status, or fails with the last answer. */
export async function waitForStatus(
  url: string,
  accept: (status: number, body: unknown) => boolean,
  timeoutMs = 15_000,
): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  let last: { status: number; body: unknown } = { status: 0, body: null };
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      last = { status: res.status, body: await res.json() };
      if (accept(last.status, last.body)) return last;
    } catch (error) {
      last = { status: 0, body: String(error) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} answered ${last.status} ${JSON.stringify(last.body)}`);
}

/** The worker processes of a service spawned as a pool (the primary's children). */
export function workerPids(primary: SpawnedService): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

/** How many times a service's processes have logged that they listen (one per worker started). */
export function listeningCount(service: SpawnedService, app: string): number {
  return service
    .output()
    .split('\n')
    .filter((line) => line.includes(`${app} listening`)).length;
}
