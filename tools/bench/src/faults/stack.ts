import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { IdentityStore } from '@warden/identity';
import { generateSecretSet } from '@warden/secrets';
import type { Cleanup } from '../cleanup';
import type { PrivateBackends } from './backends';

export interface Key {
  accessKey: string;
  secretKey: string;
}

export interface Stack {
  api: string;
  files: string;
  company: string;
  /** The key every client logs in with. */
  key: Key;
  /** One key per outage, revoked just before it. */
  victims: Key[];
  /** Everything secret the run handed out, for the log scan. */
  secrets: string[];
  logs(): string;
}

/**
 * The three built apps as production processes with generated secrets, on the private backends;
 * one tenant with a user whose keys the clients and the revocation checks use.
 */
export async function startStack(backends: PrivateBackends, victims: number, cleanup: Cleanup): Promise<Stack> {
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const mongo = (db: string) => `mongodb://127.0.0.1:${backends.ports.mongo}/${db}`;
  const storage = mkdtempSync(join(tmpdir(), 'warden-faults-files-'));
  cleanup.add(() => rmSync(storage, { recursive: true, force: true }));
  const env = {
    ...secrets,
    NODE_ENV: 'production',
    CLEARML__HOSTS__MONGO__AUTH__HOST: mongo('faults_auth'),
    CLEARML__HOSTS__MONGO__BACKEND__HOST: mongo('faults_backend'),
    CLEARML_REDIS_SERVICE_PORT: String(backends.ports.redis),
    CLEARML_ELASTIC_SERVICE_PORT: String(backends.ports.elasticsearch),
  };
  const services: SpawnedService[] = [];
  const started = async (app: string, extra: Record<string, string>) => {
    const service = await spawnService(app, { ...env, ...extra }, 60_000);
    services.push(service);
    cleanup.add(() => service.stop());
    await waitForStatus(`${service.url}/ready`, (status) => status === 200, 60_000);
    return service;
  };
  const gateway = await started('auth-gateway', { CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0', CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false' });
  const jwks = `${gateway.url}/.well-known/jwks.json`;
  const [api, files] = await Promise.all([
    started('apiserver', {
      CLEARML__APISERVER__LISTEN_PORT: '0',
      CLEARML__APISERVER__METRICS__ENABLED: 'false',
      CLEARML__APISERVER__AUTH_GATEWAY__URL: gateway.url,
      CLEARML__APISERVER__AUTH__JWKS_URL: jwks,
    }),
    started('fileserver', {
      CLEARML__FILESERVER__LISTEN_PORT: '0',
      CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      CLEARML__FILESERVER__AUTH__JWKS_URL: jwks,
      CLEARML__FILESERVER__STORAGE__PATH: storage,
    }),
  ]);

  // The tenant is written straight to the identity database before the run, as an operator would.
  const connection = await mongoose.createConnection(mongo('faults_auth')).asPromise();
  const store = new IdentityStore({ connection, credentialPepper: secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET'] });
  try {
    const company = await store.ensureCompany({ name: 'faults' });
    const user = await store.createUser({ company: company.id, username: 'faults-runner', role: 'user' });
    const newKey = async (): Promise<Key> => {
      const created = await store.createCredentials(user.id);
      return { accessKey: created.access_key, secretKey: created.secret_key };
    };
    const key = await newKey();
    const victimKeys: Key[] = [];
    for (let i = 0; i < victims; i++) victimKeys.push(await newKey());
    return {
      api: api.url,
      files: files.url,
      company: company.id,
      key,
      victims: victimKeys,
      secrets: [...Object.values(secrets), ...[key, ...victimKeys].map((k) => k.secretKey)],
      logs: () => services.map((s) => s.output()).join('\n'),
    };
  } finally {
    await store.close();
    await connection.close();
  }
}
