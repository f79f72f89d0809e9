import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { randomUUID } from 'node:crypto';
import { isLoopbackHost } from '@warden/config';
import type { Finding } from './checks';

export interface DoctorUrls {
  api?: string;
  web?: string;
  files?: string;
}

export interface ProbeOptions {
  urls: DoctorUrls;
  /** For https URLs: trusts what --ca-file / --cert-name say. */
  agent?: Agent;
  /** Ports of MongoDB, Elasticsearch, Redis to try on the deployment's hosts. */
  backendPorts: readonly number[];
  timeoutMs?: number;
}

/** MongoDB, Elasticsearch (HTTP and transport), Redis: tried whatever the config says. */
export const DEFAULT_BACKEND_PORTS = [27017, 9200, 9300, 6379];
const ORIGIN = 'https://warden-doctor.invalid';

/** What the deployment's URLs show from where doctor runs. */
export async function probeFindings(options: ProbeOptions): Promise<Finding[]> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const given = Object.entries(options.urls).filter((e): e is [string, string] => !!e[1]);
  const findings: Finding[] = given.map(([name, url]) => tlsFinding(name, url));
  findings.push(
    ...(await backendFindings(
      given.map(([, url]) => new URL(url).hostname),
      options.backendPorts,
      timeoutMs,
    )),
  );
  const { api, web, files } = options.urls;
  const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => fetchStatus(url, { headers, method, agent: options.agent, timeoutMs });
  if (api ?? web) findings.push(await webLoginFinding(`${(api ?? web) as string}/login.supported_modes`, get));
  for (const [name, url] of given.filter(([name]) => name !== 'files')) findings.push(await corsFinding(name, `${url}/login.supported_modes`, get));
  if (files) findings.push(await fileserverFinding(files, get));
  return findings;
}

function tlsFinding(name: string, url: string): Finding {
  const { protocol, hostname } = new URL(url);
  const ok = protocol === 'https:' || isLoopbackHost(hostname);
  return {
    check: 'tls',
    ok,
    detail: `${name} URL ${url} is ${protocol === 'https:' ? 'https' : `plain http${ok ? ' on loopback' : ' on a non-loopback address'}`}`,
  };
}

/**
 * Connects to the backing services' ports on the deployment's hosts. URLs on loopback say nothing
 * about the outside, so then this machine's other addresses are tried: what they answer on, anyone
 * on their networks reaches.
 */
async function backendFindings(hosts: string[], ports: readonly number[], timeoutMs: number): Promise<Finding[]> {
  const remote = [...new Set(hosts.filter((h) => !isLoopbackHost(h)))];
  const targets = remote.length ? remote : localAddresses();
  if (targets.length === 0) return [];
  const tried = targets.flatMap((host) => [...new Set([...DEFAULT_BACKEND_PORTS, ...ports])].map((port) => ({ host, port })));
  const open = (await Promise.all(tried.map(async (t) => ((await reachable(t.host, t.port, timeoutMs)) ? t : undefined)))).filter((t) => t !== undefined);
  const where = remote.length ? targets.join(', ') : `this machine's addresses ${targets.join(', ')}`;
  if (open.length === 0)
    return [
      { check: 'backing-services', ok: true, detail: `no backing-service port (${[...new Set(tried.map((t) => t.port))].join(', ')}) answers on ${where}` },
    ];
  return open.map((t) => ({ check: 'backing-services', ok: false, detail: `${t.host}:${t.port} accepts connections from here` }));
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && a.family === 'IPv4')
    .map((a) => a.address);
}

function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: Math.min(timeoutMs, 1500) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

type Get = (url: string, headers?: Record<string, string>, method?: string) => Promise<Answer>;

async function webLoginFinding(url: string, get: Get): Promise<Finding> {
  const answer = await get(url);
  const data = (answer.json as { data?: { basic?: { enabled?: boolean }; login_methods?: { free_access?: boolean } } } | undefined)?.data;
  if (!data) return { check: 'web-login', ok: false, detail: `${url} answered ${answer.describe}, not ClearML's login modes` };
  const free = data.login_methods?.free_access === true;
  return {
    check: 'web-login',
    ok: !free,
    detail: `${url}: ${free ? 'free access is on (anyone logs in as anyone)' : `web login ${data.basic?.enabled ? 'on' : 'by single sign-on only'}, free access off`}`,
  };
}

async function corsFinding(name: string, url: string, get: Get): Promise<Finding> {
  const simple = await get(url, { Origin: ORIGIN });
  // An unchecked item is not a passed one.
  if (simple.status === undefined) return { check: 'cors', ok: false, detail: `${name} URL could not be asked: ${simple.describe}` };
  const preflight = await get(url, { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' }, 'OPTIONS');
  const allowed = [simple, preflight].map((a) => a.headers?.['access-control-allow-origin']).find((v) => v !== undefined);
  return {
    check: 'cors',
    ok: allowed === undefined,
    detail: `${name} URL ${allowed === undefined ? 'grants no CORS to an unknown origin' : `grants CORS to an unknown origin (Access-Control-Allow-Origin: ${allowed})`}`,
  };
}

async function fileserverFinding(files: string, get: Get): Promise<Finding> {
  const url = `${files}/warden-doctor/${randomUUID()}.txt`;
  const answer = await get(url);
  const ok = answer.status === 401 || answer.status === 403;
  return {
    check: 'fileserver-auth',
    ok,
    detail: `${files}: a download without credentials is ${ok ? `refused (${answer.status})` : `answered ${answer.describe}`}`,
  };
}

interface Answer {
  status?: number;
  headers?: IncomingHttpHeaders;
  json?: unknown;
  /** "HTTP 404" or the connection error, for the report. */
  describe: string;
}

function fetchStatus(url: string, options: { headers: Record<string, string>; method: string; agent?: Agent; timeoutMs: number }): Promise<Answer> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  return new Promise((resolve) => {
    const send = https ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: options.method,
        headers: { accept: 'application/json', ...options.headers },
        agent: https ? options.agent : undefined,
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 64 * 1024) chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            json: parseJson(Buffer.concat(chunks).toString('utf8')),
            describe: `HTTP ${res.statusCode}`,
          }),
        );
        res.on('error', (error) => resolve({ describe: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ describe: `no answer (${error.message})` }));
    req.end();
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
