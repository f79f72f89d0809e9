// npm run bench tls: the fileserver over TLS next to the same build over plain http, in the same run:
// 1 GiB upload and download, and 4 KiB GETs per second on keep-alive connections and on a new
// connection per request (with a full handshake each time, and with TLS session resumption as a
// client's connection pool does). Auth is off on both, so the figures show what TLS alone costs.
// The certificate is an ECDSA P-256 leaf of a private CA made by this run (openssl), served with its
// chain; every client here verifies it.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { createSecureContext } from 'node:tls';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { TestPki } from '@warden/tls/testing';
import { Cleanup, runBench } from './cleanup';
import { cryptoBaseline } from './crypto-baseline';
import { cpuSpent } from './cpu-time';
import { checkTarget, load, printTable } from './report';
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

async function readyOverTls(url: string, agent: HttpsAgent): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await getOnce(`${url}/ready`, agent).catch(() => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/ready never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One load's figures over the rounds: per-round values for ratios, and the CPU both sides spent. */
class Tally {
  readonly rounds: number[] = [];
  server = 0;
  client = 0;
  units = 0;
  errors = 0;
  add(value: number, spent: { server: number; client: number }, units: number, errors = 0): void {
    this.rounds.push(value);
    this.server += spent.server;
    this.client += spent.client;
    this.units += units;
    this.errors += errors;
  }
  /** CPU milliseconds per unit (GiB, or 1000 requests). */
  serverMs = () => (this.server * 1000) / this.units;
  clientMs = () => (this.client * 1000) / this.units;
}

/** Runs the steps in turn each round, reversing the order every other round, so drift favours neither. */
async function interleave(rounds: number, steps: Array<() => Promise<void>>): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? steps : [...steps].reverse();
    for (const step of order) await step();
  }
}

/** Median over rounds of the https rate over the http rate in the same round. */
const roundRatio = (https: number[], http: number[]) => median(https.map((value, i) => value / http[i]));
/** How much more work the server does per CPU-second over http than over https (1.00 = TLS costs the server nothing). */
const serverCostRatio = (https: Tally, http: Tally) => http.serverMs() / https.serverMs();

