import { isIP } from 'node:net';
import { z } from 'zod';
import type { ConfigObject } from './hocon/parse';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);

/** An IPv4/IPv6 address or a CIDR block of them (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The proxies in front of a service whose X-Forwarded-For it believes: explicit addresses or
 * CIDRs, none by default. Named sets such as Express's `loopback` are refused on purpose: on a
 * shared host any local process could then choose the client address.
 */
export const trustedProxiesSchema = z.array(
  z.string().refine(isAddressOrCidr, (entry) => ({
    message: `'${entry}' is not an IP address or CIDR block: list the proxies in front of this service, e.g. ["10.0.0.5", "10.1.0.0/16"] (write 127.0.0.1 explicitly for a proxy on this host)`,
  })),
);

const filePath = z.string().min(1).nullable();

/**
 * A service's TLS: its own certificate and key (PEM files, served when both are set), and how it
 * trusts the services it calls (the gateway): a private CA, the name expected in their certificate
 * when it connects by IP address, or no verification at all (development only).
 */
export const tlsSchema = z
  .object({
    cert: filePath,
    key: filePath,
    /** How often the files are checked for a renewed pair (certbot replaces them, Kubernetes flips a symlink). */
    reload_check_sec: z.number().positive().max(3600),
    ca_file: filePath,
    cert_name: z.string().min(1).nullable(),
    skip_verify: z.boolean(),
  })
  .refine((tls) => (tls.cert === null) === (tls.key === null), {
    message: 'set both tls.cert and tls.key (PEM files: the certificate with its chain, and its private key) or neither',
    path: ['key'],
  });

export const TLS_DEFAULTS: ConfigObject = { cert: null, key: null, reload_check_sec: 10, ca_file: null, cert_name: null, skip_verify: false };

/** Where a service listens, its metrics listener, its TLS and how long it drains on shutdown. */
export function serviceSchema() {
  return z.object({
    listen_ip: host,
    listen_port: port,
    shutdown_timeout_sec: z.number().positive().max(600),
    metrics: z.object({ enabled: z.boolean(), listen_ip: host, listen_port: port }),
    trusted_proxies: trustedProxiesSchema,
    tls: tlsSchema,
  });
}

/**
 * How many processes serve a CPU-bound service: a count, or `auto` for one per available core.
 * Each worker is a full replica sharing the listening port, as gunicorn workers are in ClearML.
 */
export const workersSchema = z.union([z.number().int().min(1).max(64), z.literal('auto')]);
export type WorkersSetting = z.infer<typeof workersSchema>;

export function serviceDefaults(defaultPort: number): ConfigObject {
  return {
    // Loopback unless the operator (or a deploy manifest) opens it up.
    listen_ip: '127.0.0.1',
    listen_port: defaultPort,
    shutdown_timeout_sec: 10,
    metrics: { enabled: true, listen_ip: '127.0.0.1', listen_port: defaultPort + 1000 },
    // Client addresses come from the socket unless the operator names the proxies in front.
    trusted_proxies: [],
    tls: TLS_DEFAULTS,
  };
}

const mongoUrl = z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL');

export const hostsSchema = z.object({
  mongo: z.object({ backend: z.object({ host: mongoUrl }), auth: z.object({ host: mongoUrl }) }),
  redis: z.object({
    apiserver: z.object({ host, port, db: z.number().int().min(0), password: z.string().optional() }),
  }),
  elastic: z.object({
    events: z.object({
      hosts: z.array(z.object({ host, port, scheme: z.enum(['http', 'https']).optional() })).min(1),
      username: z.string().optional(),
      password: z.string().optional(),
      args: z.object({ timeout: z.number().positive(), max_retries: z.number().int().min(0) }),
    }),
  }),
});

/** ClearML's hosts.conf defaults: every backing service on loopback. */
export const HOSTS_DEFAULTS: ConfigObject = {
  mongo: { backend: { host: 'mongodb://127.0.0.1:27017/backend' }, auth: { host: 'mongodb://127.0.0.1:27017/auth' } },
  redis: { apiserver: { host: '127.0.0.1', port: 6379, db: 0 } },
  elastic: { events: { hosts: [{ host: '127.0.0.1', port: 9200 }], args: { timeout: 60, max_retries: 3 } } },
};

export const loggingSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

export const LOGGING_DEFAULTS: ConfigObject = { level: 'info' };

export type HostsConfig = z.infer<typeof hostsSchema>;
export type ServiceConfig = z.infer<ReturnType<typeof serviceSchema>>;
export type TlsSettings = z.infer<typeof tlsSchema>;
export type LoggingConfig = z.infer<typeof loggingSchema>;
