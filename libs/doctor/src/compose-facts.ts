import { parse } from 'yaml';
import { isLoopbackHost } from '@warden/config';
import type { AppName } from '@warden/secrets';
import type { Finding } from './checks';
import { settingsFromEnv, type AppFacts, type Facts, type Setting } from './facts';

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | null> | string[];
  ports?: ({ published?: string | number; target?: number; host_ip?: string } | string)[];
  network_mode?: string;
}

const APPS: readonly AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];

/** Thrown for an input doctor cannot read; the message says what to give instead. */
export class DoctorInputError extends Error {}

/**
 * A compose project as `docker compose config` prints it (YAML or JSON): variables substituted,
 * merges applied. The file as written still holds `${...}` and would hide what the .env sets.
 */
export function composeFacts(text: string, input: string): Facts {
  if (/\$\{[A-Za-z_]/.test(text)) {
    throw new DoctorInputError(`${input} still has \${...} variables: give the resolved project, docker compose -f docker-compose.yml config > resolved.yml`);
  }
  const project = parse(text) as { services?: Record<string, ComposeService> } | null;
  if (!project?.services) throw new DoctorInputError(`${input} is not a compose project (no services)`);
  const apps: AppFacts[] = [];
  const backends: string[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    const app = appOf(name, service);
    if (app) apps.push(composeApp(name, app, service));
    else backends.push(name);
  }
  return { input, apps, findings: backends.map((name) => exposure(name, project.services?.[name] ?? {})) };
}

function appOf(name: string, service: ComposeService): AppName | undefined {
  const command = Array.isArray(service.command) ? service.command[0] : service.command?.split(/\s+/)[0];
  return APPS.find((app) => app === command) ?? APPS.find((app) => app === name);
}

function composeApp(name: string, app: AppName, service: ComposeService): AppFacts {
  const env = new Map<string, Setting>(environment(service).map(([key, value]) => [key, { value }]));
  return { app, where: `compose service ${name}`, mode: env.get('NODE_ENV')?.value as string | undefined, get: settingsFromEnv(env) };
}

function environment(service: ComposeService): [string, string][] {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return env.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]);
  return Object.entries(env).map(([key, value]) => [key, value ?? '']);
}

function exposure(name: string, service: ComposeService): Finding {
  if (service.network_mode === 'host')
    return { check: 'backing-services', ok: false, detail: `compose service ${name} uses the host's network: every port it opens is the host's` };
  // A port published on loopback only stays on the host.
  const published = (service.ports ?? [])
    .filter((p) => typeof p === 'string' || !p.host_ip || !isLoopbackHost(p.host_ip))
    .map((p) => (typeof p === 'string' ? p : `${p.host_ip ? `${p.host_ip}:` : ''}${p.published ?? '(any)'}->${p.target}`));
  if (published.length) return { check: 'backing-services', ok: false, detail: `compose service ${name} publishes ${published.join(', ')}` };
  return { check: 'backing-services', ok: true, detail: `compose service ${name} publishes no port` };
}
