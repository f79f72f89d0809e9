import { isLoopbackHost, parseEnvValue } from '@warden/config';
import { evaluateSecrets, describeFindings, secretsUsedBy, type AppName } from '@warden/secrets';
import type { Finding } from './checks';

/** A setting as a deployment states it: a value, or a reference to a secret store (the value unseen). */
export interface Setting {
  value?: unknown;
  referenced?: boolean;
  /** Written into a manifest as a literal (a secret there is a finding however strong). */
  inline?: boolean;
}

/** One app of a deployment, as a compose file, a manifest or the running config describes it. */
export interface AppFacts {
  app: AppName;
  /** Where it is described, for the report: "compose service apiserver". */
  where: string;
  /** NODE_ENV as set (compose, manifest) or the mode the config resolved to. */
  mode?: string;
  /** A config setting by its dotted path (`auth_gateway.login.free_access`); undefined when not set. */
  get(path: string): Setting | undefined;
}

/** What one input says about a deployment. */
export interface Facts {
  input: string;
  apps: AppFacts[];
  /** Observations of its own (exposed backing services, entrances without TLS). */
  findings: Finding[];
}

const APP_SECTIONS: Record<AppName, string> = { 'auth-gateway': 'auth_gateway', apiserver: 'apiserver', fileserver: 'fileserver' };

/**
 * The settings an environment gives an app, by config path: `CLEARML__A__B` is `a.b` (any case, as
 * ClearML reads it), its `_FILE` variant a reference to a mounted secret.
 */
export function settingsFromEnv(env: ReadonlyMap<string, Setting>): (path: string) => Setting | undefined {
  const byPath = new Map<string, Setting>();
  for (const [name, setting] of env) {
    const match = /^CLEARML__(.+?)(_FILE)?$/i.exec(name);
    if (!match) continue;
    const path = match[1].toLowerCase().split('__').join('.');
    const parsed = setting.referenced || typeof setting.value !== 'string' ? setting : { ...setting, value: parseEnvValue(setting.value, name) };
    byPath.set(path, match[2] ? { referenced: true } : parsed);
  }
  return (path) => byPath.get(path);
}

const isOn = (setting: Setting | undefined) => setting?.value === true || setting?.value === 'true';

/** The checklist items a description of an app answers. */
export function appFindings(facts: AppFacts): Finding[] {
  const section = APP_SECTIONS[facts.app];
  const at = (text: string) => `${facts.where}: ${text}`;
  const findings: Finding[] = [
    {
      check: 'production-mode',
      ok: facts.mode === 'production',
      detail: at(facts.mode === 'production' ? 'production mode' : `mode is ${facts.mode ?? 'not set (development)'}`),
    },
    ...secretFindings(facts),
    tlsFinding(facts, section),
    {
      check: 'skip-verify',
      ok: !isOn(facts.get(`${section}.tls.skip_verify`)),
      detail: at(`${section}.tls.skip_verify is ${isOn(facts.get(`${section}.tls.skip_verify`)) ? 'on' : 'off'}`),
    },
  ];
  if (facts.app === 'auth-gateway') {
    const free = isOn(facts.get('auth_gateway.login.free_access'));
    findings.push({ check: 'web-login', ok: !free, detail: at(`auth_gateway.login.free_access is ${free ? 'on' : 'off'}`) });
    findings.push(corsFinding(facts));
  }
  if (facts.app === 'fileserver') {
    const off = facts.get('fileserver.auth.enabled')?.value === false;
    findings.push({ check: 'fileserver-auth', ok: !off, detail: at(`fileserver.auth.enabled is ${off ? 'false' : 'true'}`) });
  }
  return findings;
}

function secretFindings(facts: AppFacts): Finding[] {
  return secretsUsedBy(facts.app).map((setting) => {
    const given = facts.get(setting.path);
    if (given?.referenced) return { check: 'secrets', ok: true, detail: `${facts.where}: ${setting.path} from a secret store` };
    if (given?.inline) {
      return { check: 'secrets', ok: false, detail: `${facts.where}: ${setting.path} is written into the manifest as a literal value` };
    }
    const [problem] = describeFindings(evaluateSecrets([{ setting, value: given?.value }]));
    const state = given?.value === undefined ? 'not set (optional)' : 'set';
    return { check: 'secrets', ok: !problem, detail: `${facts.where}: ${problem ?? `${setting.path} ${state}`}` };
  });
}

function tlsFinding(facts: AppFacts, section: string): Finding {
  const listen = String(facts.get(`${section}.listen_ip`)?.value ?? '127.0.0.1');
  const cert = facts.get(`${section}.tls.cert`);
  // An empty value turns TLS off, as it does in the app.
  const https = cert?.referenced === true || (cert?.value !== undefined && cert.value !== '');
  return { check: 'tls', ok: https || isLoopbackHost(listen), detail: `${facts.where}: listens on ${listen} over ${https ? 'https' : 'plain http'}` };
}

function corsFinding(facts: AppFacts): Finding {
  const origins = facts.get('auth_gateway.cors.allowed_origins')?.value;
  const list = Array.isArray(origins) ? origins.map(String) : [];
  const open = list.filter(isOpenOrigin);
  const detail = open.length ? `allows ${open.join(', ')}` : list.length ? `allows only ${list.join(', ')}` : 'allows no other origin';
  return { check: 'cors', ok: open.length === 0, detail: `${facts.where}: auth_gateway.cors.allowed_origins ${detail}` };
}

/** A wildcard, `null` (sandboxed frames, files) or a cleartext origin off this host: anyone on the path can use it. */
function isOpenOrigin(origin: string): boolean {
  if (origin === '*' || origin === 'null') return true;
  try {
    const url = new URL(origin);
    return url.protocol !== 'https:' && !isLoopbackHost(url.hostname);
  } catch {
    return true;
  }
}
