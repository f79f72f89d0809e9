import { Agent, request } from 'node:http';

interface Envelope {
  meta: { result_msg: string };
  data: Record<string, unknown>;
}

/** One ClearML API call as the SDK's own check script makes it: POST with a JSON body. */
export async function clearmlCall(baseUrl: string, endpoint: string, authorization: string, body: object = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}/v2.23/${endpoint}`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const envelope = (await res.json()) as Envelope;
  if (res.status !== 200) throw new Error(`${endpoint}: HTTP ${res.status} ${envelope.meta.result_msg}`);
  return envelope.data;
}

/**
 * events.add_batch as the SDK sends it: GET with a json-lines body on a kept-alive connection.
 * Resolves with the number of events the server says it added.
 */
export function sendEventBatch(agent: Agent, baseUrl: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json-lines', 'Content-Length': Buffer.byteLength(body) };
    const req = request(`${baseUrl}/v2.23/events.add_batch`, { method: 'GET', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const envelope = JSON.parse(text) as Envelope;
        if (res.statusCode !== 200) return reject(new Error(`events.add_batch: HTTP ${res.statusCode} ${envelope.meta.result_msg}`));
        resolve(Number(envelope.data.added));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