async function main(cleanup: Cleanup): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'warden-tlsbench-'));
  cleanup.add(() => rmSync(work, { recursive: true, force: true }));
  const pki = new TestPki('Warden Bench');
  cleanup.add(() => pki.cleanup());
  const leaf = pki.leaf('fileserver', { dns: ['localhost'], ips: ['127.0.0.1'] });
  // Built once per client, as pooled clients (urllib3, Go, curl's share) do: Node's https.Agent given
  // `ca` would parse the CA into a new context for every connection, a client cost the server never sees.
  const trusted = createSecureContext({ ca: pki.root.cert });
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
  // The fileserver serves from one process (no worker pool): its pid's CPU time is all the server's.
  const plain = await fileserver('plain', {});
  const secure = await fileserver('tls', { CLEARML__FILESERVER__TLS__CERT: pki.fullChain(leaf), CLEARML__FILESERVER__TLS__KEY: leaf.keyFile });
  // Transfers reuse connections as the SDK's pool does; the agent verifies the private CA.
  const verified = new HttpsAgent({ secureContext: trusted, keepAlive: true });
  useHttpsAgent(verified);
  await readyOverTls(secure.url, verified);

  const aead = cryptoBaseline();

  // One untimed round trip each: the first pass over the page cache and the code paths is slow.
  for (const server of [plain, secure]) {
    await uploadMultipart(server.url, files.big, 'bench/big.bin');
    await download(`${server.url}/bench/big.bin`);
    await uploadMultipart(server.url, files.tiny, 'bench/tiny.bin');
  }

  const pid = (server: SpawnedService) => server.child.pid ?? 0;
  const timedOn = (tally: Tally, server: SpawnedService, transfer: () => Promise<number>) => async () => {
    const spent = await cpuSpent(pid(server), transfer);
    tally.add(spent.result, spent, 1);
  };
  const up = { http: new Tally(), https: new Tally() };
  const down = { http: new Tally(), https: new Tally() };
  for (const [tallies, transfer] of [
    [up, (server: SpawnedService) => uploadMultipart(server.url, files.big, 'bench/big.bin')],
    [down, (server: SpawnedService) => download(`${server.url}/bench/big.bin`)],
  ] as const) {
    await interleave(ROUNDS, [timedOn(tallies.http, plain, () => transfer(plain)), timedOn(tallies.https, secure, () => transfer(secure))]);
  }
  // Per round: TLS's rate over plain's in the same round (plain's time over TLS's).
  const upRatio = median(up.https.rounds.map((ms, i) => up.http.rounds[i] / ms));
  const downRatio = median(down.https.rounds.map((ms, i) => down.http.rounds[i] / ms));

  const requestsOn = (tally: Tally, server: SpawnedService, run: () => Promise<{ rps: number; errors: number }>) => async () => {
    const spent = await cpuSpent(pid(server), run);
    tally.add(spent.result.rps, spent, (spent.result.rps * GET_SECONDS) / 1000, spent.result.errors);
  };
  const keptAlive = (server: SpawnedService) => async () => {
    const result = await load('GET 4 KiB keep-alive', { url: `${server.url}/bench/tiny.bin`, connections: 64, duration: GET_SECONDS });
    return { rps: result.requestsPerSec, errors: result.errors };
  };
  const kept = { http: new Tally(), https: new Tally() };
  await interleave(GET_ROUNDS, [requestsOn(kept.http, plain, keptAlive(plain)), requestsOn(kept.https, secure, keptAlive(secure))]);

  const fresh = { http: new Tally(), full: new Tally(), resumed: new Tally() };
  const tinyUrl = (server: SpawnedService) => `${server.url}/bench/tiny.bin`;
  await interleave(GET_ROUNDS, [
    requestsOn(fresh.http, plain, () => newConnectionRate(tinyUrl(plain), () => new HttpAgent({ keepAlive: false }), GET_SECONDS)),
    // No session cache: every connection pays the full handshake (ECDHE + ECDSA signature + chain check).
    requestsOn(fresh.full, secure, () =>
      newConnectionRate(tinyUrl(secure), () => new HttpsAgent({ secureContext: trusted, keepAlive: false, maxCachedSessions: 0 }), GET_SECONDS),
    ),
    // A client that keeps its TLS sessions (Node's agents, Python's urllib3 pools) resumes them.
    requestsOn(fresh.resumed, secure, () =>
      newConnectionRate(tinyUrl(secure), () => new HttpsAgent({ secureContext: trusted, keepAlive: false, maxCachedSessions: 100 }), GET_SECONDS),
    ),
  ]);
  const keptRatio = roundRatio(kept.https.rounds, kept.http.rounds);
  const fullRatio = roundRatio(fresh.full.rounds, fresh.http.rounds);
  const resumedRatio = roundRatio(fresh.resumed.rounds, fresh.http.rounds);

  console.log(`\nTLS benchmark: the fileserver over https next to the same build over http, auth off on both; ${ROUNDS} rounds of 1 GiB, medians`);
  console.log(`certificate: ECDSA P-256 leaf with its private chain; clients verify it; load generator and servers share the cores\n`);
  const gbps = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB/s`;
  console.log(
    `physical limit, AEAD on one core (16 KiB records, CPU time): AES-128-GCM ${gbps(aead['aes-128-gcm'])}, AES-256-GCM ${gbps(aead['aes-256-gcm'])}, ChaCha20-Poly1305 ${gbps(aead['chacha20-poly1305'])}`,
  );
  const t = { plainUp: median(up.http.rounds), tlsUp: median(up.https.rounds), plainDown: median(down.http.rounds), tlsDown: median(down.https.rounds) };
  const rps = (tally: Tally) => median(tally.rounds).toFixed(0);
  printTable([
    { name: 'upload 1 GiB, http', value: mbps(GiB, t.plainUp) },
    { name: 'upload 1 GiB, https', value: mbps(GiB, t.tlsUp), baseline: `http ${mbps(GiB, t.plainUp)}`, ratio: upRatio.toFixed(2) },
    { name: 'download 1 GiB, http', value: mbps(GiB, t.plainDown) },
    { name: 'download 1 GiB, https', value: mbps(GiB, t.tlsDown), baseline: `http ${mbps(GiB, t.plainDown)}`, ratio: downRatio.toFixed(2) },
    { name: 'GET 4 KiB req/s keep-alive (c=64), http', value: rps(kept.http) },
    { name: 'GET 4 KiB req/s keep-alive (c=64), https', value: rps(kept.https), baseline: `http ${rps(kept.http)}`, ratio: keptRatio.toFixed(2) },
    { name: `GET 4 KiB req/s new connection each (c=${NEW_CONNECTION_CONCURRENCY}), http`, value: rps(fresh.http) },
    {
      name: `GET 4 KiB req/s new connection each, https full handshake`,
      value: rps(fresh.full),
      baseline: `http ${rps(fresh.http)}`,
      ratio: fullRatio.toFixed(2),
    },
    {
      name: `GET 4 KiB req/s new connection each, https resumed session`,
      value: rps(fresh.resumed),
      baseline: `http ${rps(fresh.http)}`,
      ratio: resumedRatio.toFixed(2),
    },
  ]);
  const perRound = (tls: number[], http: number[]) => tls.map((ms, i) => `${mbps(GiB, ms)}/${mbps(GiB, http[i])}`).join('  ');
  console.log(`  per round, https/http: upload ${perRound(up.https.rounds, up.http.rounds)}; download ${perRound(down.https.rounds, down.http.rounds)}`);
  console.log(`  per round, keep-alive req/s https/http: ${kept.https.rounds.map((v, i) => `${v.toFixed(0)}/${kept.http.rounds[i].toFixed(0)}`).join('  ')}`);
  console.log(
    `  per round, new-connection req/s full/resumed/http: ${fresh.http.rounds.map((v, i) => `${fresh.full.rounds[i].toFixed(0)}/${fresh.resumed.rounds[i].toFixed(0)}/${v.toFixed(0)}`).join('  ')}`,
  );
  console.log('  ratio: https over http in the same round (median of rounds); 1.00 = as fast as plain http\n');

  // Where the time goes: CPU each side spent per unit of work, summed over the rounds.
  const costRows: Array<[string, Tally, Tally, string]> = [
    ['upload', up.https, up.http, 'GiB'],
    ['download', down.https, down.http, 'GiB'],
    ['GET keep-alive', kept.https, kept.http, '1000 req'],
    ['GET new conn., full handshake', fresh.full, fresh.http, '1000 req'],
    ['GET new conn., resumed', fresh.resumed, fresh.http, '1000 req'],
  ];
  console.log('CPU ms per unit, https vs http (server = the fileserver process; client = this bench process):');
  for (const [name, https, http, unit] of costRows) {
    console.log(
      `  ${`${name} (per ${unit})`.padEnd(42)} server ${https.serverMs().toFixed(0).padStart(5)} vs ${http.serverMs().toFixed(0).padStart(5)}` +
        `   client ${https.clientMs().toFixed(0).padStart(5)} vs ${http.clientMs().toFixed(0).padStart(5)}   server cost ratio ${serverCostRatio(https, http).toFixed(2)}`,
    );
  }
  // Both ends on the same cores: TLS adds one encryption and one decryption of every byte.
  const httpBothMs = down.http.serverMs() + down.http.clientMs();
  const ceiling = httpBothMs / (httpBothMs + (2 * GiB * 1000) / aead['aes-128-gcm']);
  console.log(
    `  download ceiling with client and server on the same cores: http's ${httpBothMs.toFixed(0)} CPU ms/GiB plus one AES-128-GCM encryption and decryption per byte = ${ceiling.toFixed(2)}×\n`,
  );

  const errors = kept.http.errors + kept.https.errors + fresh.http.errors + fresh.full.errors + fresh.resumed.errors;
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
