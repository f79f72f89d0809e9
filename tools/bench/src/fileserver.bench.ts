// npm run bench fileserver: Warden's fileserver (auth on, Bearer token) next to the anchor users would
// otherwise run, a stand-in of ClearML's own fileserver (Flask under gunicorn, 5 sync workers, auth
// off: ../clearml-fileserver), and next to the machine's limits: the page-cache copy for moving bytes
// that are already in memory, and for small uploads a bare server that only stores each one durably
// and atomically (./durable-upload-limit). Every figure is measured on both sides in each round, the order
// reversed every other round, so a neighbour's build slows both alike; medians of the rounds.
// Then the S3 section (./fileserver-s3). Smaller runs: WARDEN_BENCH_BIG_MIB (1024), WARDEN_BENCH_ROUNDS
// (3), WARDEN_BENCH_SECONDS (4); one section only: WARDEN_BENCH_ONLY=clearml|s3.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLEARML_WORKERS, startClearmlSide } from './clearml-side';
import { Cleanup, runBench } from './cleanup';
import { curlDownload, curlUpload } from './curl-transfer';
import { startDurableUploadLimit } from './durable-upload-limit';
import { s3Section } from './fileserver-s3';
import { BIG, FS_WORKERS, GiB, MB, MiB, ROUNDS, SECONDS, fmt, mbps, median } from './fileserver-settings';
import { startFileserverStack, type FileserverStack } from './fileserver-stack';
import { httpLoad } from './http-load';
import { treeCost } from './process-tree';
import { checkTarget } from './report';
import { pageCacheCopy, writeTestFile } from './transfer';

const MID = 10 * MiB;
// About a second a side: fewer made one figure swing by half between rounds.
const MID_UPLOADS = 64;

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

