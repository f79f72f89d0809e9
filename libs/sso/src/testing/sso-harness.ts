import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema } from '@warden/auth-service';
import { inProcessGateway, type InProcessGateway } from '@warden/auth-service/testing';
import { generateKey, generateSecret } from '@warden/secrets';
import { ssoExtension } from '../sso-extension';
import type { SsoService } from '../sso-service';
import { providerSchema, type ProviderSettings } from '../sso-settings';
import type { TestProvider } from './test-provider';

export interface HarnessProvider {
  name: string;
  provider: TestProvider;
  /** services.login.sso.oauth_client.<p> as an operator would set it (defaults filled in). */
  config?: Record<string, unknown>;
  defaultCompany?: string;
  /** Overrides the client secret the gateway sends (a wrong one). */
  clientSecret?: string;
}

export interface SsoHarness {
  gateway: InProcessGateway;
  sso: SsoService;
  url: string;
  secrets: { tokenSecret: string; sessionSecret: string };
  close(): Promise<void>;
}

export function providerSettingsFor(p: HarnessProvider): ProviderSettings {
  const config = providerSchema.parse({ base_url: p.provider.issuer, ...p.config });
  return { ...config, name: p.name, clientId: p.provider.clientId, clientSecret: p.clientSecret ?? p.provider.clientSecret, defaultCompany: p.defaultCompany };
}

/**
 * The gateway in-process with SSO mounted for the given (started) test providers, listening on
 * loopback. A second replica of one passes the first one's secrets (replicas share them).
 */
export async function startSsoHarness(
  name: string,
  db: string,
  providers: HarnessProvider[],
  secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret() },
): Promise<SsoHarness> {
  let sso: SsoService | undefined;
  const gateway = inProcessGateway({
    name,
    db,
    clearml: clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS),
    gateway: gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS),
    secrets: { ...secrets, systemCredentials: [{ name: 'apiserver', accessKey: generateKey(), secretKey: generateSecret() }] },
    extensions: [ssoExtension({ providers: providers.map(providerSettingsFor), onCreated: (s) => (sso = s) })],
  });
  const server: Server = gateway.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const deadline = Date.now() + 20_000;
  while ((await fetch(`${url}/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('gateway not ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    gateway,
    sso: sso!,
    url,
    secrets,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    },
  };
}

export interface BrowserAnswer {
  status: number;
  location: string;
  cookies: Record<string, string>;
  text: string;
}

/** A browser's cookie jar, enough for the sign-in redirects. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  /** `transcript`, when given, collects every answer (status, location, body) for a secret scan. */
  constructor(
    private readonly base: string,
    private readonly transcript?: string[],
  ) {}

  async get(path: string, init: RequestInit = {}): Promise<BrowserAnswer> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const sameSite = url.startsWith(this.base);
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(sameSite && this.cookieHeader()), ...init.headers } });
    const set: Record<string, string> = {};
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [key, ...value] = pair.split('=');
      set[key] = value.join('=');
      if (sameSite) {
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(key);
        else this.cookies.set(key, value.join('='));
      }
    }
    const text = await res.text();
    this.transcript?.push(`${res.status} ${res.headers.get('location') ?? ''}\n${text}`);
    return { status: res.status, location: res.headers.get('location') ?? '', cookies: set, text };
  }

  /** Start, the provider's authorize (signs in its current user), and the callback URL it sends back. */
  async toCallback(provider: string, next?: string): Promise<URL> {
    const start = await this.get(`/login/sso/${provider}${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);
    if (start.status !== 302) throw new Error(`start answered ${start.status} ${start.location}`);
    const authorize = await this.get(start.location);
    return new URL(authorize.location);
  }

  /** The whole sign-in: the callback's answer (303 to the return path, or to /login?error=...). */
  async signIn(provider: string, next?: string): Promise<BrowserAnswer> {
    const callback = await this.toCallback(provider, next);
    return this.get(`${callback.pathname}${callback.search}`);
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

/** The error code a refused sign-in lands on the login page with. */
export function loginError(answer: BrowserAnswer): string | null {
  if (!answer.location.startsWith('/login?')) return null;
  return new URLSearchParams(answer.location.slice('/login?'.length)).get('error');
}

/** Discovery runs in the background: waits (up to 10 s) until `count` providers are available. */
export async function waitForDiscovery(h: SsoHarness, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (h.sso.entries().filter((e) => e.available).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
