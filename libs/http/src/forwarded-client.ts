import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';

/**
 * A service that forwards calls (the apiserver forwards auth.* to the gateway) vouches for its
 * caller's address in this header: `v1;<address>;<unix ms>;<HMAC-SHA256, base64url>`, keyed by the
 * forwarding service's own secret, which the target also holds. Unlike X-Forwarded-For, a client
 * cannot write it: without the secret its MAC does not verify and the target ignores it.
 */
export const FORWARDED_CLIENT_HEADER = 'x-warden-forwarded-client';
const VERSION = 'v1';
/** How far the stamp may lie from the target's clock: a forwarded call arrives within milliseconds. */
export const FORWARDED_CLIENT_VALIDITY_MS = 30_000;
const MAX_HEADER_LENGTH = 200;

export type ForwardingKey = Buffer & { readonly __forwardingKey: true };

/** A key of its own derived from the service secret, so these MACs stand in for no other use of it. */
export function forwardingKey(serviceSecret: string): ForwardingKey {
  return createHmac('sha256', serviceSecret).update('warden forwarded-client v1').digest() as ForwardingKey;
}

function mac(key: ForwardingKey, address: string, stamp: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION};${address};${stamp}`).digest();
}

export function signForwardedClient(key: ForwardingKey, address: string, now = Date.now()): string {
  const stamp = String(now);
  return `${VERSION};${address};${stamp};${mac(key, address, stamp).toString('base64url')}`;
}

/** The vouched-for address, or undefined for anything not signed with this key within the window. */
export function verifyForwardedClient(key: ForwardingKey, header: unknown, now = Date.now()): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return undefined;
  const parts = header.split(';');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [, address, stamp, signature] = parts;
  if (isIP(address) === 0 || !/^\d{1,15}$/.test(stamp)) return undefined;
  const expected = mac(key, address, stamp);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Math.abs(now - Number(stamp)) <= FORWARDED_CLIENT_VALIDITY_MS ? address : undefined;
}

/**
 * Makes `req.ip` the address a forwarding service vouched for, when its header verifies; otherwise
 * `req.ip` stays what the socket and the trusted proxies say. Without a secret nothing is believed.
 */
export function trustForwardedClient(serviceSecret: string | undefined): RequestHandler {
  const key = serviceSecret ? forwardingKey(serviceSecret) : undefined;
  return (req, _res, next) => {
    const header = req.headers[FORWARDED_CLIENT_HEADER];
    const address = key && header !== undefined ? verifyForwardedClient(key, header) : undefined;
    if (address) Object.defineProperty(req, 'ip', { value: address, configurable: true, enumerable: true });
    next();
  };
}
