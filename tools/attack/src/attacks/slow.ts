// Slow bodies, bounded to a few seconds: honest slow clients are served, stalled ones do not hold
// the servers (which keep answering others) and a stalled upload is cut by the fileserver's idle
// timeout (set to IDLE_TIMEOUT_SEC for the suite) without storing anything.
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { bearer, call, dataOf, send, type Answer } from '../http';
import type { World } from '../world';

export const IDLE_TIMEOUT_SEC = 2;
const HOLD_MS = 3000;
const SLOWLORIS_SOCKETS = 20;

interface RawExchange {
  socket: Socket;
  /** Resolves with the answer (status 0 when the server closed without one), at the latest after limitMs. */
  answer: Promise<Answer>;
}

/** A raw connection whose bytes the caller writes when it likes. */
function rawConnection(base: string, limitMs: number): RawExchange {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  const answer = new Promise<Answer>((resolve) => {
    let received = '';
    const finish = (error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      const [head, ...rest] = received.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const body = rest.join('\r\n\r\n');
      const code = /"code":"(ERR_\w+)"/.exec(body)?.[1];
      resolve({ status, code, headers: {}, text: body, ...(status === 0 && { error: error ?? 'closed without an answer' }) });
    };
    const timer = setTimeout(() => finish(`no answer within ${limitMs} ms`), limitMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      // Each exchange here gets one short JSON answer: done once its body has arrived.
      const length = Number(/content-length: *(\d+)/i.exec(received)?.[1] ?? NaN);
      const bodyStart = received.indexOf('\r\n\r\n');
      if (bodyStart >= 0 && Number.isFinite(length) && received.length - bodyStart - 4 >= length) finish();
    });
    socket.on('error', (error) => finish(error.message));
    socket.on('close', () => finish());
  });
  return { socket, answer };
}

/** Writes the chunks one by one, `gapMs` apart, while the socket is open. */
async function trickle(socket: Socket, chunks: (string | Buffer)[], gapMs: number): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    socket.write(chunk);
    await delay(gapMs);
  }
}

const split = (text: string, n: number) =>
  Array.from({ length: n }, (_, i) => text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)));
const hostOf = (base: string) => new URL(base).host;

