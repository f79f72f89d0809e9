import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';

export interface IdName {
  id: string;
  name?: string;
}

/** A registered worker as stored: ClearML's WorkerEntry, with the queues it listens on by id. */
export interface WorkerEntry {
  id: string;
  user: IdName;
  company: IdName;
  ip: string;
  queues: string[];
  queue?: string;
  task?: IdName;
  project?: IdName;
  tags: string[];
  system_tags: string[];
  register_time: string;
  /** Seconds without a register or status report before the entry expires. */
  register_timeout: number;
  last_activity_time: string;
  last_report_time?: string;
  /** Key-value settings of the worker (clearml-agent reads them for its uptime schedule). */
  runtime_properties?: RuntimeProperty[];
}

export interface RuntimeProperty {
  key: string;
  value: string;
  expiry?: number;
}

/** A company's registered workers at once; past it registration is refused (Redis is shared by every tenant). */
export const MAX_WORKERS_PER_COMPANY = 1000;

/**
 * Workers live in Redis, as in clearml-server, each under a key that expires `register_timeout`
 * seconds after its last register or status report. Keys are scoped by company and user (the ids
 * from the caller's token, which hold no `:`), so a worker id one tenant picks can never name or
 * overwrite another tenant's worker. A sorted set per company, scored by expiry, lists them.
 */
export class WorkerStore {
  constructor(
    private readonly redis: RedisClientType,
    private readonly prefix = 'warden:workers:',
    private readonly maxPerCompany = MAX_WORKERS_PER_COMPANY,
  ) {}

  private key(company: string, user: string, worker: string): string {
    return `${this.prefix}worker:${company}:${user}:${worker}`;
  }

  private index(company: string): string {
    return `${this.prefix}index:${company}`;
  }

  private member(user: string, worker: string): string {
    return JSON.stringify([user, worker]);
  }

  async get(company: string, user: string, worker: string): Promise<WorkerEntry | undefined> {
    const json = await this.redis.get(this.key(company, user, worker));
    return json ? (JSON.parse(json) as WorkerEntry) : undefined;
  }

  /** Stores the entry and restarts its timeout; a new worker past the company's limit is refused. */
  async save(entry: WorkerEntry, isNew: boolean): Promise<void> {
    const company = entry.company.id;
    const index = this.index(company);
    const member = this.member(entry.user.id, entry.id);
    const ttlMs = entry.register_timeout * 1000;
    await this.redis.zRemRangeByScore(index, '-inf', Date.now());
    if (isNew && (await this.redis.zScore(index, member)) === null && (await this.redis.zCard(index)) >= this.maxPerCompany) {
      throw new WardenError('ERR_TOO_MANY_WORKERS', `a company may have at most ${this.maxPerCompany} registered workers`, {
        limit: this.maxPerCompany,
      });
    }
    await this.redis
      .multi()
      .set(this.key(company, entry.user.id, entry.id), JSON.stringify(entry), { PX: ttlMs })
      .zAdd(index, { score: Date.now() + ttlMs, value: member })
      .pExpire(index, Math.max(ttlMs, (await this.redis.pTTL(index)) ?? 0))
      .exec();
  }

  /** Whether there was such a worker. */
  async remove(company: string, user: string, worker: string): Promise<boolean> {
    const [deleted] = await this.redis
      .multi()
      .del(this.key(company, user, worker))
      .zRem(this.index(company), this.member(user, worker))
      .exec();
    return Number(deleted) > 0;
  }

  /** Every live worker of the company. */
  async all(company: string): Promise<WorkerEntry[]> {
    const index = this.index(company);
    await this.redis.zRemRangeByScore(index, '-inf', Date.now());
    const members = await this.redis.zRange(index, 0, -1);
    if (members.length === 0) return [];
    const keys = members.map((member) => {
      const [user, worker] = JSON.parse(member) as [string, string];
      return this.key(company, user, worker);
    });
    const values = await this.redis.mGet(keys);
    return values.flatMap((json) => (json ? [JSON.parse(json) as WorkerEntry] : []));
  }
}
