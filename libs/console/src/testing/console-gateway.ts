import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema, type GatewayOptions } from '@warden/auth-service';
import { inProcessGateway, type InProcessGateway } from '@warden/auth-service/testing';
import { WardenError } from '@warden/errors';
import { generateKey, generateSecret } from '@warden/secrets';
import type { SsoProvider } from '../context';
import { createConsole, type ConsoleOptions } from '../create-console';
import type { IdentityProviders } from '../pages/identity-providers/port';
import { publicHosts, type ConsoleSettings } from '../settings';

export interface ConsoleGatewayOptions {
  name: string;
  db: string;
  /** Fixed users of the default company ({username, password, name, admin}). */
  fixedUsers?: { username: string; password: string; name: string; admin?: boolean }[];
  /** Overrides of auth_gateway settings, merged into the defaults (e.g. `{ login: { limits: ... } }`). */
  gateway?: Record<string, unknown>;
  hosts?: ConsoleSettings;
  ssoProviders?: SsoProvider[];
  logoutRedirect?: ConsoleOptions['logoutRedirect'];
  /** Gateway features (libs/sso's extension), built before the console. */
  extensions?: GatewayOptions['extensions'];
  /** Asked when the console is built, after the extensions (libs/sso hands its operations over then). */
  identityProviders?: () => IdentityProviders | undefined;
}

export interface ConsoleGateway extends InProcessGateway {
  registry: Registry;
  secrets: { tokenSecret: string; sessionSecret: string };
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);
function merged(base: Tree, over: Tree): Tree {
  return Object.fromEntries(
    [...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [
      k,
      isTree(base[k]) && isTree(over[k]) ? merged(base[k], over[k]) : (over[k] ?? base[k]),
    ]),
  );
}

let builtAssets: string | undefined;

/** Builds the client bundle once per test process, as the gateway's build does. */
export function testAssetsDir(): string {
  if (builtAssets && existsSync(builtAssets)) return builtAssets;
  const dir = join(tmpdir(), `warden-console-assets-${process.pid}`);
  execFileSync(process.execPath, [join(__dirname, '../../build-assets.mjs'), dir]);
  builtAssets = dir;
  return dir;
}

/** The gateway in-process with the console mounted, on the real Redis and MongoDB-wire server. */
export function consoleGateway(options: ConsoleGatewayOptions): ConsoleGateway {
  const secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret() };
  const registry = new Registry();
  const clearml = clearmlAuthSchema.parse({
    ...CLEARML_AUTH_DEFAULTS,
    fixed_users: { enabled: Boolean(options.fixedUsers?.length), pass_hashed: false, users: options.fixedUsers ?? [] },
  });
  const gateway = gatewayAuthSchema.parse(merged(GATEWAY_AUTH_DEFAULTS, options.gateway ?? {}));
  const assetsDir = testAssetsDir();
  const running = inProcessGateway({
    name: options.name,
    db: options.db,
    clearml,
    gateway,
    secrets: { ...secrets, systemCredentials: [{ name: 'apiserver', accessKey: generateKey(), secretKey: generateSecret() }] },
    extensions: options.extensions,
    webRoutes: (parts) =>
      createConsole({
        parts,
        assetsDir,
        hosts: publicHosts(options.hosts ?? {}, 8080),
        ssoProviders: () => options.ssoProviders ?? [],
        logoutRedirect: options.logoutRedirect,
        metricsRegistry: registry,
        identityProviders: options.identityProviders?.(),
      }),
  });
  return { ...running, registry, secrets };
}

/** Waits (up to 15 s) until the gateway's set-up (MongoDB, signing keys) has finished. */
export async function gatewayReady(gw: Pick<InProcessGateway, 'gateway'>): Promise<void> {
  for (let i = 0; i < 150; i += 1) {
    try {
      return gw.gateway.parts.assertReady();
    } catch (error) {
      if (!(error instanceof WardenError)) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the gateway did not become ready');
}
