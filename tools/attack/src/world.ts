import { randomBytes } from 'node:crypto';
import { bearer, call, dataOf, send, type Answer } from './http';
import type { Report } from './report';
import type { Stack } from './stack';
import { randomHex, setUpTenant, type Tenant } from './tenants';

/** One of each object kind a tenant owns, by id. */
interface Objects {
  project: string;
  task: string;
  model: string;
  /** An uploaded file's path, and a marker inside its content. */
  file: string;
  fileMarker: string;
}

/** What every attack works with: the stack, the table, two tenants and their objects. */
export interface World {
  stack: Stack;
  report: Report;
  a: Tenant;
  b: Tenant;
  objectsA: Objects;
  objectsB: Objects;
  /** B's ids and markers: none of them may appear in an answer to A. */
  foreignToA: string[];
}

/** A multipart body as the ClearML SDK sends an upload: each part's field name is the object path. */
export function multipart(parts: { name: string; content: string | Buffer }[]): { body: Buffer; type: string } {
  const boundary = `----attack${randomHex(8)}`;
  const chunks = parts.flatMap((p) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content),
    Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

export function upload(
  files: string,
  token: string,
  parts: { name: string; content: string | Buffer }[],
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { body, type } = multipart(parts);
  return send(files, { path: '/', body, headers: { 'Content-Type': type, ...bearer(token), ...headers } });
}

async function createObjects(stack: Stack, tenant: Tenant): Promise<Objects> {
  const token = tenant.user.token;
  const what = (step: string) => `tenant ${tenant.label}: ${step}`;
  const { id: project } = await dataOf<{ id: string }>(call(stack.api, 'projects.create', token, { name: `attack-${randomHex(4)}` }), what('projects.create'));
  const { id: task } = await dataOf<{ id: string }>(
    call(stack.api, 'tasks.create', token, { name: 'victim task', type: 'training', project }),
    what('tasks.create'),
  );
  const { id: model } = await dataOf<{ id: string }>(
    call(stack.api, 'models.create', token, { name: 'victim model', uri: 'file:///m.bin', project, task }),
    what('models.create'),
  );
  const now = Date.now();
  const events = [0, 1, 2].map((iter) =>
    JSON.stringify({ type: 'training_stats_scalar', task, iter, timestamp: now, metric: 'loss', variant: 'train', value: iter }),
  );
  events.push(JSON.stringify({ type: 'log', task, timestamp: now, level: 'info', msg: `secret log of ${tenant.label}` }));
  await dataOf(
    send(stack.api, { path: '/events.add_batch', body: events.join('\n'), headers: { ...bearer(token), 'Content-Type': 'application/json-lines' } }),
    what('events.add_batch'),
  );
  const file = `data/victim-${randomHex(4)}.bin`;
  const fileMarker = `content-of-${tenant.label}-${randomBytes(8).toString('hex')}`;
  const stored = await upload(stack.files, token, [{ name: file, content: fileMarker }]);
  if (stored.status !== 200) throw new Error(what(`upload answered ${stored.status} ${stored.code ?? stored.error ?? ''}`));
  return { project, task, model, file, fileMarker };
}

export async function buildWorld(stack: Stack, report: Report): Promise<World> {
  const [a, b] = [await setUpTenant(stack, 'A'), await setUpTenant(stack, 'B')];
  const [objectsA, objectsB] = [await createObjects(stack, a), await createObjects(stack, b)];
  const foreignToA = [
    objectsB.project,
    objectsB.task,
    objectsB.model,
    objectsB.fileMarker,
    b.company,
    b.admin.id,
    b.user.id,
    b.admin.accessKey,
    b.user.accessKey,
  ];
  return { stack, report, a, b, objectsA, objectsB, foreignToA };
}