/** An honest client sending its JSON body over three seconds is served normally. */
async function slowJson(w: World): Promise<void> {
  const body = JSON.stringify({ name: `slow-${Date.now()}` });
  const c = rawConnection(w.stack.api, HOLD_MS + 5000);
  c.socket.write(
    `POST /projects.create HTTP/1.1\r\nHost: ${hostOf(w.stack.api)}\r\nAuthorization: Bearer ${w.a.user.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  await trickle(c.socket, split(body, 10), HOLD_MS / 10);
  w.report.answer('apiserver: a JSON body trickled over 3 s (honest)', { status: 200 }, await c.answer);
}

/** Connections holding half-sent headers do not stop a service from answering others. */
async function slowloris(w: World, name: string, base: string, probe: () => Promise<Answer>): Promise<void> {
  const held = Array.from({ length: SLOWLORIS_SOCKETS }, () => rawConnection(base, HOLD_MS + 2000));
  for (const c of held) c.socket.write(`GET /health HTTP/1.1\r\nHost: ${hostOf(base)}\r\nX-Slow: `);
  await delay(500);
  const started = Date.now();
  const answer = await probe();
  const ms = Date.now() - started;
  await delay(HOLD_MS - 500);
  for (const c of held) c.socket.destroy();
  w.report.effect(
    `${name}: a request while ${SLOWLORIS_SOCKETS} connections trickle headers`,
    'answered within 2 s',
    `${answer.status} after ${ms} ms`,
    answer.status === 200 && ms < 2000,
    false,
  );
}

function uploadHead(w: World, boundary: string, contentLength: number): string {
  return `POST / HTTP/1.1\r\nHost: ${hostOf(w.stack.files)}\r\nAuthorization: Bearer ${w.a.user.token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${contentLength}\r\n\r\n`;
}

/** An upload that stops sending is cut after the idle timeout and stores nothing. */
async function stalledUpload(w: World): Promise<void> {
  const path = `slow/stalled-${Date.now()}.bin`;
  const partHead = `--b\r\nContent-Disposition: form-data; name="${path}"; filename="${path}"\r\n\r\n`;
  const c = rawConnection(w.stack.files, IDLE_TIMEOUT_SEC * 1000 + 3000);
  c.socket.write(uploadHead(w, 'b', partHead.length + 1000 + 8));
  c.socket.write(`${partHead}${'x'.repeat(100)}`);
  const answer = await c.answer;
  w.report.answer(
    `fileserver: an upload stalled mid-part is cut by the ${IDLE_TIMEOUT_SEC} s idle timeout`,
    { status: 408, code: 'ERR_UPLOAD_IDLE_TIMEOUT' },
    answer,
  );
  const stored = await send(w.stack.files, { method: 'GET', path: `/${path}`, headers: bearer(w.a.user.token) });
  w.report.answer('fileserver: nothing stored of the stalled upload', { status: 404, code: 'ERR_NOT_FOUND' }, stored);
}

/** An upload whose data keeps moving, slower than the idle timeout would allow in total, completes. */
async function trickledUpload(w: World): Promise<void> {
  const path = `slow/trickled-${Date.now()}.bin`;
  const content = 'y'.repeat(800);
  const body = `--b\r\nContent-Disposition: form-data; name="${path}"; filename="${path}"\r\n\r\n${content}\r\n--b--\r\n`;
  const c = rawConnection(w.stack.files, HOLD_MS + IDLE_TIMEOUT_SEC * 1000 + 5000);
  c.socket.write(uploadHead(w, 'b', body.length));
  // Gaps well under the idle timeout, for longer than the idle timeout in total.
  await trickle(c.socket, split(body, 8), (IDLE_TIMEOUT_SEC * 1000) / 3);
  w.report.answer(`fileserver: an upload trickled over ${Math.round((8 * IDLE_TIMEOUT_SEC) / 3)} s (honest)`, { status: 200 }, await c.answer);
}

/**
 * Inputs that cost the server time rather than bytes: a long value echoed into an error message (the
 * secret scrubber once took minutes over 1 MiB) and a worker_pattern of many stars against a long
 * worker id (a backtracking regex). Each must be answered within 2 s; the loop they would block is
 * every tenant's.
 */
async function costlyInputs(w: World): Promise<void> {
  const timed = async (name: string, expected: { status: number; code?: string }, request: () => Promise<Answer>) => {
    const started = Date.now();
    const answer = await request();
    const ms = Date.now() - started;
    const ok = answer.status === expected.status && (!expected.code || answer.code === expected.code) && ms < 2000;
    const shown = (a: { status: number; code?: string }) => [a.status, a.code].filter(Boolean).join(' ');
    w.report.effect(name, `${shown(expected)} within 2 s`, `${shown(answer)} after ${ms} ms`, ok, false);
  };
  const token = w.a.user.token;
  await timed('apiserver: a 256 KiB enum value echoed in the error', { status: 400, code: 'ERR_BAD_REQUEST' }, () =>
    call(w.stack.api, 'events.get_task_log', token, { task: w.objectsA.task, order: 'x'.repeat(256 * 1024) }),
  );
  await timed('apiserver: a 256 KiB unknown field name', { status: 400 }, () => call(w.stack.api, 'tasks.get_all', token, { ['a'.repeat(256 * 1024)]: 1 }));
  const worker = `attack-${'a'.repeat(200)}`;
  await dataOf(call(w.stack.api, 'workers.register', token, { worker }), 'registering a worker with a long id');
  await timed('apiserver: workers.get_all, six stars against a 200-character worker id', { status: 200 }, () =>
    call(w.stack.api, 'workers.get_all', token, { worker_pattern: '*a*a*a*a*a*b' }),
  );
  await call(w.stack.api, 'workers.unregister', token, { worker });
}

export async function slowAttacks(w: World): Promise<void> {
  w.report.section('slow');
  await costlyInputs(w);
  await Promise.all([
    slowJson(w),
    stalledUpload(w),
    trickledUpload(w),
    slowloris(w, 'gateway', w.stack.gateway, () => call(w.stack.gateway, 'login.supported_modes')),
    slowloris(w, 'apiserver', w.stack.api, () => call(w.stack.api, 'projects.get_all', w.a.user.token)),
    slowloris(w, 'fileserver', w.stack.files, () => send(w.stack.files, { method: 'GET', path: `/${w.objectsA.file}`, headers: bearer(w.a.user.token) })),
  ]);
}
