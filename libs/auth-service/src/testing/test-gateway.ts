import mongoose from 'mongoose';
import { IdentityStore } from '@warden/identity';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';

export interface TestTenant {
  company: string;
  user: string;
  accessKey: string;
  secretKey: string;
}

export interface TestGateway {
  service: SpawnedService;
  /** Every generated secret by its environment variable; pass them to the other apps too. */
  secrets: Record<string, string>;
  /** The environment every app of this test shares: secrets, production mode, the test database. */
  env: Record<string, string>;
  jwksUrl: string;
  /** Secrets and tokens handed out so far, for tests that check no log line holds one. */
  issued: string[];
  login(accessKey: string, secretKey: string): Promise<string>;
  /** A new company with one user (username `<name>-<db>`) and API credentials, written straight to the identity database. */
  createTenant(name: string, role?: 'user' | 'admin', password?: string): Promise<TestTenant>;
  stop(): Promise<number | null>;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * The built gateway as its own production process with fresh secrets, on the real Redis and
 * MongoDB-wire server: the issuer other services' integration tests verify tokens against.
 * `extraEnv` (e.g. another Redis port, the gateway's login limits) goes into `env`, so the other apps
 * of the test share it.
 */
export async function spawnTestGateway(db: string, extraEnv: Record<string, string> = {}): Promise<TestGateway> {
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const env = {
    ...secrets,
    NODE_ENV: 'production',
    CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}`,
    // Each test's failed logins count apart, so one test's sprays never limit another's logins.
    CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__KEY_PREFIX: `warden:test:login:${db}`,
    ...extraEnv,
  };
  const service = await spawnService('auth-gateway', { ...env, CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0', CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false' });
  await waitForStatus(`${service.url}/ready`, (s) => s === 200, 30_000);
  const issued: string[] = [];

  const login = async (accessKey: string, secretKey: string) => {
    const res = await fetch(`${service.url}/auth.login`, { method: 'POST', headers: { Authorization: basic(accessKey, secretKey) } });
    const token = ((await res.json()) as { data?: { token?: string } }).data?.token;
    if (!token) throw new Error(`login failed with ${res.status}`);
    issued.push(token);
    return token;
  };

  const createTenant = async (name: string, role: 'user' | 'admin' = 'user', password?: string): Promise<TestTenant> => {
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
    const store = new IdentityStore({ connection, credentialPepper: secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET'] });
    try {
      const company = await store.ensureCompany({ name });
      const user = await store.createUser({ company: company.id, username: `${name}-${db}`, role, password });
      const creds = await store.createCredentials(user.id);
      issued.push(creds.secret_key);
      return { company: company.id, user: user.id, accessKey: creds.access_key, secretKey: creds.secret_key };
    } finally {
      await store.close();
      await connection.close();
    }
  };

  return { service, secrets, env, jwksUrl: `${service.url}/.well-known/jwks.json`, issued, login, createTenant, stop: () => service.stop() };
}

/** The built apiserver as a production process that verifies tokens against this gateway, once ready. */
export async function spawnApiserverFor(gateway: TestGateway, db: string): Promise<SpawnedService> {
  const api = await spawnService('apiserver', {
    ...gateway.env,
    CLEARML__HOSTS__MONGO__BACKEND__HOST: `mongodb://127.0.0.1:27017/${db}`,
    CLEARML__APISERVER__LISTEN_PORT: '0',
    CLEARML__APISERVER__METRICS__ENABLED: 'false',
    CLEARML__APISERVER__AUTH_GATEWAY__URL: gateway.service.url,
    CLEARML__APISERVER__AUTH__JWKS_URL: gateway.jwksUrl,
  });
  await waitForStatus(`${api.url}/ready`, (s) => s === 200, 30_000);
  return api;
}
