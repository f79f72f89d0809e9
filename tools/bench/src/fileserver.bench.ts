// npm run bench fileserver: Warden's fileserver (auth on, Bearer token) next to the anchor users would
// otherwise run, a stand-in of ClearML's own fileserver (Flask under gunicorn, 5 sync workers, auth
// off: ../clearml-fileserver), and next to the page-cache copy, the machine's limit for moving bytes
// that are already in memory. Every figure is measured on both sides in each round, the order
// reversed every other round, so a neighbour's build slows both alike; medians of the rounds.
// Smaller runs: WARDEN_BENCH_BIG_MIB (1024), WARDEN_BENCH_ROUNDS (3), WARDEN_BENCH_SECONDS (4).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { CLEARML_WORKERS, startClearmlSide } from './clearml-side';
import { Cleanup, runBench } from './cleanup';
import { curlDownload, curlUpload } from './curl-transfer';
import { httpLoad } from './http-load';
import { treeCost } from './process-tree';
import { checkTarget } from './report';
import { pageCacheCopy, writeTestFile } from './transfer';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const MB = 1e6;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BIG = env('WARDEN_BENCH_BIG_MIB', 1024) * MiB;
const ROUNDS = Math.max(3, env('WARDEN_BENCH_ROUNDS', 3));
const SECONDS = env('WARDEN_BENCH_SECONDS', 4);
const FS_WORKERS = process.env.WARDEN_BENCH_FS_WORKERS ?? '2';
const MID = 10 * MiB;
const MID_UPLOADS = 24;

interface Side {
  name: 'warden' | 'clearml';
  url: string;
  pid: number;
  headers: Record<string, string>;
}

/** One figure of both sides in every round; `higher` says which way is better. */
interface Figure {
  label: string;
  unit: string;
  higher: boolean;
  warden: number[];
  clearml: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

function multipartBody(path: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = `warden-bench-${path.length}-${content.length}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${path}"; filename="${path}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

async function main(cleanup: Cleanup): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'warden-fsbench-'));
  cleanup.add(() => rmSync(work, { recursive: true, force: true }));
  const storage = join(work, 'warden');
  const clearmlFolder = join(work, 'clearml');
  mkdirSync(storage);
  mkdirSync(clearmlFolder);
  const big = join(work, 'big.bin');
  await writeTestFile(big, BIG);
  const tiny = randomBytes(4096);
  const midContent = randomBytes(MID);

  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const db = `warden_bench_files_${process.pid}`;
  const common = { ...secrets, NODE_ENV: 'production', CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}` };
  cleanup.add(() => dropDatabase(db));
  const started = async (service: Promise<SpawnedService>) => {
    const s = await service;
    cleanup.add(() => s.stop());
    await waitForStatus(`${s.url}/ready`, (status) => status === 200, 30_000);
    return s;
  };
  const gateway = await started(
    spawnService('auth-gateway', { ...common, CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0', CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false' }),
  );
  const fileserver = await started(
    spawnService('fileserver', {
      ...common,
      CLEARML__FILESERVER__LISTEN_PORT: '0',
      CLEARML__FILESERVER__WORKERS: FS_WORKERS,
      CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      CLEARML__FILESERVER__STORAGE__PATH: storage,
      CLEARML__FILESERVER__AUTH__ENABLED: 'true',
      CLEARML__FILESERVER__AUTH__JWKS_URL: `${gateway.url}/.well-known/jwks.json`,
    }),
  );
  const clearml = await startClearmlSide(clearmlFolder);
  cleanup.add(() => clearml.stop());
  const token = await tenantToken(gateway.url, secrets['CLEARML__SECURE__AUTH__OPERATOR_SECRET']);
  const sides: Side[] = [
    { name: 'warden', url: fileserver.url, pid: fileserver.child.pid!, headers: { Authorization: `Bearer ${token}` } },
    { name: 'clearml', url: clearml.url, pid: clearml.pid, headers: {} },
  ];

  // Both sides hold the objects read below, and ran every path once untimed.
  const tinyPost = multipartBody('bench/post.bin', tiny);
  const midPosts = Array.from({ length: 8 }, (_, i) => multipartBody(`bench/mid-${i}.bin`, midContent));
  for (const side of sides) {
    await post(side, multipartBody('bench/tiny.bin', tiny), 200);
    await curlUpload(side.url, big, 'bench/big.bin', side.headers);
    const { bytes } = await curlDownload(`${side.url}/bench/big.bin`, side.headers);
    if (bytes !== BIG) throw new Error(`${side.name}: downloaded ${bytes} bytes, expected ${BIG}`);
    await load(side, '/bench/tiny.bin', 8, 1);
  }
  execFileSync('sync');

