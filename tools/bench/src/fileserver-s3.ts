// The S3 section of `npm run bench fileserver`: a 1 GiB upload and download through Warden's
// fileserver on its s3 backend (curl as the client, auth on), next to the same transfer straight to
// the S3 server with the AWS SDK (lib-storage's Upload from the file; GetObject streamed to a sink;
// the SDK's own HTTP handler with the fileserver's checksum settings, so the difference is the
// fileserver's hop and its GetHandler; WARDEN_BENCH_S3_SDK_CLIENT=default for the SDK's defaults,
// which add a CRC32 to every part and check it on every read, or =warden for the fileserver's own
// client, GetHandler included),
// in interleaved rounds, the order reversed every other round; and the fileserver's peak RSS (all its
// processes) during each upload. The S3 server is a private one (tools/services/s3.sh on a free port
// with its own run dir), never one another engineer's tests use. Direct upload part size and queue:
// WARDEN_BENCH_S3_PART_MIB and WARDEN_BENCH_S3_QUEUE (default: S3Storage's, 8 MiB and 4). The fileserver
// runs with its default of one process (WARDEN_BENCH_S3_FS_WORKERS): on S3 it scales out by replicas,
// and one transfer at a time gains nothing from a pool but a primary process's memory.
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '@warden/storage/s3';
import type { Cleanup } from './cleanup';
import { cpuSecondsOf, ownCpuSeconds } from './cpu-time';
import { curlDownload, curlUpload } from './curl-transfer';
import { BIG, GiB, MB, MiB, ROUNDS, fmt, mbps, median } from './fileserver-settings';
import type { FileserverStack } from './fileserver-stack';
import { treeCost, treeRssBytes } from './process-tree';
import { checkTarget } from './report';
import { writeTestFile } from './transfer';

const ROOT = join(__dirname, '../../..');
const PART_MIB = Number(process.env.WARDEN_BENCH_S3_PART_MIB ?? 8);
const QUEUE = Number(process.env.WARDEN_BENCH_S3_QUEUE ?? 4);
const SDK_CLIENT = process.env.WARDEN_BENCH_S3_SDK_CLIENT ?? 'sdk';
const SDK_DESCRIPTION: Record<string, string> = {
  sdk: "with the SDK's HTTP handler and the fileserver's checksum settings",
  default: "with the SDK's defaults",
  warden: "as the fileserver's (createS3Client, GetHandler included)",
};
const FS_WORKERS = process.env.WARDEN_BENCH_S3_FS_WORKERS ?? '1';
const RSS_TARGET_MB = 200;
const RATIO_TARGET = 0.7;

/** What tools/services/s3.sh writes to <run dir>/state.json. */
interface S3State {
  endpoint: string;
  access_key: string;
  secret_key: string;
  bucket: string;
  region: string;
}

/** One transfer's figures: MB/s and CPU seconds per GiB of the fileserver (warden) or of this process (sdk), and of the S3 server. */
interface Transfer {
  rate: number;
  clientCpu: number;
  s3Cpu: number;
}

interface Rows {
  warden: Transfer[];
  sdk: Transfer[];
}

