import express, { type RequestHandler } from 'express';
import { WardenError } from '@warden/errors';

/**
 * JSON.parse keeps a `__proto__` key as an own property, but copying it onto another object with
 * `target[key] = value`, or spreading through code that does, swaps that object's prototype, and a
 * `constructor.prototype` pair reaches Object's own. No ClearML client sends either, so bodies
 * holding them are refused at the door, as secure-json-parse does, before any handler copies them.
 */
const MARKERS = ['__proto__', 'prototype', '\\u'];

/** Whether a JSON text could hold such a key: spelt out, or with \u escapes (the only way to hide it). */
export function mayHoldPrototypeKey(text: string | Buffer): boolean {
  return MARKERS.some((marker) => text.includes(marker));
}

/** Throws ERR_BAD_REQUEST naming the first `__proto__` key, or `constructor` holding `prototype`. */
export function refusePrototypeKeys(value: unknown, where = 'request body'): void {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    for (const [key, inner] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      const hidden = key === '__proto__' || (key === 'constructor' && typeof inner === 'object' && inner !== null && Object.hasOwn(inner, 'prototype'));
      if (hidden) throw new WardenError('ERR_BAD_REQUEST', `${where}: the key ${path} is not allowed`);
      pending.push({ value: inner, path });
    }
  }
}

/** express.json for any content type, refusing what refusePrototypeKeys refuses. */
export function jsonBody(limit: number | string): RequestHandler {
  // Most bodies have none of the markers, and are not walked.
  const marked = new WeakSet<object>();
  const parse = express.json({ limit, type: () => true, verify: (req, _res, raw) => void (mayHoldPrototypeKey(raw) && marked.add(req)) });
  return (req, res, next) =>
    parse(req, res, (error?: unknown) => {
      if (error || !marked.has(req)) return next(error);
      try {
        refusePrototypeKeys(req.body);
        next();
      } catch (refused) {
        next(refused);
      }
    });
}
