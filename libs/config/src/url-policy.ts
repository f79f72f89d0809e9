import { BlockList, isIP } from 'node:net';
import { ConfigError } from './errors';
import { ENV_PREFIX } from './secret-files';
import type { ResolvedConfig } from './resolved-config';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** localhost, 127.0.0.0/8 or ::1: traffic that never leaves the machine (tests, a TLS sidecar). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host a URL would send cleartext to, or undefined when it is https or stays on this machine. */
function cleartextRemoteHost(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // the schema reports a value that is not a URL
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return url.hostname || '(no host)';
}

/**
 * In production, refuses URLs at `paths` that would fetch signing keys or carry logins without TLS
 * to another host, where anyone on the path could serve their own keys or read credentials.
 */
export function refuseCleartextUrls(resolved: ResolvedConfig, paths: readonly string[]): void {
  if (resolved.mode !== 'production') return;
  const problems = paths.flatMap((path) => {
    const value = resolved.get(path);
    const host = typeof value === 'string' ? cleartextRemoteHost(value) : undefined;
    if (host === undefined) return [];
    const envVar = `${ENV_PREFIX}${path.toUpperCase().replace(/\./g, '__')}`;
    return [
      `  - ${path} (from ${resolved.sourceOf(path)}) is not https but goes to ${host}, which is not this machine: set an https:// URL (e.g. ${envVar}=https://…)`,
    ];
  });
  if (problems.length === 0) return;
  throw new ConfigError(
    'ERR_CONFIG_INVALID',
    `${resolved.app} refuses to start in production with cleartext URLs to other hosts (anyone on the network path could serve forged signing keys or read forwarded logins):\n${problems.join('\n')}\nPlain http is allowed only to localhost, 127.0.0.0/8 or ::1 (e.g. a TLS sidecar).`,
  );
}