export async function s3Section(cleanup: Cleanup, stack: FileserverStack): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'warden-fsbench-s3-'));
  cleanup.add(() => rmSync(work, { recursive: true, force: true }));
  const big = join(work, 'big.bin');
  await writeTestFile(big, BIG);
  const server = await startPrivateS3(cleanup, join(work, 's3'));
  const s3 = server.state;
  const fileserver = await stack.startFileserver({
    CLEARML__FILESERVER__WORKERS: FS_WORKERS,
    CLEARML__FILESERVER__STORAGE__BACKEND: 's3',
    CLEARML__FILESERVER__STORAGE__S3__BUCKET: s3.bucket,
    CLEARML__FILESERVER__STORAGE__S3__PREFIX: 'bench-fileserver',
    CLEARML__FILESERVER__STORAGE__S3__REGION: s3.region,
    CLEARML__FILESERVER__STORAGE__S3__ENDPOINT: s3.endpoint,
    CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE: 'true',
    CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY: s3.access_key,
    CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY: s3.secret_key,
  });
  const fsPid = fileserver.child.pid!;
  const headers = { Authorization: `Bearer ${stack.token}` };
  const client = sdkClient(s3);
  cleanup.add(() => client.destroy());
  const directKey = 'bench-direct/big.bin';
  const s3Cpu = () => (server.pid ? cpuSecondsOf(server.pid) : NaN);

  const upload = { warden: [], sdk: [] } as Rows;
  const download = { warden: [], sdk: [] } as Rows;
  const peakRss: number[] = [];
  const idleRss: number[] = [];
  const loads = [loadAverage()];
  const sides = {
    warden: {
      upload: async () => {
        const before = s3Cpu();
        idleRss.push(treeRssBytes(fsPid) / MB);
        const { result, peakRssBytes, cpuSeconds } = await treeCost(fsPid, () => curlUpload(fileserver.url, big, 'bench/big.bin', headers));
        peakRss.push(peakRssBytes / MB);
        return transfer(result.bytes, result.ms, cpuSeconds, s3Cpu() - before);
      },
      download: async () => {
        const before = s3Cpu();
        const { result, cpuSeconds } = await treeCost(fsPid, () => curlDownload(`${fileserver.url}/bench/big.bin`, headers));
        return transfer(checked(result.bytes), result.ms, cpuSeconds, s3Cpu() - before);
      },
    },
    sdk: {
      upload: () =>
        measured(s3Cpu, async () => {
          await new Upload({
            client,
            params: { Bucket: s3.bucket, Key: directKey, Body: createReadStream(big) },
            partSize: PART_MIB * MiB,
            queueSize: QUEUE,
          }).done();
          const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: directKey }));
          return checked(head.ContentLength ?? 0);
        }),
      download: () =>
        measured(s3Cpu, async () => {
          const res = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: directKey }));
          let bytes = 0;
          for await (const chunk of res.Body as Readable) bytes += (chunk as Buffer).length;
          return checked(bytes);
        }),
    },
  };
  // Both paths ran once untimed (and hold the objects the first download reads).
  await sides.warden.upload();
  await sides.sdk.upload();
  peakRss.length = 0;
  idleRss.length = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['warden', 'sdk'] as const) : (['sdk', 'warden'] as const);
    for (const side of order) upload[side].push(await sides[side].upload());
    for (const side of order) download[side].push(await sides[side].download());
    loads.push(loadAverage());
    console.log(`s3 round ${round + 1}/${ROUNDS} done`);
  }

  const upRatio = ratio(upload);
  const downRatio = ratio(download);
  const rss = Math.max(...peakRss);
  console.log(`\nfileserver on S3: ${ROUNDS} rounds, ${(BIG / MiB).toFixed(0)} MiB as "1 GiB"; medians`);
  console.log(`warden: fileserver.workers=${FS_WORKERS}, s3 backend, auth on, curl as the client`);
  console.log(
    `sdk: @aws-sdk/lib-storage Upload (partSize ${PART_MIB} MiB, queueSize ${QUEUE}) from the file; GetObject to a sink; in the bench process, client ${SDK_DESCRIPTION[SDK_CLIENT] ?? SDK_CLIENT}`,
  );
  console.log(`S3 server: ${s3.endpoint} (tools/services/s3.sh, private instance${server.pid ? `, pid ${server.pid}` : ', pid unknown: its CPU not shown'})`);
  console.log(`load average (1, 5, 15 min; 2 cores, shared) before and after each round: ${loads.join(' | ')}\n`);
  printRows('1 GiB upload', upload, upRatio);
  printRows('1 GiB download', download, downRatio);
  const perRound = peakRss.map((peak, i) => `${peak.toFixed(0)} (from ${idleRss[i].toFixed(0)})`).join('  ');
  console.log(`peak RSS of all fileserver processes during a 1 GiB upload (MB; from its RSS just before), per round: ${perRound}`);
  console.log('ratios: median over rounds of warden/sdk MB/s in the same round\n');
  return [
    checkTarget(`1 GiB upload through the fileserver ≥ ${RATIO_TARGET}× the SDK straight to S3`, upRatio >= RATIO_TARGET, upRatio.toFixed(2)),
    checkTarget(`1 GiB download through the fileserver ≥ ${RATIO_TARGET}× the SDK straight from S3`, downRatio >= RATIO_TARGET, downRatio.toFixed(2)),
    checkTarget(`peak RSS of all fileserver processes during a 1 GiB upload to S3 < ${RSS_TARGET_MB} MB`, rss < RSS_TARGET_MB, `${rss.toFixed(0)} MB`),
  ].every(Boolean);
}

