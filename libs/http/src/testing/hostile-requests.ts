import fc from 'fast-check';

/** One generated call: what the fuzz test sends to an endpoint, besides its path and token. */
export interface HostileRequest {
  method: 'GET' | 'POST';
  /** Appended to the path, starting with `?` when not empty. */
  query: string;
  headers: Record<string, string>;
  body: Buffer;
  /** A short human description of the body, for failure reports. */
  label: string;
}

// Field names ClearML calls use, so generated bodies get past "unknown field" and reach handlers.
const FIELDS = [
  'id',
  'ids',
  'task',
  'tasks',
  'project',
  'projects',
  'model',
  'models',
  'name',
  'user',
  'users',
  'company',
  'role',
  'runtime',
  'execution',
  'script',
  'hyperparams',
  'configuration',
  'container',
  'output_dest',
  'comment',
  'type',
  'status',
  'status_reason',
  'status_message',
  'force',
  'tags',
  'system_tags',
  'parent',
  'requirements',
  'artifacts',
  'only_fields',
  'order_by',
  'page',
  'page_size',
  'search_hidden',
  'scroll_id',
  'batch_size',
  'event_type',
  'metrics',
  'from_timestamp',
  'navigate_earlier',
  'order',
  'samples',
  'key',
  'count_total',
  'iter',
  'timestamp',
  'metric',
  'variant',
  'value',
  'msg',
  'level',
  'uri',
  'design',
  'labels',
  'ready',
  'framework',
  'metadata',
  'ui_cache',
  'iteration',
  'replace_metadata',
  'override_model_id',
  'delete_output_models',
  'delete_contents',
  'description',
  'access_key',
  'secret_key',
  'credentials',
  'label',
  'expiration_sec',
  'username',
  'password',
  'email',
  'enabled',
  'given_name',
  'family_name',
  'user_id',
  'company_name',
  'preferences',
  'method',
  'token',
  'url',
  'keys',
];
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '$where',
  '$gt',
  '$ne',
  '$regex',
  'a.b',
  '.',
  '$',
  '',
  '\u0000',
  'k\u0000',
  '%2E',
  '%24gt',
  '\ud800',
  '😀',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '😀',
  'ünï',
  '\u202e',
  '../../etc/passwd',
  '..\\..\\x',
  '%00',
  '%2e%2e/',
  '$gt',
  '{"$gt":""}',
  '.*',
  '(a+)+$',
  '\\u0041',
  '\\e',
  '\\Z',
  'a{1001}',
  '[',
  '(',
  '(?=a)',
  '\\',
  '^',
  '*',
  '[[:alpha:]]',
  '\\p{L}',
  '${jndi:ldap://x}',
  '<script>',
  "' OR 1=1 --",
  '-1',
  '1e999',
  'NaN',
  'true',
  'null',
  '__$all',
  '__$not',
  '-',
  'x'.repeat(300),
  'y'.repeat(70_000),
];
const HOSTILE_NUMBERS = [0, -0, -1, 1.5, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 63, -(2 ** 63), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2];

/** Strings, numbers, booleans and nulls a careless handler mishandles; `ids` are real ids of the caller's objects. */
function leaf(ids: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...HOSTILE_STRINGS, ...(ids.length ? ids : ['0'])),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(...HOSTILE_NUMBERS),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
}

const key = fc.oneof(fc.constantFrom(...FIELDS), fc.constantFrom(...HOSTILE_KEYS), fc.string({ unit: 'binary', maxLength: 12 }));

/** Any JSON value: leaves, arrays where objects belong and the reverse, small nesting. */
function value(ids: readonly string[]): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf(ids),
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
    ),
  }));
  return tree;
}

/** A JSON object body, mostly of ClearML field names. */
function objectBody(ids: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: key }), value(ids), { maxKeys: 8 });
}

/**
 * ClearML's nested request shapes (hyperparameters, artifacts, metadata, model links, metric
 * filters) with hostile keys and leaves, so checks below the top level are reached too.
 */
