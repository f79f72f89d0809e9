import { createHash, randomBytes } from 'node:crypto';
import type { Key, Stack } from './stack';
import { apiCall, basic, eventBatch, upload, type Answer, type Outcome } from './http';

export const OPS = ['login', 'read', 'write', 'events', 'upload'] as const;
export type Op = (typeof OPS)[number];

export interface Sample {
  op: Op;
  outcome: Outcome;
  code?: string;
  /** performance.now() at send and at answer. */
  start: number;
  end: number;
  /** The phase the request was sent in. */
  phase: string;
}

export const EVENTS_PER_BATCH = 20;
const UPLOAD_BYTES = 32 * 1024;
// Each client waits this long between its requests: 50 clients stay a modest load on 2 shared cores.
const THINK_MS = 250;

/** Every write the server acknowledged with a 200, to look for afterwards. */
export class Ledger {
  readonly projects: string[] = [];
  readonly tasks: string[] = [];
  /** Per client's task: every comment sent in order, and how many of them had been acknowledged by the last 200. */
  readonly edits = new Map<string, { sent: string[]; acked: number }>();
  /** Per task: the variants of the event batches acknowledged (each batch has its own variant). */
  readonly eventBatches = new Map<string, string[]>();
  readonly files = new Map<string, string>();
}

export class Recorder {
  phase = 'steady';
  readonly samples: Sample[] = [];

  async time(op: Op, request: () => Promise<Answer>): Promise<Answer> {
    const start = performance.now();
    const phase = this.phase;
    const answer = await request();
    this.samples.push({ op, outcome: answer.outcome, code: answer.code, start, end: performance.now(), phase });
    return answer;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A login as the SDK makes it; throws unless it gets a token. */
export async function loginWith(stack: Stack, key: Key): Promise<string> {
  const answer = await apiCall(stack.api, 'auth.login', basic(key));
  const token = answer.data?.token;
  if (typeof token !== 'string') throw new Error(`auth.login answered ${answer.outcome}`);
  return token;
}

async function mustCreate(stack: Stack, token: string, endpoint: string, body: object): Promise<string> {
  const answer = await apiCall(stack.api, endpoint, `Bearer ${token}`, body);
  if (typeof answer.data?.id !== 'string') throw new Error(`${endpoint} answered ${answer.outcome}`);
  return answer.data.id;
}

/**
 * One simulated SDK user: logs in, then cycles through logins, API reads, API writes, event batches
 * and uploads, one request at a time, until stopped.
 */
export class Client {
  private token = '';
  private project = '';
  private task = '';
  private n = 0;

  constructor(
    private readonly id: number,
    private readonly stack: Stack,
    private readonly recorder: Recorder,
    private readonly ledger: Ledger,
  ) {}

  async prepare(): Promise<void> {
    this.token = await loginWith(this.stack, this.stack.key);
    this.project = await mustCreate(this.stack, this.token, 'projects.create', { name: `faults/client-${this.id}`, description: 'fault run' });
    this.task = await mustCreate(this.stack, this.token, 'tasks.create', { name: `client-${this.id}`, project: this.project, type: 'training' });
    this.ledger.edits.set(this.task, { sent: [], acked: 0 });
    this.ledger.eventBatches.set(this.task, []);
  }

  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      const op = OPS[(this.id + this.n) % OPS.length];
      const answer = await this.recorder.time(op, () => this.perform(op));
      // A token refused mid-run is a finding (counted above); the client carries on with a new one.
      if (answer.outcome === 401) await this.recorder.time('login', () => this.login());
      this.n++;
      await sleep(THINK_MS);
    }
  }

  private perform(op: Op): Promise<Answer> {
    switch (op) {
      case 'login':
        return this.login();
      case 'read':
        return this.read();
      case 'write':
        return this.write();
      case 'events':
        return this.events();
      case 'upload':
        return this.upload();
    }
  }

  private async login(): Promise<Answer> {
    const answer = await apiCall(this.stack.api, 'auth.login', basic(this.stack.key));
    if (typeof answer.data?.token === 'string') this.token = answer.data.token;
    return answer;
  }

  private call(endpoint: string, body: object): Promise<Answer> {
    return apiCall(this.stack.api, endpoint, `Bearer ${this.token}`, body);
  }

  private read(): Promise<Answer> {
    if (this.n % 3 === 0) return this.call('tasks.get_by_id', { task: this.task });
    return this.call(this.n % 3 === 1 ? 'projects.get_all' : 'tasks.get_all', { page: 0, page_size: 20 });
  }

  private async write(): Promise<Answer> {
    const kind = this.n % 3;
    if (kind === 2) {
      const edits = this.ledger.edits.get(this.task)!;
      const comment = `client-${this.id} edit ${this.n}`;
      edits.sent.push(comment);
      const answer = await this.call('tasks.edit', { task: this.task, comment });
      if (answer.outcome === 200) edits.acked = edits.sent.length;
      return answer;
    }
    const endpoint = kind === 0 ? 'projects.create' : 'tasks.create';
    const body =
      kind === 0 ? { name: `faults/client-${this.id}/p${this.n}`, description: '' } : { name: `task-${this.n}`, project: this.project, type: 'training' };
    const answer = await this.call(endpoint, body);
    if (answer.outcome === 200 && typeof answer.data?.id === 'string') (kind === 0 ? this.ledger.projects : this.ledger.tasks).push(answer.data.id);
    return answer;
  }

  private async events(): Promise<Answer> {
    const variant = `c${this.id}b${this.n}`;
    const lines = Array.from({ length: EVENTS_PER_BATCH }, (_, iter) =>
      JSON.stringify({ timestamp: Date.now(), type: 'training_stats_scalar', task: this.task, iter, metric: 'loss', variant, value: iter / 10 }),
    ).join('\n');
    const answer = await eventBatch(this.stack.api, this.token, lines);
    if (answer.outcome === 200 && answer.data?.added === EVENTS_PER_BATCH) this.ledger.eventBatches.get(this.task)!.push(variant);
    return answer;
  }

  private async upload(): Promise<Answer> {
    const path = `faults/client-${this.id}/u${this.n}.bin`;
    const content = randomBytes(UPLOAD_BYTES);
    const answer = await upload(this.stack.files, this.token, path, content);
    if (answer.outcome === 200) this.ledger.files.set(path, createHash('sha256').update(content).digest('hex'));
    return answer;
  }
}
