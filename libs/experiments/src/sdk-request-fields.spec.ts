import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { createClient } from 'redis';
import type { ApiCall, ClearmlApi, TokenAuth } from '@warden/http';
import { WardenError } from '@warden/errors';
import { registerExperimentEndpoints } from './experiments';
import { isFieldFilter, type Collection } from './field-filters';

// The request fields each pinned SDK release (and clearml-agent) may send, per endpoint, as listed
// from its service modules by tools/clearml-compat/sdk_request_fields.py. A field our schema does not
// know is a 400 the SDK swallows, losing what it carried: every one must be known, or refused on
// purpose below.

const CLIENTS = ['clearml-2.1.12', 'clearml-1.16.5', 'clearml-agent-3.0.3'];
const fixture = (client: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../tools/clearml-compat/sdk-fields', `${client}.json`), 'utf8')) as {
    endpoints: Record<string, string[]>;
  };

// SDK fields Warden refuses with a 400 naming them, and why that loses nothing the SDK sends by itself.
const REFUSED: Record<string, string> = {
  // Scroll paging of get_all: the SDK pages with page/page_size; only a user's own task_filter can carry these.
  scroll_id: 'get_all scroll paging',
  refresh_scroll: 'get_all scroll paging',
  size: 'get_all scroll paging',
  // Enterprise dataview filters: sent only to servers whose feature_set is not "basic".
  'input.view.entries.dataset': 'enterprise dataviews',
  'input.view.entries.version': 'enterprise dataviews',
};

type Handler = (call: Partial<ApiCall<TokenAuth>>) => unknown;

/** The projects/tasks/models/queues/workers handlers as registered, on a database connection that was never opened (every query fails at once). */
function registeredHandlers(): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  const api = { endpoint: (name: string, _options: unknown, handler: Handler) => void handlers.set(name, handler) } as unknown as ClearmlApi<TokenAuth>;
  const connection = mongoose.createConnection();
  // A Redis client never connected: workers.* register, and every command fails at once.
  registerExperimentEndpoints(api, { connection, redis: createClient() });
  for (const model of Object.values(connection.models)) (model.collection as unknown as { opts: { bufferCommands: boolean } }).opts.bufferCommands = false;
  return new Map([...handlers].filter(([name]) => /^(projects|tasks|models|queues|workers)\./.test(name)));
}

const identity = { user: 'u'.repeat(32), company: 'c'.repeat(32), role: 'user', user_name: 'U', company_name: 'C' };

/** What the handler throws for this body (undefined when it answers). */
async function outcome(handler: Handler, data: Record<string, unknown>): Promise<unknown> {
  try {
    await handler({ data: { ...data, method: 'get' }, items: [], auth: { claims: { identity } } as unknown as TokenAuth });
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Whether the handler refused `field` itself as one it does not know. */
const refusesField = (error: unknown, field: string) =>
  error instanceof WardenError && error.data.field === field && (error.code === 'ERR_UNKNOWN_FIELD' || error.code === 'ERR_UNSUPPORTED_FILTER');

describe('request schemas against the SDK request fields', () => {
  const handlers = registeredHandlers();

  it.each(CLIENTS)('knows every field %s sends to an endpoint Warden serves', async (client) => {
    const { endpoints } = fixture(client);
    const served = [...handlers.keys()].filter((name) => endpoints[name]);
    expect(served.length).toBeGreaterThan(15);
    const unknown: string[] = [];
    for (const name of served) {
      const handler = handlers.get(name) as Handler;
      const collection = name.split('.')[0] as Collection;
      const listing = name.endsWith('.get_all');
      const filterable = listing && ['projects', 'tasks', 'models'].includes(collection);
      // Each field alone (a null value is "not given"), so a refusal names the field it is about.
      for (const field of endpoints[name]) {
        if (listing && field in REFUSED) continue;
        const error = await outcome(handler, { [field]: null });
        const unknownField = error instanceof WardenError && error.code === 'ERR_UNKNOWN_FIELD';
        // A supported filter may refuse null as its value.
        const unsupported = refusesField(error, field) && !(filterable && isFieldFilter(collection, field));
        if (unknownField || unsupported) unknown.push(`${name}: ${field} (${(error as Error).message})`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it.each(Object.keys(REFUSED))('refuses %s with a 400 naming it rather than ignoring it', async (field) => {
    const error = await outcome(handlers.get('tasks.get_all') as Handler, { [field]: 'x' });
    expect(refusesField(error, field)).toBe(true);
  });
});
