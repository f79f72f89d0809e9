/** A ClearML-style answer: the HTTP status and, for an envelope, the stable error code and data. */
export interface Answer {
  status: number;
  code?: string;
  data?: Record<string, unknown>;
  text: string;
}

const TIMEOUT_MS = 10_000;

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

/** One request; a connection failure throws (the suite counts those as failed requests). */
export async function send(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body'] } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let json: { data?: Record<string, unknown>; meta?: { error_data?: { code?: string } } } | undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, code: json?.meta?.error_data?.code, data: json?.data, text };
}

/** A ClearML API call with a JSON body. */
export const call = (base: string, endpoint: string, token: string, data: object = {}) =>
  send(base, `/${endpoint}`, { headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(data) });

export async function login(base: string, username: string, password: string): Promise<string> {
  const answer = await send(base, '/auth.login', { headers: basic(username, password) });
  if (answer.status !== 200 || typeof answer.data?.token !== 'string') throw new Error(`login at ${base} answered ${answer.status} ${answer.code ?? ''}`);
  return answer.data.token;
}

/** An upload as the ClearML SDK sends it: a multipart part whose field name is the object path. */
export function upload(files: string, token: string, path: string, content: string): Promise<Answer> {
  const form = new FormData();
  form.append(path, new Blob([content]), path);
  return send(files, '/', { headers: bearer(token), body: form });
}

export const download = (files: string, token: string, path: string) => send(files, `/${path}`, { method: 'GET', headers: bearer(token) });
export const remove = (files: string, token: string, path: string) => send(files, `/${path}`, { method: 'DELETE', headers: bearer(token) });

/** The kid in a token's header. */
export const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
