// Oversized and malformed bodies: every one must be a 4xx with a stable code, never a 500.
import { gzipSync } from 'node:zlib';
import { bearer, call, send, type Answer } from '../http';
import type { Expect } from '../report';
import type { World } from '../world';

const bad = (code: string): Expect => ({ status: 400, code });
const TOO_LARGE: Expect = { status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' };
const STORED_VALUE = bad('ERR_STORED_VALUE');
const REGEX = bad('ERR_INVALID_REGEX');
const MIB = 1024 * 1024;
// JSON.stringify overflows the stack long before 20,000 levels, so deep text is built directly.
const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const scrollOf = (task: string, after: unknown) =>
  Buffer.from(JSON.stringify({ v: 1, task, event_type: '*', order: 'asc', metrics: [], total: 3, after })).toString('base64url');

export async function bodyAttacks(w: World): Promise<void> {
  w.report.section('bodies', { acceptIsBypass: false });
  const { stack } = w;
  const token = w.a.user.token;
  const task = w.objectsA.task;
  const raw = (name: string, expect: Expect, endpoint: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    sendAndReport(
      w,
      name,
      expect,
      send(stack.api, { path: `/${endpoint}`, body, headers: { ...bearer(token), 'Content-Type': 'application/json', ...headers } }),
    );
  const json = (name: string, expect: Expect, endpoint: string, data: object) => sendAndReport(w, name, expect, call(stack.api, endpoint, token, data));

  // Not random bytes: about 1 in 25 random 256-byte buffers is a valid brotli stream (a flaky case).
  // Plain text is refused by gzip, deflate and brotli alike.
  const garbage = Buffer.from('not compressed: plain text that no codec accepts. '.repeat(6));
  for (const encoding of ['gzip', 'deflate', 'br'])
    await raw(`garbage body as Content-Encoding ${encoding}`, bad('ERR_INVALID_ENCODING'), 'projects.get_all', garbage, { 'Content-Encoding': encoding });
  await raw('garbage gzip json-lines to events.add_batch', bad('ERR_INVALID_ENCODING'), 'events.add_batch', garbage, {
    'Content-Encoding': 'gzip',
    'Content-Type': 'application/json-lines',
  });
  await raw('Content-Encoding xz', { status: 415, code: 'ERR_UNSUPPORTED_ENCODING' }, 'projects.get_all', Buffer.from('{}'), { 'Content-Encoding': 'xz' });
  await raw('gzip bomb inflating to 17 MiB', TOO_LARGE, 'projects.get_all', gzipSync(Buffer.alloc(17 * MIB, 0x20)), { 'Content-Encoding': 'gzip' });
  await raw('plain 17 MiB body', TOO_LARGE, 'projects.get_all', Buffer.alloc(17 * MIB, 0x20));
  await raw('truncated JSON', bad('ERR_INVALID_JSON'), 'projects.get_all', '{"name": "a');
  await raw('JSON with a trailing comma', bad('ERR_INVALID_JSON'), 'projects.create', '{"name": "a",}');
  await raw('a JSON array body', bad('ERR_BAD_REQUEST'), 'projects.create', '[{"name": "a"}]');
  await raw('a JSON string body', bad('ERR_INVALID_JSON'), 'projects.create', '"name"');
  await raw('Content-Type json, body NUL bytes', bad('ERR_INVALID_JSON'), 'projects.get_all', Buffer.alloc(64));
  await raw('body nested 100,000 arrays deep', bad('ERR_BAD_REQUEST'), 'projects.get_all', `{"id":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  await raw('runtime nested 20,000 deep (tasks.create)', STORED_VALUE, 'tasks.create', `{"name":"deep","type":"training","runtime":${deep(20_000)}}`);
  await raw('runtime nested 20,000 deep (tasks.edit)', STORED_VALUE, 'tasks.edit', `{"task":"${task}","runtime":${deep(20_000)}}`);
  await raw('requirements nested 20,000 deep', STORED_VALUE, 'tasks.set_requirements', `{"task":"${task}","requirements":${deep(20_000)}}`);
  await raw('model design nested 20,000 deep', STORED_VALUE, 'models.create', `{"name":"deep","uri":"u","design":${deep(20_000)}}`);
  await json('NUL in a runtime key', STORED_VALUE, 'tasks.edit', { task, runtime: { 'a\u0000b': 1 } });
  await json('NUL in a hyperparams section', STORED_VALUE, 'tasks.edit', { task, hyperparams: { 'sec\u0000': { p: { value: '1' } } } });
  await json('NUL in a model label', STORED_VALUE, 'models.edit', { model: w.objectsA.model, labels: { 'l\u0000': 1 } });
  // Keys MongoDB reads as operators or paths are stored escaped, not refused.
  await json('$-operator and dotted keys in runtime (stored escaped)', { status: 200 }, 'tasks.edit', {
    task,
    runtime: { $where: 'sleep(1000)', 'a.b': 1, $set: { company: 'x' } },
  });

  for (const pattern of ['\\u0041', '\\e', '\\Z', 'a{1001}', '(', '[z-a]']) {
    for (const endpoint of ['projects.get_all', 'tasks.get_all', 'models.get_all'])
      await json(`name filter /${pattern}/ to ${endpoint}`, REGEX, endpoint, { name: pattern });
  }
  const orderBy = Array.from({ length: 40 }, (_, i) => `f${i}`);
  for (const endpoint of ['projects.get_all', 'tasks.get_all', 'models.get_all'])
    await json(`40 order_by keys to ${endpoint}`, bad('ERR_BAD_REQUEST'), endpoint, { order_by: orderBy });
  await json('order_by with an operator key', bad('ERR_BAD_REQUEST'), 'tasks.get_all', { order_by: ['-$where', '$natural'] });
  await json('1001 ids in a filter', bad('ERR_BAD_REQUEST'), 'tasks.get_all', { id: Array.from({ length: 1001 }, (_, i) => `t${i}`) });
  await json('negative page', bad('ERR_BAD_REQUEST'), 'tasks.get_all', { page: -1, page_size: 10 });
  await json('an object as a task id', bad('ERR_BAD_REQUEST'), 'tasks.get_by_id', { task: { $ne: null } });
  await json('an array as a project name', bad('ERR_BAD_REQUEST'), 'projects.create', { name: ['a', 'b'] });

  const scroll = (name: string, after: unknown) =>
    json(`forged scroll_id: ${name}`, bad('ERR_INVALID_SCROLL_ID'), 'events.get_task_events', { task, scroll_id: scrollOf(task, after) });
  await scroll('after values of the wrong types', ['x', 'y', 1]);
  await scroll('too few after values', [1]);
  await scroll('too many after values', [1, 2, 'a', 'b']);
  await scroll('an after value too large for a long', [1e300, 1, 'a']);
  await json('forged scroll_id: not base64 JSON', bad('ERR_INVALID_SCROLL_ID'), 'events.get_task_events', { task, scroll_id: '!!!' });
  await json("forged scroll_id: B's task", bad('ERR_INVALID_SCROLL_ID'), 'events.get_task_events', { task, scroll_id: scrollOf(w.objectsB.task, null) });
  await json('log from_timestamp 1e300', bad('ERR_BAD_REQUEST'), 'events.get_task_log', { task, from_timestamp: 1e300 });

  const lines = (text: string) =>
    send(stack.api, { path: '/events.add_batch', body: text, headers: { ...bearer(token), 'Content-Type': 'application/json-lines' } });
  await sendAndReport(w, 'events.add_batch with a broken line', bad('ERR_INVALID_JSON'), lines(`{"type":"log","task":"${task}","msg":"a"}\n{"type":`));
  await sendAndReport(w, 'events.add_batch of 17 MiB', TOO_LARGE, lines(`${JSON.stringify({ type: 'log', task, msg: 'x'.repeat(1024) })}\n`.repeat(17 * 1024)));
  await sendAndReport(w, 'events.add_batch with an empty body', bad('ERR_BATCH_EMPTY'), lines(''));

  await sendAndReport(w, 'unknown endpoint', { status: 404, code: 'ERR_ENDPOINT_UNKNOWN' }, call(stack.api, '__proto__.constructor', token));
  await sendAndReport(w, 'API version 99.0', bad('ERR_API_VERSION'), call(stack.api, 'v99.0/projects.get_all', token));

  const files = stack.files;
  const upload = (name: string, expect: Expect, body: Buffer | string, headers: Record<string, string>) =>
    sendAndReport(w, name, expect, send(files, { path: '/', body, headers: { ...bearer(token), ...headers } }));
  await upload('upload without a multipart boundary', { status: 400 }, 'x', { 'Content-Type': 'multipart/form-data' });
  await upload('upload as gzip', { status: 415, code: 'ERR_UNSUPPORTED_ENCODING' }, gzipSync('x'), {
    'Content-Type': 'multipart/form-data; boundary=x',
    'Content-Encoding': 'gzip',
  });
  await upload(
    'upload cut before its closing boundary',
    bad('ERR_UPLOAD_INCOMPLETE'),
    '--x\r\nContent-Disposition: form-data; name="cut.txt"; filename="cut.txt"\r\n\r\npartial',
    { 'Content-Type': 'multipart/form-data; boundary=x' },
  );
  const parts = Array.from({ length: 101 }, (_, i) => `--x\r\nContent-Disposition: form-data; name="p/${i}"; filename="${i}"\r\n\r\n.\r\n`).join('');
  await upload('upload of 101 parts', bad('ERR_TOO_MANY_PARTS'), `${parts}--x--\r\n`, { 'Content-Type': 'multipart/form-data; boundary=x' });
  const many = (body: string | object, contentType = 'application/json') =>
    send(files, {
      path: '/delete_many',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { ...bearer(token), 'Content-Type': contentType },
    });
  await sendAndReport(w, 'delete_many with broken JSON', bad('ERR_INVALID_JSON'), many('{"files": ['));
  await sendAndReport(w, 'delete_many with files not a list', bad('ERR_BAD_REQUEST'), many({ files: 'a' }));
  // Issue 10 (10): delete_many has an entry cap.
  await sendAndReport(w, 'delete_many with 5,000 entries', bad('ERR_BATCH_TOO_LARGE'), many({ files: Array.from({ length: 5000 }, (_, i) => `nothing/${i}`) }));
}

async function sendAndReport(w: World, name: string, expect: Expect, answer: Promise<Answer>): Promise<void> {
  w.report.answer(name, expect, await answer);
}
