import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { WardenError } from '@warden/errors';
import { registerExperimentEndpoints } from './experiments';
import { isFieldFilter, parseListRequest, type Collection } from './field-filters';
import { REQUEST_SCHEMAS } from './request';

// The request fields each pinned SDK release may send, per endpoint, as listed from its service
// modules by tools/clearml-compat/sdk_request_fields.py. A field our schema does not know is a 400
// the SDK swallows, losing what it carried: every one must be known, or refused on purpose below.

const SDK_RELEASES = ['2.1.12', '1.16.5'];
const fixture = (release: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../tools/clearml-compat/sdk-fields', `clearml-${release}.json`), 'utf8')) as {
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

function registeredEndpoints(): string[] {
  const names: string[] = [];
  const api = { endpoint: (name: string) => void names.push(name) } as unknown as ClearmlApi<TokenAuth>;
  registerExperimentEndpoints(api, { connection: mongoose.createConnection() });
  return names.filter((name) => /^(projects|tasks|models)\./.test(name));
}

describe('request schemas against the SDK request fields', () => {
  const registered = registeredEndpoints();

  it('declares the request schema of every projects/tasks/models endpoint', () => {
    expect(registered.length).toBeGreaterThan(30);
    expect(registered.filter((name) => !REQUEST_SCHEMAS.has(name))).toEqual([]);
  });

  it.each(SDK_RELEASES)('knows every field clearml %s sends to an endpoint Warden serves', (release) => {
    const { endpoints } = fixture(release);
    const served = registered.filter((name) => endpoints[name]);
    expect(served.length).toBeGreaterThan(30);
    const unknown = served.flatMap((name) => {
      const shape = REQUEST_SCHEMAS.get(name)?.shape ?? {};
      const collection = name.split('.')[0] as Collection;
      const known = (field: string) => Object.hasOwn(shape, field) || (name.endsWith('.get_all') && (isFieldFilter(collection, field) || field in REFUSED));
      return endpoints[name].filter((field) => !known(field)).map((field) => `${name}: ${field}`);
    });
    expect(unknown).toEqual([]);
  });

  it.each(Object.keys(REFUSED))('refuses %s with a 400 naming it rather than ignoring it', (field) => {
    const schema = REQUEST_SCHEMAS.get('tasks.get_all');
    if (!schema) throw new Error('tasks.get_all has no schema');
    let refusal: unknown;
    try {
      parseListRequest('tasks', schema, { [field]: 'x' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(WardenError);
    expect([(refusal as WardenError).code, (refusal as WardenError).data.field]).toEqual(['ERR_UNSUPPORTED_FILTER', field]);
  });
});