function sdkClient(s3: S3State): S3Client {
  const credentials = { accessKeyId: s3.access_key, secretAccessKey: s3.secret_key };
  const base = { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials };
  if (SDK_CLIENT === 'default') return new S3Client(base);
  if (SDK_CLIENT === 'sdk') return new S3Client({ ...base, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  if (SDK_CLIENT !== 'warden') throw new Error(`WARDEN_BENCH_S3_SDK_CLIENT is "${SDK_CLIENT}": use sdk, default or warden`);
  return createS3Client({ endpoint: s3.endpoint, region: s3.region, pathStyle: true, credentials });
}

function checked(bytes: number): number {
  if (bytes !== BIG) throw new Error(`transferred ${bytes} bytes, expected ${BIG}`);
  return bytes;
}

function transfer(bytes: number, ms: number, clientCpu: number, s3Cpu: number): Transfer {
  return { rate: mbps(bytes, ms), clientCpu: clientCpu / (bytes / GiB), s3Cpu: s3Cpu / (bytes / GiB) };
}

/** Times `work` in this process: its wall clock, this process's CPU and the S3 server's. */
async function measured(s3Cpu: () => number, work: () => Promise<number>): Promise<Transfer> {
  const [cpu, s3Before, started] = [ownCpuSeconds(), s3Cpu(), performance.now()];
  const bytes = await work();
  return transfer(bytes, performance.now() - started, ownCpuSeconds() - cpu, s3Cpu() - s3Before);
}

function ratio(rows: Rows): number {
  return median(rows.warden.map((w, i) => w.rate / rows.sdk[i].rate));
}

function printRows(label: string, rows: Rows, r: number): void {
  const line = (side: keyof Rows) => {
    const t = rows[side];
    const perRound = t.map((x) => `${fmt(x.rate)} MB/s, cpu ${fmt(x.clientCpu)} s/GiB, s3 cpu ${fmt(x.s3Cpu)} s/GiB`).join('  |  ');
    return `  ${side.padEnd(6)} median ${fmt(median(t.map((x) => x.rate)))} MB/s   rounds: ${perRound}`;
  };
  console.log(`${label}: warden/sdk ${r.toFixed(2)}`);
  console.log(line('warden'));
  console.log(line('sdk'));
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** A test S3 server of this run only, on a free port and in `runDir`, stopped and removed at the end. */
async function startPrivateS3(cleanup: Cleanup, runDir: string): Promise<{ state: S3State; pid?: number }> {
  const env = { ...process.env, WARDEN_S3_PORT: String(await freePort()), WARDEN_S3_RUN_DIR: runDir };
  const script = join(ROOT, 'tools/services/s3.sh');
  const run = (verb: string) => promisify(execFile)('bash', [script, verb], { env, maxBuffer: 16 << 20 });
  cleanup.add(() => run('stop'));
  await run('start');
  const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as S3State;
  const pidFile = readdirSync(runDir).find((name) => name.endsWith('.pid'));
  return { state, pid: pidFile ? Number(readFileSync(join(runDir, pidFile), 'utf8').trim()) : undefined };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
