// npm run bench downloads: the candidate ways of sending a 1 GiB file from Node (download-candidates.ts),
// each measured as the fileserver is (curl as the client, the server's CPU from /proc), in interleaved
// rounds, next to the page-cache copy. WARDEN_BENCH_BIG_MIB and WARDEN_BENCH_ROUNDS shrink the run.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Cleanup, runBench } from './cleanup';
import { cpuSecondsOf } from './cpu-time';
import { curlDownload } from './curl-transfer';
import { CANDIDATES } from './download-candidates';
import { pageCacheCopy, writeTestFile } from './transfer';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const BIG = Number(process.env.WARDEN_BENCH_BIG_MIB ?? 1024) * MiB;
const ROUNDS = Math.max(3, Number(process.env.WARDEN_BENCH_ROUNDS ?? 3));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(cleanup: Cleanup): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'warden-dlbench-'));
  cleanup.add(() => rmSync(work, { recursive: true, force: true }));
  const file = join(work, 'big.bin');
  await writeTestFile(file, BIG);
  const child = spawn(process.execPath, [...process.execArgv, join(__dirname, 'download-candidates.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.add(() => child.kill());
  const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const names = Object.keys(CANDIDATES);
  const mbps: number[][] = names.map(() => []);
  const cpu: number[][] = names.map(() => []);
  const cache: number[] = [];
  for (const i of names.keys()) await curlDownload(`${url}/${i}`);
  execFileSync('sync');
  for (let round = 0; round < ROUNDS; round++) {
    cache.push(await pageCacheCopy(file));
    const order = round % 2 === 0 ? [...names.keys()] : [...names.keys()].reverse();
    for (const i of order) {
      const before = cpuSecondsOf(child.pid!);
      const { ms, bytes } = await curlDownload(`${url}/${i}`);
      if (bytes !== BIG) throw new Error(`${names[i]}: ${bytes} bytes`);
      mbps[i].push(bytes / 1e6 / (ms / 1000));
      cpu[i].push((cpuSecondsOf(child.pid!) - before) / (bytes / GiB));
    }
  }
  const load = (await promisify(execFile)('cat', ['/proc/loadavg'])).stdout.trim();
  console.log(`\n${(BIG / MiB).toFixed(0)} MiB downloads, ${ROUNDS} rounds, medians; load average ${load}`);
  console.log(`page-cache copy: ${median(cache).toFixed(0)} MB/s   per round ${cache.map((v) => v.toFixed(0)).join(' ')}`);
  const width = Math.max(...names.map((n) => n.length));
  for (const [i, name] of names.entries()) {
    const rounds = mbps[i].map((v, r) => `${v.toFixed(0)}/${cpu[i][r].toFixed(2)}`).join('  ');
    console.log(`${name.padEnd(width)}  ${median(mbps[i]).toFixed(0).padStart(5)} MB/s  ${median(cpu[i]).toFixed(2)} CPU s/GiB   per round ${rounds}`);
  }
  return true;
}

runBench(main);
