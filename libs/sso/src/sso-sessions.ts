import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type { TokenFamily } from '@warden/tokens';

/** What the gateway keeps of an SSO login, server-side only: the ID token never reaches a script. */
export interface SsoSession {
  provider: string;
  idToken: string;
  subject: string;
  sid?: string;
  startedAt: number;
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * SSO logins by Warden token family, and the families of each provider session (`sid`) and subject
 * (`sub`), so that logout can name the provider session and a back-channel logout can find every
 * Warden login it ends. Entries expire with the longest a login may last.
 */
export class SsoSessions {
  constructor(
    private readonly redis: RedisClientType,
    private readonly prefix: string,
    private readonly ttlSec: number,
  ) {}

  async record(family: string, session: SsoSession): Promise<void> {
    const multi = this.redis.multi().set(this.sessionKey(family), JSON.stringify(session), { EX: this.ttlSec });
    for (const index of this.indexKeys(session.provider, session.sid, session.subject)) multi.sAdd(index, family).expire(index, this.ttlSec);
    await multi.exec();
  }

  async get(family: string): Promise<SsoSession | undefined> {
    const raw = await this.redis.get(this.sessionKey(family));
    return raw ? (JSON.parse(raw) as SsoSession) : undefined;
  }

  /** Forgets one login (a logout), returning what it was. */
  async take(family: string): Promise<SsoSession | undefined> {
    const raw = await this.redis.getDel(this.sessionKey(family));
    return raw ? (JSON.parse(raw) as SsoSession) : undefined;
  }

  /** The families of a provider session, or of every session of a subject when no sid is named. */
  async familiesOf(provider: string, sid: string | undefined, subject: string | undefined): Promise<TokenFamily[]> {
    const key = sid ? this.indexKey(provider, 'sid', sid) : subject ? this.indexKey(provider, 'sub', subject) : undefined;
    if (!key) return [];
    const families = await this.redis.sMembers(key);
    const sessions = await Promise.all(families.map(async (id) => ({ id, session: await this.get(id) })));
    // A sid names one provider session; with a sub as well, both must agree.
    return sessions
      .filter(({ session }) => !session || !subject || session.subject === subject)
      .map(({ id, session }) => ({ id, startedAt: session?.startedAt ?? Math.floor(Date.now() / 1000) }));
  }

  private indexKeys(provider: string, sid: string | undefined, subject: string): string[] {
    return [this.indexKey(provider, 'sub', subject), ...(sid ? [this.indexKey(provider, 'sid', sid)] : [])];
  }

  private indexKey(provider: string, kind: 'sid' | 'sub', value: string): string {
    return `${this.prefix}:${kind}:${provider}:${hash(value)}`;
  }

  private sessionKey(family: string): string {
    return `${this.prefix}:session:${family}`;
  }
}
