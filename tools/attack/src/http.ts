import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface Answer {
  /** 0 when no answer came: the connection failed, was cut or timed out (see error). */
  status: number;
  /** The stable error code of ClearML's envelope (meta.error_data.code), when there is one. */
  code?: string;
  headers: IncomingHttpHeaders;
  text: string;
  json?: { meta?: { error_data?: { code?: string } }; data?: unknown };
  error?: string;
  /** The request's path and (the start of its) body: what the caller itself said. */
  sent?: string;
}

export interface Call {
  method?: string;
  /** Sent exactly as given: no URL normalisation, so `..` and `%2e` reach the server untouched. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer | object;
  timeoutMs?: number;
}

// A few sockets per server: the suite is sequential, and the machine is shared.
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const DEFAULT_TIMEOUT_MS = 10_000;
let sent = 0;

/** Requests sent so far (every call of send, whatever its outcome). */
export const requestsSent = (): number => sent;

function encodeBody(body: Call['body']): { bytes?: Buffer; type?: string } {
  if (body === undefined) return {};
  if (Buffer.isBuffer(body)) return { bytes: body };
  if (typeof body === 'string') return { bytes: Buffer.from(body), type: 'application/json' };
  return { bytes: Buffer.from(JSON.stringify(body)), type: 'application/json' };
}

function parse(status: number, headers: IncomingHttpHeaders, text: string): Answer {
  let json: Answer['json'];
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const code = json?.meta?.error_data?.code;
  return { status, headers, text, json, code: typeof code === 'string' ? code : undefined };
}

/** One HTTP request with a hard time limit; never throws, a failure is an Answer with status 0. */
export function send(base: string, call: Call): Promise<Answer> {
  sent++;
  const url = new URL(base);
  const { bytes, type } = encodeBody(call.body);
  const headers: OutgoingHttpHeaders = { ...(type && { 'Content-Type': type }), ...(bytes && { 'Content-Length': bytes.length }), ...call.headers };
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const sentText = `${call.path} ${bytes ? bytes.subarray(0, 64 * 1024).toString('utf8') : ''}`;
    const req = request({ host: url.hostname, port: url.port, method: call.method ?? 'POST', path: call.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ ...parse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8')), sent: sentText }));
      res.on('error', (error) => done({ status: res.statusCode ?? 0, headers: res.headers, text: '', error: error.message }));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error('timed out'));
      done({ status: 0, headers: {}, text: '', error: `no answer within ${call.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` });
    }, call.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    // A server may answer (413, 400) and close before it has read the whole body: keep that answer.
    req.on('error', (error) => setTimeout(() => done({ status: 0, headers: {}, text: '', error: error.message }), 50));
    req.end(bytes);
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

/** A ClearML call: POST /<endpoint> with a JSON body and, when given, a bearer token. */
export function call(base: string, endpoint: string, token?: string, data: object = {}, headers: OutgoingHttpHeaders = {}): Promise<Answer> {
  return send(base, { path: `/${endpoint}`, body: data, headers: { ...(token && bearer(token)), ...headers } });
}

/** The data of a call that must succeed (set-up steps); throws with the answer's status and code. */
export async function dataOf<T = Record<string, unknown>>(answer: Promise<Answer>, what: string): Promise<T> {
  const a = await answer;
  if (a.status !== 200) throw new Error(`${what}: answered ${a.status} ${a.code ?? a.error ?? ''}`);
  return (a.json?.data ?? {}) as T;
}

export function agentClose(): void {
  agent.destroy();
}