  const figures = {
    pageCache: [] as number[],
    download: figure('1 GiB download', 'MB/s', true),
    downloadCpu: figure('server CPU per GiB downloaded', 's', false),
    get: figure('4 KiB authenticated GET c=32', 'req/s', true),
    post: figure('4 KiB POST c=16', 'req/s', true),
    mid: figure('10 MiB uploads c=8', 'MB/s', true),
    upload: figure('1 GiB upload', 'MB/s', true),
    uploadRss: figure('peak RSS, all processes, 1 GiB upload', 'MB', false),
    p99: figure('4 KiB GET p99 during a 1 GiB upload c=4', 'ms', false),
  };
  const steps: Array<(side: Side) => Promise<void>> = [
    async (side) => {
      const { result, cpuSeconds } = await treeCost(side.pid, () => curlDownload(`${side.url}/bench/big.bin`, side.headers));
      figures.download[side.name].push(mbps(result.bytes, result.ms));
      figures.downloadCpu[side.name].push(cpuSeconds / (result.bytes / GiB));
    },
    async (side) => void figures.get[side.name].push((await load(side, '/bench/tiny.bin', 32, SECONDS)).requestsPerSec),
    async (side) => void figures.post[side.name].push((await load(side, '/', 16, SECONDS, tinyPost)).requestsPerSec),
    async (side) => void figures.mid[side.name].push(await midUploads(side, midPosts)),
    async (side) => {
      const { result, peakRssBytes } = await treeCost(side.pid, () => curlUpload(side.url, big, 'bench/big.bin', side.headers));
      figures.upload[side.name].push(mbps(result.bytes, result.ms));
      figures.uploadRss[side.name].push(peakRssBytes / MB);
      // What either side left dirty is written back now, outside every timed step.
      execFileSync('sync');
    },
    async (side) => {
      const upload = curlUpload(side.url, big, 'bench/big-concurrent.bin', side.headers);
      const result = await httpLoad({ url: `${side.url}/bench/tiny.bin`, headers: side.headers, connections: 4, until: upload });
      await upload;
      figures.p99[side.name].push(result.p99Ms);
      execFileSync('sync');
    },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    figures.pageCache.push(await pageCacheCopy(big));
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const step of steps) for (const side of order) await step(side);
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }

  const load1 = (await promisify(execFile)('cat', ['/proc/loadavg'])).stdout.trim();
  console.log(`\nfileserver benchmark: ${ROUNDS} rounds, ${(BIG / MiB).toFixed(0)} MiB as "1 GiB", ${SECONDS} s per load; medians`);
  console.log(`warden: fileserver.workers=${FS_WORKERS}, auth on (Bearer token); clearml: Flask stand-in, gunicorn ${CLEARML_WORKERS} sync workers, auth off`);
  console.log(`page-cache copy (dd of the cached file into tmpfs, 1 MiB blocks): ${median(figures.pageCache).toFixed(0)} MB/s`);
  console.log(`  per round: ${figures.pageCache.map((v) => v.toFixed(0)).join('  ')}`);
  console.log(`load average at the end (2 cores, shared): ${load1}\n`);
  const rows = Object.values(figures).filter((f): f is Figure => !Array.isArray(f));
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(`${'figure'.padEnd(width)}  ${'warden'.padStart(9)}  ${'clearml'.padStart(9)}  warden/clearml  per round (warden/clearml)`);
  for (const f of rows) {
    const perRound = f.warden.map((w, i) => `${fmt(w)}/${fmt(f.clearml[i])}`).join('  ');
    console.log(
      `${f.label.padEnd(width)}  ${fmt(median(f.warden)).padStart(9)}  ${fmt(median(f.clearml)).padStart(9)}  ${ratio(f).toFixed(2).padStart(14)}  ${perRound}  (${f.unit})`,
    );
  }
  const downVsCache = median(figures.download.warden.map((w, i) => w / figures.pageCache[i]));
  const clearmlVsCache = median(figures.download.clearml.map((c, i) => c / figures.pageCache[i]));
  console.log(`1 GiB download vs page-cache copy: warden ${downVsCache.toFixed(2)}, clearml ${clearmlVsCache.toFixed(2)}`);
  console.log('ratios: median over rounds of warden/clearml in the same round (CPU, RSS and p99: lower is better)\n');

  return [
    checkTarget('1 GiB download ≥ 1.2× clearml', ratio(figures.download) >= 1.2, ratio(figures.download).toFixed(2)),
    checkTarget('1 GiB download ≥ 0.6× page-cache copy', downVsCache >= 0.6, downVsCache.toFixed(2)),
    checkTarget('server CPU per GiB downloaded ≤ 2× clearml', ratio(figures.downloadCpu) <= 2, ratio(figures.downloadCpu).toFixed(2)),
    checkTarget('4 KiB GET/s c=32 ≥ 3× clearml', ratio(figures.get) >= 3, ratio(figures.get).toFixed(2)),
    checkTarget('4 KiB POST/s c=16 ≥ 2× clearml', ratio(figures.post) >= 2, ratio(figures.post).toFixed(2)),
    checkTarget('10 MiB uploads c=8 ≥ 1.5× clearml', ratio(figures.mid) >= 1.5, ratio(figures.mid).toFixed(2)),
    checkTarget('1 GiB upload (fsynced) ≥ 1.5× clearml', ratio(figures.upload) >= 1.5, ratio(figures.upload).toFixed(2)),
    checkTarget('4 KiB GET p99 during a 1 GiB upload ≤ clearml', ratio(figures.p99) <= 1, ratio(figures.p99).toFixed(2)),
    checkTarget(
      'peak RSS of all fileserver processes < 250 MB',
      Math.max(...figures.uploadRss.warden) < 250,
      `${Math.max(...figures.uploadRss.warden).toFixed(0)} MB`,
    ),
  ].every(Boolean);
}

