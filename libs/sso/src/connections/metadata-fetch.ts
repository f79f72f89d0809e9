import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { WardenError } from '@warden/errors';
import { MAX_METADATA_BYTES } from './idp-metadata';

const TIMEOUT_MS = 5000;

/**
 * Addresses the gateway never fetches metadata from, whatever a name resolves to: link-local (the
 * cloud instance-metadata services at 169.254.169.254 and fd00:ec2::254 live there), unspecified,
 * multicast and broadcast. Loopback and private ranges stay allowed: an on-premises IdP (Keycloak,
 * AD FS) usually sits on one, and only a company admin can ask, with the answer never echoed back.
 */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4');
FORBIDDEN.addSubnet('224.0.0.0', 3, 'ipv4');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addSubnet('ff00::', 8, 'ipv6');
FORBIDDEN.addAddress('::', 'ipv6');
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

/** BlockList matches IPv4-mapped IPv6 addresses (::ffff:169.254.169.254) against the IPv4 rules too. */
export function forbiddenAddress(address: string): boolean {
  return FORBIDDEN.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const refused = () => new WardenError('ERR_IDP_METADATA_URL_FORBIDDEN');

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) throw refused();
  return url;
}

/**
 * Resolves as the socket will, and checks every address it would use: the socket connects to the
 * address checked here, so a name that resolves differently a moment later (DNS rebinding) gains nothing.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    if (addresses.length === 0 || addresses.some((a) => forbiddenAddress(a.address))) return callback(refused(), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

function readCapped(res: IncomingMessage, resolve: (text: string) => void, reject: (e: Error) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_METADATA_BYTES) {
      res.destroy();
      reject(new WardenError('ERR_SAML_METADATA_TOO_LARGE', `the IdP metadata file is larger than ${MAX_METADATA_BYTES / 1024} KiB`));
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  res.on('error', reject);
}

/**
 * Downloads an IdP's metadata for an admin (the console's "metadata URL"): http(s) only, no
 * redirects, 5 s for the whole answer, at most the metadata size limit, and no forbidden address.
 * Failures name the status or cause, never the body: the caller parses the text as metadata.
 */
export function fetchIdpMetadata(raw: string): Promise<string> {
  const url = checkedUrl(raw.trim());
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) && forbiddenAddress(url.hostname.replace(/^\[|\]$/g, ''))) return Promise.reject(refused());
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<string>((resolve, reject) => {
    const req = send(url, { method: 'GET', lookup: guardedLookup, headers: { Accept: 'application/samlmetadata+xml, application/xml, text/xml' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(new WardenError('ERR_IDP_METADATA_FETCH', `the metadata URL answered HTTP ${res.statusCode} (redirects are not followed)`));
      }
      readCapped(res, done, fail);
    });
    // One deadline for the whole answer: a server trickling bytes cannot hold the request open.
    const timer = setTimeout(
      () => req.destroy(new WardenError('ERR_IDP_METADATA_FETCH', `the metadata URL did not answer within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    const done = (text: string) => {
      clearTimeout(timer);
      resolve(text);
    };
    const fail = (error: Error & { code?: string }) => {
      clearTimeout(timer);
      req.destroy();
      reject(error instanceof WardenError ? error : new WardenError('ERR_IDP_METADATA_FETCH', `the metadata URL cannot be reached (${error.code ?? 'error'})`));
    };
    req.on('error', fail);
    req.end();
  });
}
