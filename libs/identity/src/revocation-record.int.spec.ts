import type { Connection } from 'mongoose';
import { IdentityStore } from './identity-store';
import { MongoRevocationRecord } from './revocation-record';
import { openTestDatabase } from './testing/test-backends';

const COMPANY = 'd1bd92a3b039400cbafc60a7a5b1e52b';
const HORIZON = 3600;
const nowSec = () => Math.floor(Date.now() / 1000);

describe('MongoRevocationRecord (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let store: IdentityStore;
  let record: MongoRevocationRecord;

  beforeAll(async () => {
    db = await openTestDatabase();
    store = new IdentityStore({ connection: db.connection, credentialPepper: 'pepper-for-revocation-spec-0123456789' });
    await store.ensureIndexes();
    await store.ensureCompany({ id: COMPANY, name: 'Acme' });
    record = new MongoRevocationRecord({ connection: db.connection, horizonSec: HORIZON });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('keeps a family until its latest until, and forgets it once that has passed', async () => {
    const now = nowSec();
    await record.save({ kind: 'family', id: 'fam-1', value: now + 600, until: now + 600 });
    await record.save({ kind: 'family', id: 'fam-1', value: now + 60, until: now + 60 });
    await record.save({ kind: 'family', id: 'fam-old', value: now + 1, until: now + 1 });
    expect((await record.live(now)).filter((r) => r.kind === 'family')).toEqual([
      { kind: 'family', id: 'fam-1', value: now + 600, until: now + 600 },
      { kind: 'family', id: 'fam-old', value: now + 1, until: now + 1 },
    ]);
    expect((await record.live(now + 2)).filter((r) => r.kind === 'family').map((r) => r.id)).toEqual(['fam-1']);
    expect(await db.connection.collection('revoked_families').countDocuments()).toBe(1);
  });

  it('stores a user’s tokens_valid_after, never moves it back, and re-enabling leaves it in place', async () => {
    const user = await store.createUser({ company: COMPANY, username: 'dis', password: 'a long test passphrase' });
    const now = nowSec();
    await record.save({ kind: 'user', id: user.id, value: now, until: now + HORIZON });
    await record.save({ kind: 'user', id: user.id, value: now - 100, until: now + HORIZON });
    await store.setUserEnabled(user.id, false);
    await store.setUserEnabled(user.id, true);
    const doc = await db.connection.collection('users').findOne({ _id: user.id as never });
    expect(doc?.tokens_valid_after).toEqual(new Date(now * 1000));
    expect(await record.live(now)).toContainEqual({ kind: 'user', id: user.id, value: now, until: now + HORIZON });
    // Once every token a login before it could have had has expired, it is no longer published.
    expect((await record.live(now + HORIZON)).some((r) => r.id === user.id)).toBe(false);
  });

  it('uses a credential’s own revoked date, and keeps the first one', async () => {
    const user = await store.createUser({ company: COMPANY, username: 'keys' });
    const first = await store.createCredentials(user.id);
    const revoked = await store.revokeCredentials(first.access_key);
    const at = Math.floor(revoked.revoked!.getTime() / 1000);
    await record.save({ kind: 'credential', id: first.access_key, value: at + 50, until: at + HORIZON });
    const second = await store.createCredentials(user.id);
    await record.save({ kind: 'credential', id: second.access_key, value: at + 1, until: at + HORIZON });
    expect((await store.getCredential(second.access_key))?.revoked).toEqual(new Date((at + 1) * 1000));
    const live = (await record.live(at)).filter((r) => r.kind === 'credential');
    expect(live).toEqual(
      expect.arrayContaining([
        { kind: 'credential', id: first.access_key, value: at, until: at + HORIZON },
        { kind: 'credential', id: second.access_key, value: at + 1, until: at + 1 + HORIZON },
      ]),
    );
  });

  it('refuses to record a revocation for a user or key that does not exist', async () => {
    await expect(record.save({ kind: 'user', id: 'nobody', value: nowSec(), until: nowSec() + 60 })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(record.save({ kind: 'credential', id: 'NOKEY', value: nowSec(), until: nowSec() + 60 })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