function shapedBody(refs: Readonly<Record<string, string>>): fc.Arbitrary<Record<string, unknown>> {
  const ids = Object.values(refs);
  // Mostly well-formed values with a hostile one now and then: a body must pass most checks to reach the deeper ones.
  const any = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('name', 'a value', 'output', 'input', 'loss', 1, 0, true) },
    { weight: 2, arbitrary: leaf(ids) },
  );
  const id = (field: string) => fc.oneof({ weight: 4, arbitrary: fc.constant(refs[field] ?? '0') }, { weight: 1, arbitrary: leaf(ids) });
  const item = (fields: string[]) => fc.record(Object.fromEntries(fields.map((f) => [f, any])), { requiredKeys: fields.slice(0, 1) });
  const shapes: Record<string, fc.Arbitrary<unknown>> = {
    hyperparams: fc.dictionary(key, fc.dictionary(key, item(['value', 'section', 'name', 'type', 'description']), { maxKeys: 2 }), { maxKeys: 2 }),
    configuration: fc.dictionary(key, item(['value', 'name', 'type', 'description']), { maxKeys: 2 }),
    execution: fc.record(
      {
        parameters: fc.dictionary(key, any, { maxKeys: 3 }),
        artifacts: fc.array(item(['key', 'type', 'mode', 'uri', 'hash', 'timestamp']), { maxLength: 2 }),
        model_labels: fc.dictionary(key, any, { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    ),
    artifacts: fc.array(item(['key', 'type', 'mode', 'uri', 'content_size', 'display_data']), { maxLength: 3 }),
    metadata: fc.oneof(fc.array(item(['key', 'type', 'value']), { maxLength: 3 }), fc.dictionary(key, item(['key', 'type', 'value']), { maxKeys: 2 })),
    models: fc.oneof(
      fc.record(
        {
          input: fc.array(fc.record({ name: any, model: id('model') }), { maxLength: 2 }),
          output: fc.array(fc.record({ name: any, model: id('model') }), { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
      fc.array(item(['name', 'type']), { maxLength: 2 }),
    ),
    metrics: fc.array(fc.record({ metric: any, variants: fc.oneof(fc.array(any, { maxLength: 2 }), any) }, { requiredKeys: ['metric'] }), { maxLength: 2 }),
    runtime: fc.dictionary(key, value(ids), { maxKeys: 3 }),
    labels: fc.dictionary(key, any, { maxKeys: 3 }),
    container: fc.dictionary(key, any, { maxKeys: 3 }),
    tags: fc.array(any, { maxLength: 3 }),
    order_by: fc.array(any, { maxLength: 3 }),
    only_fields: fc.array(any, { maxLength: 3 }),
    name: any,
    type: fc.constantFrom('training', 'testing', 'input', 'output', 'training_stats_scalar', 'log', '*', 'plot'),
    event_type: fc.constantFrom('training_stats_scalar', 'log', '*', 'plot', 'training_debug_image', 'x'),
    scroll_id: any,
    iteration: any,
    uri: any,
    credentials: fc.array(item(['access_key', 'label']), { maxLength: 2 }),
  };
  const names = Object.keys(shapes);
  return fc
    .tuple(
      fc.record(Object.fromEntries([...Object.keys(refs).map((field) => [field, id(field)]), ['tasks', fc.array(id('task'), { minLength: 1, maxLength: 2 })]])),
      fc.subarray(names, { maxLength: 3 }),
      fc.record(shapes),
    )
    .map(([refs, picked, values]) => ({ ...refs, ...Object.fromEntries(picked.map((name) => [name, values[name]])) }));
}

/** One event of an events.add_batch line, well-formed but for a hostile field or two. */
function eventItem(refs: Readonly<Record<string, string>>): fc.Arbitrary<Record<string, unknown>> {
  const ids = Object.values(refs);
  const any = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('loss', 'train', 1, 0.5, 1_700_000_000_000) }, { weight: 1, arbitrary: value(ids) });
  const type = fc.constantFrom('training_stats_scalar', 'training_stats_vector', 'log', 'plot', 'training_debug_image', 'x');
  const fields = {
    task: fc.oneof({ weight: 4, arbitrary: fc.constant(refs.task ?? '0') }, { weight: 1, arbitrary: leaf(ids) }),
    type,
    iter: any,
    metric: any,
    variant: any,
    value: any,
    values: any,
    timestamp: any,
    msg: any,
    level: any,
    plot_str: any,
    url: any,
    key: any,
    model_event: any,
  };
  return fc.record(fields, { requiredKeys: ['task', 'type'] });
}

const json = (text: string, label: string) => ({ text, label, contentType: 'application/json' });

/** Bodies JSON.stringify cannot make: nesting thousands deep, number literals beyond a double, duplicate keys. */
const rawBodies = fc.oneof(
  fc.tuple(fc.constantFrom(...FIELDS), fc.integer({ min: 50, max: 30_000 }), fc.constantFrom('{"a":', '[')).map(([field, depth, open]) => {
    const close = open === '[' ? ']' : '}';
    return json(`{"${field}":${open.repeat(depth)}1${close.repeat(depth)}}`, `${field} nested ${depth} deep`);
  }),
  fc
    .constantFrom(
      '{"page":1e999,"page_size":-1e999}',
      `{"iter":${'9'.repeat(400)}}`,
      '{"task":"a","task":{"$gt":""}}',
      '[]',
      '[{}]',
      '1',
      '"text"',
      'null',
      'true',
      '{"a":',
      '{"a":1}}',
      '\u0000',
      '{"\\u0000":1}',
      '{"\\ud800":"\\udfff"}',
    )
    .map((text) => json(text, 'literal')),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => json(text, 'random text')),
);

/**
 * Hostile calls for one ClearML endpoint: wrong types, arrays where objects belong, deep and
 * NUL and prototype keys, unicode, regex metacharacters, huge numbers, non-JSON, json-lines,
 * compressed garbage, odd content types and query strings. `refs` are real ids of the caller's
 * objects by field name (task, project, model, …), so many calls get past "not found".
 */
export function hostileRequests(refs: Readonly<Record<string, string>> = {}): fc.Arbitrary<HostileRequest> {
  const ids = Object.values(refs);
  const body = fc.oneof(
    { weight: 3, arbitrary: objectBody(ids).map((o) => json(JSON.stringify(o), 'object')) },
    { weight: 6, arbitrary: shapedBody(refs).map((o) => json(JSON.stringify(o), 'shaped object')) },
    { weight: 1, arbitrary: value(ids).map((v) => json(JSON.stringify(v) ?? 'null', 'any value')) },
    { weight: 2, arbitrary: rawBodies },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.oneof(eventItem(refs), objectBody(ids)), { maxLength: 4 })
        .map((items) => ({ text: items.map((o) => JSON.stringify(o)).join('\n'), label: 'json-lines', contentType: 'application/json-lines' })),
    },
  );
  const encoding = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip') },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
        '',
      ),
    },
  );
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    {
      weight: 1,
      arbitrary: fc
        .dictionary(fc.constantFrom(...FIELDS, '__proto__', 'a[b]'), fc.constantFrom(...HOSTILE_STRINGS.slice(0, 40), '1e999', '-5'), {
          minKeys: 1,
          maxKeys: 3,
        })
        .map((q) => `?${new URLSearchParams(q).toString()}`),
    },
  );
  return fc
    .record({ method: fc.constantFrom('GET' as const, 'POST' as const), body, encoding, contentType, query })
    .map(({ method, body: b, encoding: enc, contentType: type, query: q }) => ({
      method,
      query: q,
      headers: { 'Content-Type': type ?? b.contentType, ...(enc && { 'Content-Encoding': enc }) },
      body: Buffer.from(b.text),
      label: `${b.label}${enc ? ` as ${enc}` : ''}`,
    }));
}