function figure(label: string, unit: string, higher: boolean): Figure {
  return { label, unit, higher, warden: [], clearml: [] };
}

/** Median of the per-round ratios; NaN when a ClearML figure is 0 (CPU below the 10 ms tick of a small run). */
function ratio(f: Figure): number {
  const ratios = f.warden.map((w, i) => w / f.clearml[i]).filter(Number.isFinite);
  return ratios.length ? median(ratios) : NaN;
}

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

async function load(side: Side, path: string, connections: number, seconds: number, form?: { body: Buffer; type: string }) {
  const headers = form ? { ...side.headers, 'Content-Type': form.type } : side.headers;
  return httpLoad({ url: `${side.url}${path}`, connections, seconds, headers, ...(form && { method: 'POST', body: form.body }) });
}

/** MID_UPLOADS uploads of 10 MiB, eight at a time, each client to its own path; MB/s. */
async function midUploads(side: Side, forms: { body: Buffer; type: string }[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    forms.map(async (form) => {
      while (next++ < MID_UPLOADS) await post(side, form, 200);
    }),
  );
  return mbps(MID_UPLOADS * MID, performance.now() - started);
}

function post(side: Side, form: { body: Buffer; type: string }, expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${side.url}/`,
      { method: 'POST', headers: { ...side.headers, 'Content-Type': form.type, 'Content-Length': form.body.length } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === expected ? resolve() : reject(new Error(`${side.name} POST: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(form.body);
  });
}

/** A token of a tenant's admin, founded by the operator: the fileserver serves no service identity. */
async function tenantToken(gatewayUrl: string, operatorSecret: string): Promise<string> {
  const founded = await fetch(`${gatewayUrl}/operator/tenants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${operatorSecret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ company_name: 'fileserver bench', admin: { username: `bench-${process.pid}-${Date.now()}` } }),
  });
  if (founded.status !== 201) throw new Error(`POST /operator/tenants answered ${founded.status}`);
  const { access_key: key, secret_key: secret } = ((await founded.json()) as { credentials: { access_key: string; secret_key: string } }).credentials;
  const res = await fetch(`${gatewayUrl}/auth.login`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` },
  });
  const token = ((await res.json()) as { data?: { token?: string } }).data?.token;
  if (!token) throw new Error(`auth.login answered ${res.status} without a token`);
  return token;
}

async function dropDatabase(name: string): Promise<void> {
  const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${name}`).asPromise();
  await connection.dropDatabase();
  await connection.close();
}

runBench(main);