function multipartBody(path: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = `warden-bench-${path.length}-${content.length}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${path}"; filename="${path}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

/** The sections: against ClearML's fileserver on local disk, and the S3 backend against the AWS SDK; WARDEN_BENCH_ONLY picks one. */
async function main(cleanup: Cleanup): Promise<boolean> {
  const only = process.env.WARDEN_BENCH_ONLY ?? '';
  if (!['', 'clearml', 's3'].includes(only)) throw new Error(`WARDEN_BENCH_ONLY is "${only}": use clearml or s3`);
  const stack = await startFileserverStack(cleanup);
  const results: boolean[] = [];
  if (only !== 's3') results.push(await clearmlSection(cleanup, stack));
  if (only !== 'clearml') results.push(await s3Section(cleanup, stack));
  return results.every(Boolean);
}

async function clearmlSection(cleanup: Cleanup, stack: FileserverStack): Promise<boolean> {
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

  const fileserver = await stack.startFileserver({ CLEARML__FILESERVER__WORKERS: FS_WORKERS, CLEARML__FILESERVER__STORAGE__PATH: storage });
  const clearml = await startClearmlSide(clearmlFolder);
  cleanup.add(() => clearml.stop());
  const limit = await startDurableUploadLimit(join(work, 'limit'));
  cleanup.add(() => limit.stop());
  const limitSide = { url: limit.url, headers: {} };
  const token = stack.token;
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
  await load(limitSide, '/', 16, 1, tinyPost);
  execFileSync('sync');

  const figures = {
    pageCache: [] as number[],
    postLimit: [] as number[],
    download: figure('1 GiB download', 'MB/s', true),
    downloadCpu: figure('server CPU per GiB downloaded', 's', false),
    get: figure('4 KiB authenticated GET c=32', 'req/s', true),
    post: figure('4 KiB POST c=16', 'req/s', true),
    mid: figure('10 MiB uploads c=8', 'MB/s', true),
    upload: figure('1 GiB upload', 'MB/s', true),
    uploadRss: figure('peak RSS, all processes summed, 1 GiB upload', 'MB', false),
    uploadOnce: figure('peak memory, each page once, 1 GiB upload', 'MB', false),
    p99: figure('4 KiB GET p99 during a 1 GiB upload c=4', 'ms', false),
  };
  const postStep = async (side: Side) => void figures.post[side.name].push((await load(side, '/', 16, SECONDS, tinyPost)).requestsPerSec);
  const steps: Array<(side: Side) => Promise<void>> = [
    async (side) => {
      const { result, cpuSeconds } = await treeCost(side.pid, () => curlDownload(`${side.url}/bench/big.bin`, side.headers));
      figures.download[side.name].push(mbps(result.bytes, result.ms));
      figures.downloadCpu[side.name].push(cpuSeconds / (result.bytes / GiB));
    },
    async (side) => void figures.get[side.name].push((await load(side, '/bench/tiny.bin', 32, SECONDS)).requestsPerSec),
    postStep,
    async (side) => {
      figures.mid[side.name].push(await midUploads(side, midPosts));
      // ClearML's side does not fsync: its 640 MB are written back now, not during the next upload.
      execFileSync('sync');
    },
    async (side) => {
      const upload = () => curlUpload(side.url, big, 'bench/big.bin', side.headers);
      const { result, peakRssBytes, peakOnceBytes } = await treeCost(side.pid, upload, { pageOnce: true });
      figures.upload[side.name].push(mbps(result.bytes, result.ms));
      figures.uploadRss[side.name].push(peakRssBytes / MB);
      figures.uploadOnce[side.name].push(peakOnceBytes === undefined ? NaN : peakOnceBytes / MB);
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
    for (const step of steps) {
      for (const side of order) await step(side);
      // Right after the two sides' POSTs, on the machine as they found it.
      if (step === postStep) figures.postLimit.push((await load(limitSide, '/', 16, SECONDS, tinyPost)).requestsPerSec);
    }
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }

  const load1 = (await promisify(execFile)('cat', ['/proc/loadavg'])).stdout.trim();
  console.log(`\nfileserver benchmark: ${ROUNDS} rounds, ${(BIG / MiB).toFixed(0)} MiB as "1 GiB", ${SECONDS} s per load; medians`);
  console.log(`warden: fileserver.workers=${FS_WORKERS}, auth on (Bearer token); clearml: Flask stand-in, gunicorn ${CLEARML_WORKERS} sync workers, auth off`);
  console.log(`page-cache copy (dd of the cached file into tmpfs, 1 MiB blocks): ${median(figures.pageCache).toFixed(0)} MB/s`);
  console.log(`  per round: ${figures.pageCache.map((v) => v.toFixed(0)).join('  ')}`);
  console.log(
    `durable-upload limit, 4 KiB POST c=16 (bare HTTP server, new file with O_DSYNC renamed over the old, folder fsynced): ${median(figures.postLimit).toFixed(0)} req/s`,
  );
  console.log(`  per round: ${figures.postLimit.map((v) => v.toFixed(0)).join('  ')}`);
  console.log(`load average at the end (2 cores, shared): ${load1}\n`);
  const rows = Object.values(figures).filter((f): f is Figure => !Array.isArray(f));
  const perLimit = (values: number[], times = 1) => median(values.map((v, i) => (times * v) / figures.postLimit[i])).toFixed(2);
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
  console.log(
    `4 KiB POST vs the durable-upload limit: warden ${perLimit(figures.post.warden)}, clearml ${perLimit(figures.post.clearml)} (twice clearml's rate: ${perLimit(figures.post.clearml, 2)})`,
  );
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
    memoryTarget(figures.uploadOnce.warden, figures.uploadRss.warden),
  ].every(Boolean);
}

/**
 * The whole fileserver's memory during a 1 GiB upload under 250 MB, each physical page counted once
 * (what the processes hold together, as a container's limit counts it); summed RSS counts the 42
 * MB of Node that every process maps once per process. Summed RSS where page frames cannot be read.
 */
function memoryTarget(once: number[], summed: number[]): boolean {
  const measured = once.every(Number.isFinite);
  const peak = Math.max(...(measured ? once : summed));
  const label = measured ? 'peak memory of all fileserver processes, each page once' : 'peak RSS of all fileserver processes summed (page frames unreadable)';
  return checkTarget(`${label} < 250 MB`, peak < 250, `${peak.toFixed(0)} MB (summed RSS ${Math.max(...summed).toFixed(0)} MB)`);
}

function figure(label: string, unit: string, higher: boolean): Figure {
  return { label, unit, higher, warden: [], clearml: [] };
}

/** Median of the per-round ratios; NaN when a ClearML figure is 0 (CPU below the 10 ms tick of a small run). */
function ratio(f: Figure): number {
  const ratios = f.warden.map((w, i) => w / f.clearml[i]).filter(Number.isFinite);
  return ratios.length ? median(ratios) : NaN;
}

async function load(side: Pick<Side, 'url' | 'headers'>, path: string, connections: number, seconds: number, form?: { body: Buffer; type: string }) {
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

runBench(main);
