import mongoose from 'mongoose';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import type { Cleanup } from './cleanup';

/** A gateway and the settings every fileserver of the fileserver bench shares, with a tenant admin's token. */
export interface FileserverStack {
  /** Secrets, production mode and the bench's own database: the environment each service starts from. */
  common: Record<string, string>;
  gatewayUrl: string;
  token: string;
  /** Starts a fileserver with `env` on top of `common` and the gateway's JWKS, auth on; waits until ready. */
  startFileserver(env: Record<string, string>): Promise<SpawnedService>;
}

export async function startFileserverStack(cleanup: Cleanup): Promise<FileserverStack> {
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const db = `warden_bench_files_${process.pid}`;
  const common = { ...secrets, NODE_ENV: 'production', CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}` };
  cleanup.add(() => dropDatabase(db));
  const started = async (service: Promise<SpawnedService>) => {
    const s = await service;
    cleanup.add(() => s.stop());
    await waitForStatus(`${s.url}/ready`, (status) => status === 200, 30_000);
    return s;
  };
  const gateway = await started(
    spawnService('auth-gateway', { ...common, CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0', CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false' }),
  );
  const token = await tenantToken(gateway.url, secrets['CLEARML__SECURE__AUTH__OPERATOR_SECRET']);
  return {
    common,
    gatewayUrl: gateway.url,
    token,
    startFileserver: (env) =>
      started(
        spawnService('fileserver', {
          ...common,
          CLEARML__FILESERVER__LISTEN_PORT: '0',
          CLEARML__FILESERVER__METRICS__ENABLED: 'false',
          CLEARML__FILESERVER__AUTH__ENABLED: 'true',
          CLEARML__FILESERVER__AUTH__JWKS_URL: `${gateway.url}/.well-known/jwks.json`,
          ...env,
        }),
      ),
  };
}

/** A token of a tenant's admin, founded by the operator: the fileserver serves no service identity. */
async function tenantToken(gatewayUrl: string, operatorSecret: string): Promise<string> {
  const founded = await fetch(`${gatewayUrl}/operator/tenants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${operatorSecret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ company_name: 'fileserver bench', admin: { username: `bench-${process.pid}-${Date.now()}` } }),
  });
  if (founded.status !== 201) throw new Error(`POST /operator/tenants answered ${founded.status}`);
  const { access_key: key, secret_key: secret } = ((await founded.json()) as { credentials: { access_key: string; secret_key: string } }).credentials;
  const res = await fetch(`${gatewayUrl}/auth.login`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` },
  });
  const token = ((await res.json()) as { data?: { token?: string } }).data?.token;
  if (!token) throw new Error(`auth.login answered ${res.status} without a token`);
  return token;
}

async function dropDatabase(name: string): Promise<void> {
  const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${name}`).asPromise();
  await connection.dropDatabase();
  await connection.close();
}
