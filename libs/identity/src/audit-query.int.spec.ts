import type { Connection } from 'mongoose';
import { isWardenError } from '@warden/errors';
import { AUDIT_PAGE_MAX, AuditQueries, type AuditQuery } from './audit-query';
import { AuditTrail, type AuditEvent } from './audit-trail';
import { openTestDatabase } from './testing/test-backends';

async function codeOf(promise: Promise<unknown>): Promise<[string | undefined, unknown]> {
  try {
    await promise;
  } catch (error) {
    return isWardenError(error) ? [error.code, error.data['field']] : [String(error), undefined];
  }
  throw new Error('expected a rejection');
}

describe('AuditQueries (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let queries: AuditQueries;
  const t0 = Date.UTC(2026, 0, 1);
  const at = (sec: number) => new Date(t0 + sec * 1000);

  beforeAll(async () => {
    db = await openTestDatabase();
    queries = new AuditQueries(db.connection);
    const trail = new AuditTrail({ connection: db.connection, flushIntervalMs: 60_000 });
    const events: AuditEvent[] = [
      { type: 'login', outcome: 'success', user: 'u1', company: 'A', at: at(1) },
      { type: 'login', outcome: 'failure', username: '<script>alert(1)</script>', company: 'A', at: at(2), reason: 'ERR_INVALID_CREDENTIALS' },
      // Three events in the same millisecond: the id keeps their order stable across pages.
      { type: 'user.role', outcome: 'success', actor: 'admin1', user: 'u1', company: 'A', at: at(3), detail: 'admin' },
      { type: 'user.disable', outcome: 'success', actor: 'admin1', user: 'u2', company: 'A', at: at(3) },
      { type: 'credentials.revoke', outcome: 'success', actor: 'admin1', user: 'u2', company: 'A', at: at(3), access_key: 'K2' },
      { type: 'login.locked', outcome: 'failure', username: 'u2name', company: 'A', at: at(4), reason: 'ERR_RATE_LIMITED' },
      { type: 'login', outcome: 'success', user: 'u1', company: 'B', at: at(2) },
      { type: 'user.role', outcome: 'success', actor: 'u1', user: 'bx', company: 'B', at: at(3) },
    ];
    for (const event of events) trail.record(event);
    await trail.close();
  });
  afterAll(async () => {
    await db.drop();
  });

  const all = async (query: AuditQuery) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await queries.page({ ...query, cursor });
      seen.push(...page.events.map((e) => `${e.type}@${e.at.getTime() - t0}`));
      if (!page.next_cursor) return seen;
      cursor = page.next_cursor;
    }
    throw new Error('paging did not end');
  };

  it("pages through one company's events newest first, each exactly once, in a stable order", async () => {
    const first = await queries.page({ company: 'A', limit: 2 });
    expect(first.events.map((e) => e.type)).toEqual(['login.locked', expect.stringMatching(/^(user\.|credentials\.)/)]);
    expect(first.next_cursor).toMatch(/^\d+\.[0-9a-f]{24}$/);
    const everything = (await queries.page({ company: 'A', limit: AUDIT_PAGE_MAX })).events.map((e) => `${e.type}@${e.at.getTime() - t0}`);
    expect(everything).toHaveLength(6);
    expect(await all({ company: 'A', limit: 2 })).toEqual(everything);
    expect(await all({ company: 'A', limit: 1 })).toEqual(everything);
    expect((await queries.page({ company: 'A' })).next_cursor).toBeUndefined();
  });

  it('filters by user (as subject or actor), by type and by time range', async () => {
    expect((await all({ company: 'A', user: 'u2' })).sort()).toEqual(['credentials.revoke@3000', 'user.disable@3000']);
    expect((await all({ company: 'A', user: 'admin1' })).length).toBe(3);
    expect(await all({ company: 'A', types: ['login', 'login.locked'] })).toEqual(['login.locked@4000', 'login@2000', 'login@1000']);
    expect(await all({ company: 'A', from: at(2), to: at(4) })).toHaveLength(4);
    expect(await all({ company: 'A', from: at(4) })).toEqual(['login.locked@4000']);
    expect(await all({ company: 'A', to: at(2) })).toEqual(['login@1000']);
  });

  it("never returns another company's events, whatever the filter", async () => {
    const a = await queries.page({ company: 'A', limit: AUDIT_PAGE_MAX });
    expect(a.events.every((e) => e.company === 'A')).toBe(true);
    expect(await all({ company: 'A', user: 'bx' })).toEqual([]);
    expect(await all({ company: 'B' })).toEqual(['user.role@3000', 'login@2000']);
    // A cursor from company A's pages does not open company B's.
    const cursor = (await queries.page({ company: 'A', limit: 1 })).next_cursor;
    expect((await queries.page({ company: 'B', cursor })).events.every((e) => e.company === 'B')).toBe(true);
    expect(await codeOf(queries.page({ company: '' }))).toEqual(['ERR_BAD_REQUEST', 'company']);
  });

  it('keeps hostile text as stored text', async () => {
    const { events } = await queries.page({ company: 'A', types: ['login'] });
    expect(events.find((e) => e.outcome === 'failure')?.username).toBe('<script>alert(1)</script>');
  });

  it('refuses page sizes out of bounds, forged cursors, unknown types and empty ranges with 400s', async () => {
    for (const limit of [0, -1, AUDIT_PAGE_MAX + 1, 1.5, Number.NaN])
      expect(await codeOf(queries.page({ company: 'A', limit }))).toEqual(['ERR_BAD_REQUEST', 'limit']);
    for (const cursor of ['', 'x', '1.zz', `${'9'.repeat(16)}.${'a'.repeat(24)}`, '{"$gt":""}'])
      expect(await codeOf(queries.page({ company: 'A', cursor }))).toEqual(['ERR_BAD_REQUEST', 'cursor']);
    expect(await codeOf(queries.page({ company: 'A', types: ['login', '$where'] }))).toEqual(['ERR_BAD_REQUEST', 'type']);
    expect(await codeOf(queries.page({ company: 'A', from: at(3), to: at(3) }))).toEqual(['ERR_BAD_REQUEST', 'from']);
    expect(await codeOf(queries.page({ company: 'A', from: new Date('nope') }))).toEqual(['ERR_BAD_REQUEST', 'from']);
  });
});
