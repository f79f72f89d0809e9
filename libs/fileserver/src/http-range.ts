import type { StoredObject } from '@warden/storage';

export type RangeChoice = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: RangeChoice = { kind: 'full' };

/**
 * The one byte range to send, from Range and If-Range. Anything but a single `bytes=` range
 * (several ranges, other units, bad syntax) is answered whole, which RFC 9110 allows.
 */
export function chooseRange(range: string | undefined, ifRange: string | undefined, object: StoredObject): RangeChoice {
  if (!range || object.size === 0) return FULL;
  if (ifRange !== undefined && ifRange !== object.etag && Date.parse(ifRange) !== wholeSeconds(object.mtime)) return FULL;
  const match = /^bytes=\s*(\d*)-(\d*)\s*$/.exec(range);
  if (!match || (match[1] === '' && match[2] === '')) return FULL;
  const last = object.size - 1;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? { kind: 'unsatisfiable' } : { kind: 'partial', start: Math.max(0, object.size - suffix), end: last };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? last : Number(match[2]);
  if (end < start && match[2] !== '') return FULL;
  if (start > last) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, last) };
}

/** If-None-Match wins over If-Modified-Since, as RFC 9110 orders them. */
export function isNotModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, object: StoredObject): boolean {
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed.replace(/^W\//, '') === object.etag;
    });
  }
  if (!ifModifiedSince) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && wholeSeconds(object.mtime) <= since;
}

/** HTTP dates have whole seconds. */
function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
