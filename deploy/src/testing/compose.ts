import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '../../..');
export const COMPOSE_DIR = join(ROOT, 'deploy/compose');

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | null>;
  ports?: { target: number; published?: string; host_ip?: string }[];
  networks?: Record<string, unknown>;
  network_mode?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  read_only?: boolean;
  cap_drop?: string[];
}

export interface ComposeProject {
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean }>;
  volumes: Record<string, unknown>;
}

export type LoadResult = { ok: true; project: ComposeProject } | { ok: false; error: string };

/** Loads compose files through compose-go (tools/deploy/compose-config.sh), as `docker compose config` does. */
export function loadCompose(files: readonly string[], envFile?: string): LoadResult {
  const args = [join(ROOT, 'tools/deploy/compose-config.sh'), ...(envFile ? ['-env-file', envFile] : []), ...files.flatMap((f) => ['-f', f])];
  try {
    const out = execFileSync('bash', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
    return { ok: true, project: JSON.parse(out) as ComposeProject };
  } catch (err) {
    return { ok: false, error: String((err as { stderr?: string }).stderr ?? err) };
  }
}

/** A values file's `<section>.extraEnvs` list, as written. */
export function extraEnvs(path: string, section = 'apiserver'): { name: string; value: string }[] {
  const values = parse(readFileSync(path, 'utf8')) as Record<string, { extraEnvs?: { name: string; value: string }[] }>;
  return values[section]?.extraEnvs ?? [];
}

/** The operator's edit: lines pasted under `apiserver: environment:` in docker-compose.yml. */
export function pasteUnderApiserverEnvironment(compose: string, lines: string): string {
  const anchor = '    environment: &apiserver-environment\n';
  if (!compose.includes(anchor)) throw new Error('docker-compose.yml has no apiserver environment block');
  return compose.replace(anchor, anchor + lines);
}
