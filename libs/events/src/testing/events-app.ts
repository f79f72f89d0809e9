import type { Express, Request } from 'express';
import { WardenError } from '@warden/errors';
import { ClearmlApi, createLogger, createServiceApp, type TokenAuth } from '@warden/http';
import { CapturedLogs } from '@warden/http/testing';
import { SecretScrubber } from '@warden/secrets';
import type { EntityReport } from '../batch-stats';
import type { EventStore } from '../event-store';
import { registerEventEndpoints, type EventEndpoints, type TaskOwnership } from '../api/event-endpoints';

/** Tests name the caller's company as its bearer token; no token, no access. */
async function companyFromBearer(req: Request): Promise<TokenAuth> {
  const company = /^Bearer (\w+)$/.exec(req.get('Authorization') ?? '')?.[1];
  if (!company) throw new WardenError('ERR_UNAUTHORIZED');
  const identity = { company, company_name: company, user: `${company}-user`, user_name: 'tester', role: 'user' as const };
  return { claims: { identity } as TokenAuth['claims'], token: company, via: 'header' };
}

export interface FixedTasks extends TaskOwnership {
  /** Every recordMetrics call, in order. */
  recorded: Array<{ company: string; user: string; reports: EntityReport[] }>;
  /** Set to make recordMetrics fail, as a database outage would. */
  failRecording?: Error;
}

/**
 * Ownership from fixed lists of task and model ids per company (`locked`: published tasks and
 * ready models among them), standing in for the experiments service, which has its own specs;
 * metrics reports are kept for the test to read.
 */
export function fixedTasks(owned: Record<string, string[]>, models: Record<string, string[]> = {}, locked: string[] = []): FixedTasks {
  const owns = (list: Record<string, string[]>, company: string, id: string) => list[company]?.includes(id) ?? false;
  const fixed: FixedTasks = {
    recorded: [],
    ownedTaskIds: async (company, ids) => new Set(ids.filter((id) => owns(owned, company, id))),
    writableTaskIds: async (company, ids) => new Set(ids.filter((id) => owns(owned, company, id) && !locked.includes(id))),
    writableModelIds: async (company, ids) => new Set(ids.filter((id) => owns(models, company, id) && !locked.includes(id))),
    assertTaskOwned: async (company, id) => {
      if (!owns(owned, company, id)) throw new WardenError('ERR_INVALID_TASK_ID', 'invalid task id', { id });
    },
    ownedModelIds: async (company, ids) => new Set(ids.filter((id) => owns(models, company, id))),
    assertModelOwned: async (company, id) => {
      if (!owns(models, company, id)) throw new WardenError('ERR_INVALID_MODEL_ID', 'invalid model id', { id });
    },
    recordMetrics: async (company, user, reports) => {
      if (fixed.failRecording) throw fixed.failRecording;
      fixed.recorded.push({ company, user, reports });
    },
  };
  return fixed;
}

/** The event endpoints on a ClearmlApi inside the real service kit, ready for supertest. */
export function eventsApp(store: EventStore, tasks: TaskOwnership): { app: Express; endpoints: EventEndpoints } {
  const api = new ClearmlApi<TokenAuth>({ authenticate: companyFromBearer });
  const endpoints = registerEventEndpoints(api, { store, tasks });
  const scrubber = new SecretScrubber();
  const app = createServiceApp({
    logger: createLogger({ name: 'events-test', level: 'silent', scrubber, destination: new CapturedLogs() }),
    scrubber,
    readiness: [],
    state: { draining: false, warnings: [] },
    exposeStacks: false,
    routes: api.router,
  });
  return { app, endpoints };
}

export const jsonLines = (events: object[]) => events.map((e) => JSON.stringify({ ...e, method: 'get' })).join('\n');
