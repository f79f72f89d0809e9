import { WardenError } from '@warden/errors';

/** No discovery document, key set, token or userinfo answer needs more; a hostile provider cannot make us buffer more. */
const MAX_RESPONSE_BYTES = 256 * 1024;

export interface ProviderAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One call to an identity provider with a deadline covering the whole answer, a size cap and a JSON
 * object required: a provider that is down, slow or answers garbage becomes a typed error, never a hang.
 */
export async function callProvider(url: string, init: RequestInit, timeoutMs: number): Promise<ProviderAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { ...init, signal, redirect: 'error', headers: { Accept: 'application/json', ...init.headers } });
    text = await readCapped(res);
  } catch (error) {
    if (error instanceof WardenError) throw error;
    if (signal.aborted) throw new WardenError('ERR_SSO_PROVIDER_TIMEOUT', `the identity provider did not answer within ${timeoutMs} ms`);
    throw new WardenError('ERR_SSO_PROVIDER_UNAVAILABLE', `the identity provider cannot be reached (${causeOf(error)})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `the identity provider answered ${res.status} with a body that is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `the identity provider answered ${res.status} with JSON that is not an object`);
  }
  return { status: res.status, body: body as Record<string, unknown> };
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  // A reader, not `for await`: the DOM typings (pulled in by the SAML libraries) lack the async iterator.
  const reader = res.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      // As `for await` did on a throw: the rest is not downloaded.
      await reader.cancel();
      throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `the identity provider's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'unknown error');
}
