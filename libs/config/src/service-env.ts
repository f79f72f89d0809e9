import { isObject, type ConfigValue } from './hocon/parse';
import type { LayeredTree } from './layered-tree';

/**
 * ClearML's deployment variables that point every connection at a backing service, applied over
 * the config the way ClearML's server applies them at connection time.
 */
export function applyServiceEnv(tree: LayeredTree, env: Record<string, string | undefined>, sourceOf: (name: string) => string): void {
  const set = (path: string, value: ConfigValue, name: string) => tree.set(path.split('.'), value, { layer: 'service-env', source: sourceOf(name), value });

  const mongoHost = env.CLEARML_MONGODB_SERVICE_HOST;
  const mongoPort = env.CLEARML_MONGODB_SERVICE_PORT;
  const mongo = tree.get('hosts.mongo');
  if ((mongoHost || mongoPort) && isObject(mongo)) {
    for (const [name, entry] of Object.entries(mongo)) {
      if (!isObject(entry) || typeof entry.host !== 'string') continue;
      set(
        `hosts.mongo.${name}.host`,
        withHostPort(entry.host, mongoHost, mongoPort),
        mongoHost ? 'CLEARML_MONGODB_SERVICE_HOST' : 'CLEARML_MONGODB_SERVICE_PORT',
      );
    }
  }

  forEachEntry(tree, 'hosts.redis', (name) => {
    if (env.CLEARML_REDIS_SERVICE_HOST) set(`hosts.redis.${name}.host`, env.CLEARML_REDIS_SERVICE_HOST, 'CLEARML_REDIS_SERVICE_HOST');
    if (env.CLEARML_REDIS_SERVICE_PORT) set(`hosts.redis.${name}.port`, Number(env.CLEARML_REDIS_SERVICE_PORT), 'CLEARML_REDIS_SERVICE_PORT');
    if (env.CLEARML_REDIS_SERVICE_PASSWORD) set(`hosts.redis.${name}.password`, env.CLEARML_REDIS_SERVICE_PASSWORD, 'CLEARML_REDIS_SERVICE_PASSWORD');
  });

  const esHost = env.CLEARML_ELASTIC_SERVICE_HOST;
  const esPort = env.CLEARML_ELASTIC_SERVICE_PORT;
  forEachEntry(tree, 'hosts.elastic', (name, entry) => {
    if ((esHost || esPort) && Array.isArray(entry.hosts)) {
      const hosts = entry.hosts.map((h) => (isObject(h) ? { ...h, ...(esHost ? { host: esHost } : {}), ...(esPort ? { port: Number(esPort) } : {}) } : h));
      set(`hosts.elastic.${name}.hosts`, hosts, esHost ? 'CLEARML_ELASTIC_SERVICE_HOST' : 'CLEARML_ELASTIC_SERVICE_PORT');
    }
    if (env.CLEARML_ELASTIC_SERVICE_USERNAME) set(`hosts.elastic.${name}.username`, env.CLEARML_ELASTIC_SERVICE_USERNAME, 'CLEARML_ELASTIC_SERVICE_USERNAME');
    if (env.CLEARML_ELASTIC_SERVICE_PASSWORD) set(`hosts.elastic.${name}.password`, env.CLEARML_ELASTIC_SERVICE_PASSWORD, 'CLEARML_ELASTIC_SERVICE_PASSWORD');
  });
}

function forEachEntry(tree: LayeredTree, path: string, fn: (name: string, entry: Record<string, ConfigValue>) => void): void {
  const section = tree.get(path);
  if (!isObject(section)) return;
  for (const [name, entry] of Object.entries(section)) if (isObject(entry)) fn(name, entry);
}

/** Replaces host and/or port in a mongodb:// URL, keeping credentials, database and options. */
export function withHostPort(url: string, host: string | undefined, port: string | undefined): string {
  const match = /^(mongodb(?:\+srv)?:\/\/)((?:[^@/]*)@)?([^/?]+)(.*)$/.exec(url);
  if (!match) return url;
  const [, scheme, auth = '', hostPort, rest] = match;
  const [currentHost, currentPort] = hostPort.split(':');
  const nextPort = port ?? currentPort;
  return `${scheme}${auth}${host ?? currentHost}${nextPort ? `:${nextPort}` : ''}${rest}`;
}
