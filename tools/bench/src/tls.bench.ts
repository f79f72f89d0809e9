// npm run bench tls: the fileserver over TLS next to the same build over plain http, in the same run:
// 1 GiB upload and download, and 4 KiB GETs per second on keep-alive connections and on a new
// connection per request (with a full handshake each time, and with TLS session resumption as a
// client's connection pool does). Auth is off on both, so the figures show what TLS alone costs.
// The certificate is an ECDSA P-256 leaf of a private CA made by this run (openssl), served with its
// chain; every client here verifies it.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { TestPki } from '@warden/tls/testing';
import { Cleanup, runBench } from './cleanup';
import { checkTarget, interleavedLoads, printTable } from './report';
import { download, rate, uploadMultipart, useHttpsAgent, writeTestFile } from './transfer';

const GiB = 1024 ** 3;
const MB = 1e6;
const ROUNDS = 3;
const GET_ROUNDS = 4;
const GET_SECONDS = 4;
const NEW_CONNECTION_CONCURRENCY = 16;

const mbps = (bytes: number, ms: number) => `${(rate(bytes, ms) / MB).toFixed(0)} MB/s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One GET on the given agent; resolves with the status once the body is read. */
function getOnce(url: string, agent: HttpAgent | HttpsAgent): Promise<number> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    send(url, { agent: agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** GETs per second for `seconds`, each on a new connection (the agent keeps none alive). */
async function newConnectionRate(url: string, agent: () => HttpAgent | HttpsAgent, seconds: number): Promise<{ rps: number; errors: number }> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const shared = agent();
  await Promise.all(
    Array.from({ length: NEW_CONNECTION_CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const status = await getOnce(url, shared).catch(() => 0);
        if (status === 200) done++;
        else errors++;
      }
    }),
  );
  return { rps: done / seconds, errors };
}

/** Interleaved rounds, order reversed every other round; per-round values for ratios. */
async function interleavedNewConnections(loads: Array<{ url: string; agent: () => HttpAgent | HttpsAgent }>) {
  const rounds: number[][] = loads.map(() => []);
  let errors = 0;
  for (let round = 0; round < GET_ROUNDS; round++) {
    const order = [...loads.keys()];
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const result = await newConnectionRate(loads[i].url, loads[i].agent, GET_SECONDS);
      rounds[i].push(result.rps);
      errors += result.errors;
    }
  }
  return { rounds, errors };
}

const roundRatio = (a: number[], b: number[]) => median(a.map((value, i) => value / b[i]));

async function readyOverTls(url: string, agent: HttpsAgent): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await getOnce(`${url}/ready`, agent).catch(() => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/ready never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(cleanup: Cleanup): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'warden-tlsbench-'));
  cleanup.add(() => rmSync(work, { recursive: true, force: true }));
  const pki = new TestPki('Warden Bench');
  cleanup.add(() => pki.cleanup());
  const leaf = pki.leaf('fileserver', { dns: ['localhost'], ips: ['127.0.0.1'] });
  const ca = pki.root.cert;
  const files = { big: join(work, 'big.bin'), tiny: join(work, 'tiny.bin') };
  await writeTestFile(files.big, GiB);
  await writeTestFile(files.tiny, 4 * 1024);

  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const fileserver = async (name: string, extra: Record<string, string>): Promise<SpawnedService> => {
    mkdirSync(join(work, name));
    const service = await spawnService('fileserver', {
      ...secrets,
      NODE_ENV: 'production',
      CLEARML__FILESERVER__LISTEN_PORT: '0',
      CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      CLEARML__FILESERVER__STORAGE__PATH: join(work, name),
      CLEARML__FILESERVER__AUTH__ENABLED: 'false',
      ...extra,
    });
    cleanup.add(() => service.stop());
    return service;
  };
  const plain = await fileserver('plain', {});
  const secure = await fileserver('tls', { CLEARML__FILESERVER__TLS__CERT: pki.fullChain(leaf), CLEARML__FILESERVER__TLS__KEY: leaf.keyFile });
  // Transfers reuse connections as the SDK's pool does; the agent verifies the private CA.
  const verified = new HttpsAgent({ ca, keepAlive: true });
  useHttpsAgent(verified);
  await readyOverTls(secure.url, verified);

  // One untimed round trip each: the first pass over the page cache and the code paths is slow.
  for (const server of [plain, secure]) {
    await uploadMultipart(server.url, files.big, 'bench/big.bin');
    await download(`${server.url}/bench/big.bin`);
    await uploadMultipart(server.url, files.tiny, 'bench/tiny.bin');
  }

  const runs = { plainUp: [] as number[], tlsUp: [] as number[], plainDown: [] as number[], tlsDown: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const pairs: Array<Array<() => Promise<void>>> = [
      [
        async () => void runs.plainUp.push(await uploadMultipart(plain.url, files.big, 'bench/big.bin')),
        async () => void runs.tlsUp.push(await uploadMultipart(secure.url, files.big, 'bench/big.bin')),
      ],
      [
        async () => void runs.plainDown.push(await download(`${plain.url}/bench/big.bin`)),
        async () => void runs.tlsDown.push(await download(`${secure.url}/bench/big.bin`)),
      ],
    ];
    for (const pair of pairs) for (const step of round % 2 === 0 ? pair : [...pair].reverse()) await step();
  }
  // Per round: TLS's rate over plain's in the same round (plain's time over TLS's).
  const upRatio = median(runs.tlsUp.map((ms, i) => runs.plainUp[i] / ms));
  const downRatio = median(runs.tlsDown.map((ms, i) => runs.plainDown[i] / ms));

  const [keptPlain, keptTls] = await interleavedLoads(
    [
      { name: 'GET 4 KiB keep-alive, http', options: { url: `${plain.url}/bench/tiny.bin`, connections: 64 } },
      { name: 'GET 4 KiB keep-alive, https', options: { url: `${secure.url}/bench/tiny.bin`, connections: 64 } },
    ],
    GET_ROUNDS,
    GET_SECONDS,
  );
  const fresh = await interleavedNewConnections([
    { url: `${plain.url}/bench/tiny.bin`, agent: () => new HttpAgent({ keepAlive: false }) },
    // No session cache: every connection pays the full handshake (ECDHE + ECDSA signature + chain check).
    { url: `${secure.url}/bench/tiny.bin`, agent: () => new HttpsAgent({ ca, keepAlive: false, maxCachedSessions: 0 }) },
    // A client that keeps its TLS sessions (Node's agents, Python's urllib3 pools) resumes them.
    { url: `${secure.url}/bench/tiny.bin`, agent: () => new HttpsAgent({ ca, keepAlive: false, maxCachedSessions: 100 }) },
  ]);
  const [freshPlain, freshFull, freshResumed] = fresh.rounds.map(median);
  const keptRatio = roundRatio(keptTls.rounds, keptPlain.rounds);
  const fullRatio = roundRatio(fresh.rounds[1], fresh.rounds[0]);
  const resumedRatio = roundRatio(fresh.rounds[2], fresh.rounds[0]);

  console.log(`\nTLS benchmark: the fileserver over https next to the same build over http, auth off on both; ${ROUNDS} rounds of 1 GiB, medians`);
  console.log(`certificate: ECDSA P-256 leaf with its private chain; clients verify it; load generator and servers share the cores\n`);
  const t = { plainUp: median(runs.plainUp), tlsUp: median(runs.tlsUp), plainDown: median(runs.plainDown), tlsDown: median(runs.tlsDown) };
  printTable([
    { name: 'upload 1 GiB, http', value: mbps(GiB, t.plainUp) },
    { name: 'upload 1 GiB, https', value: mbps(GiB, t.tlsUp), baseline: `http ${mbps(GiB, t.plainUp)}`, ratio: upRatio.toFixed(2) },
    { name: 'download 1 GiB, http', value: mbps(GiB, t.plainDown) },
    { name: 'download 1 GiB, https', value: mbps(GiB, t.tlsDown), baseline: `http ${mbps(GiB, t.plainDown)}`, ratio: downRatio.toFixed(2) },
    { name: 'GET 4 KiB req/s keep-alive (c=64), http', value: keptPlain.requestsPerSec.toFixed(0) },
    {
      name: 'GET 4 KiB req/s keep-alive (c=64), https',
      value: keptTls.requestsPerSec.toFixed(0),
      baseline: `http ${keptPlain.requestsPerSec.toFixed(0)}`,
      ratio: keptRatio.toFixed(2),
    },
    { name: `GET 4 KiB req/s new connection each (c=${NEW_CONNECTION_CONCURRENCY}), http`, value: freshPlain.toFixed(0) },
    {
      name: `GET 4 KiB req/s new connection each, https full handshake`,
      value: freshFull.toFixed(0),
      baseline: `http ${freshPlain.toFixed(0)}`,
      ratio: fullRatio.toFixed(2),
    },
    {
      name: `GET 4 KiB req/s new connection each, https resumed session`,
      value: freshResumed.toFixed(0),
      baseline: `http ${freshPlain.toFixed(0)}`,
      ratio: resumedRatio.toFixed(2),
    },
  ]);
  const perRound = (tls: number[], http: number[]) => tls.map((ms, i) => `${mbps(GiB, ms)}/${mbps(GiB, http[i])}`).join('  ');
  console.log(`  per round, https/http: upload ${perRound(runs.tlsUp, runs.plainUp)}; download ${perRound(runs.tlsDown, runs.plainDown)}`);
  console.log(`  per round, keep-alive req/s https/http: ${keptTls.rounds.map((v, i) => `${v.toFixed(0)}/${keptPlain.rounds[i].toFixed(0)}`).join('  ')}`);
  console.log(
    `  per round, new-connection req/s full/resumed/http: ${fresh.rounds[0].map((v, i) => `${fresh.rounds[1][i].toFixed(0)}/${fresh.rounds[2][i].toFixed(0)}/${v.toFixed(0)}`).join('  ')}`,
  );
  console.log('  ratio: https over http in the same round (median of rounds); 1.00 = as fast as plain http\n');

  const errors = keptPlain.errors + keptTls.errors + fresh.errors;
  return [
    checkTarget('1 GiB upload over TLS ≥ 0.8× plain http', upRatio >= 0.8, `${upRatio.toFixed(2)}×`),
    checkTarget('1 GiB download over TLS ≥ 0.8× plain http', downRatio >= 0.8, `${downRatio.toFixed(2)}×`),
    checkTarget('4 KiB GETs over TLS ≥ 0.6× plain http, keep-alive', keptRatio >= 0.6, `${keptRatio.toFixed(2)}×`),
    checkTarget('4 KiB GETs over TLS ≥ 0.6× plain http, new connections (resumed sessions)', resumedRatio >= 0.6, `${resumedRatio.toFixed(2)}×`),
    checkTarget('4 KiB GETs over TLS ≥ 0.6× plain http, new connections (full handshake each)', fullRatio >= 0.6, `${fullRatio.toFixed(2)}×`),
    checkTarget('no request failed', errors === 0, `${errors} errors`),
  ].every(Boolean);
}

runBench(main);
