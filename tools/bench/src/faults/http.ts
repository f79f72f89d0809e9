/** What came back: an HTTP status, or no answer at all. */
export type Outcome = number | 'conn' | 'timeout';

export interface Answer {
  outcome: Outcome;
  data?: Record<string, unknown>;
  body?: Buffer;
  /** A refusal's stable code and message, to tell failures apart in the report. */
  code?: string;
}

// Longer than any outage: a request the server holds through one shows up as slow, not as lost.
const REQUEST_TIMEOUT_MS = 60_000;

export const basic = (key: { accessKey: string; secretKey: string }) => `Basic ${Buffer.from(`${key.accessKey}:${key.secretKey}`).toString('base64')}`;

/** One request; never throws: a refused connection or a timeout is an outcome like a status. */
export async function send(url: string, init: RequestInit): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = Buffer.from(await res.arrayBuffer());
    const isJson = res.headers.get('content-type')?.includes('json') ?? false;
    if (!isJson) return { outcome: res.status, body };
    if (res.status !== 200) return { outcome: res.status, body, code: errorCode(body) };
    return { outcome: res.status, data: parseData(body), body };
  } catch (error) {
    return { outcome: (error as Error).name === 'TimeoutError' ? 'timeout' : 'conn' };
  }
}

function errorCode(body: Buffer): string | undefined {
  try {
    const { meta } = JSON.parse(body.toString('utf8')) as { meta?: { result_msg?: string; error_data?: { code?: string } } };
    return meta && `${meta.error_data?.code ?? '?'} (${meta.result_msg ?? ''})`;
  } catch {
    return undefined;
  }
}

function parseData(body: Buffer): Record<string, unknown> | undefined {
  const parsed = JSON.parse(body.toString('utf8')) as { data?: Record<string, unknown> } | unknown[];
  return Array.isArray(parsed) ? { list: parsed } : parsed.data;
}

/** A ClearML API call as the SDK makes it: POST, JSON body, token or Basic credentials. */
export function apiCall(api: string, endpoint: string, authorization: string, body: object = {}): Promise<Answer> {
  return send(`${api}/v2.23/${endpoint}`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export function eventBatch(api: string, token: string, lines: string): Promise<Answer> {
  return send(`${api}/v2.23/events.add_batch`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json-lines' },
    body: lines,
  });
}

/** A one-part multipart upload as the SDK sends it: the part's name is the object path. */
export function upload(files: string, token: string, path: string, content: Buffer): Promise<Answer> {
  const boundary = `faults${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${path}"; filename="${path}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const body = Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return send(`${files}/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
}

export function download(files: string, token: string, path: string): Promise<Answer> {
  return send(`${files}/${path}`, { headers: { Authorization: `Bearer ${token}` } });
}
