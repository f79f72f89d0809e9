import type { TaskOwnership } from './event-endpoints';

// Beyond this many remembered tasks, expired entries are swept before adding more.
const SWEEP_AT = 10_000;

/**
 * Remembers for a short while which tasks a company owns, so a steady stream of event batches
 * for the same task does not ask MongoDB every time. Only "owned" answers are kept: a task never
 * moves to another company, so isolation holds; a task deleted elsewhere (another replica) may
 * take events for up to `ttlMs`, and `forget` closes that window for deletions made here.
 */
export class OwnershipCache {
  private readonly owned = new Map<string, Map<string, number>>();
  private size = 0;

  constructor(
    private readonly tasks: Pick<TaskOwnership, 'ownedTaskIds'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async ownedTaskIds(company: string, ids: string[]): Promise<Set<string>> {
    const now = this.now();
    const known = this.owned.get(company);
    const result = new Set<string>();
    const unknown: string[] = [];
    for (const id of ids) {
      if ((known?.get(id) ?? 0) > now) result.add(id);
      else unknown.push(id);
    }
    if (unknown.length === 0) return result;
    for (const id of await this.tasks.ownedTaskIds(company, unknown)) {
      result.add(id);
      this.remember(company, id, now + this.ttlMs);
    }
    return result;
  }

  /** How many tasks are remembered, expired ones not yet swept included. */
  get remembered(): number {
    return this.size;
  }

  forget(company: string, taskId: string): void {
    if (this.owned.get(company)?.delete(taskId)) this.size--;
  }

  private remember(company: string, taskId: string, expiry: number): void {
    if (this.size >= SWEEP_AT) this.sweep();
    let tasks = this.owned.get(company);
    if (!tasks) this.owned.set(company, (tasks = new Map()));
    if (!tasks.has(taskId)) this.size++;
    tasks.set(taskId, expiry);
  }

  private sweep(): void {
    const now = this.now();
    for (const [company, tasks] of this.owned) {
      for (const [id, expiry] of tasks) if (expiry <= now) tasks.delete(id);
      if (tasks.size === 0) this.owned.delete(company);
    }
    this.size = [...this.owned.values()].reduce((n, tasks) => n + tasks.size, 0);
  }
}
