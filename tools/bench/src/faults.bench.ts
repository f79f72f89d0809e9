// npm run bench faults: 50 clients log in, read and write projects and tasks, send event batches and
// upload files for at least 60 s while a private Redis, MongoDB-wire server (FerretDB) and
// Elasticsearch are each stopped and started again, one after the other. Warden is never restarted.
// Asserts: no 5xx but 503 and nothing else failing, every kind of request succeeding again soon after
// each backend returns, every acknowledged write present afterwards, and a logout and a key revocation
// made before each restart still refused after it at both services. Prints the figures.
import { Cleanup, runBench } from './cleanup';
import { PrivateBackends, type BackendName } from './faults/backends';
import { upload } from './faults/http';
import { checkRevoked, PROBE_PATH, revoke, type RevocationCheck } from './faults/revocations';
import { printFailures, printOutcomes, printRecoveries, printRevocations, printWrites, unexpected, type Recovery } from './faults/report';
import { startStack } from './faults/stack';
import { verifyWrites } from './faults/verify';
import { Client, Ledger, loginWith, OPS, Recorder } from './faults/workload';
import { checkTarget } from './report';

const CLIENTS = 50;
const LOAD_SEC = 60;
const OUTAGE_MS = 4000;
const STEADY_MS = 5000;
// A backend is back when its start script returns; every kind of request must work again by then + this.
const RECOVERY_LIMIT_MS = 30_000;
const BACKENDS: BackendName[] = ['redis', 'mongo', 'elasticsearch'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (started: number, text: string) => console.log(`[faults ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);

/** Polls until every kind of request has succeeded once after `since`; the time that took, or undefined. */
async function recovered(recorder: Recorder, since: number): Promise<Recovery['byOp'] | undefined> {
  const deadline = since + RECOVERY_LIMIT_MS;
  for (;;) {
    const byOp = Object.fromEntries(OPS.map((op) => [op, recorder.samples.find((s) => s.op === op && s.start >= since && s.outcome === 200)?.end]));
    if (Object.values(byOp).every((end) => end !== undefined)) return Object.fromEntries(Object.entries(byOp).map(([op, end]) => [op, end! - since]));
    if (performance.now() > deadline) return undefined;
    await sleep(200);
  }
}

interface LogLine {
  name?: string;
  msg?: string;
  err?: { type?: string; message?: string };
  req?: { path?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

/**
 * From the apps' logs: the errors answered with 500, and requests that took over 10 s or whose
 * client gave up, to say where a 500 or a timeout came from.
 */
function printFromLogs(logs: string): void {
  const found = new Map<string, { count: number; maxMs: number }>();
  for (const line of logs.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as LogLine;
    let key: string | undefined;
    if (entry.msg === 'unhandled error') key = `${entry.name} 500: ${entry.err?.type}: ${entry.err?.message}`.slice(0, 200);
    else if (entry.msg === 'request aborted' || (entry.responseTime ?? 0) > 10_000)
      key = `${entry.name} ${entry.req?.path}: ${entry.msg} (status ${entry.res?.statusCode})`;
    if (!key) continue;
    const seen = found.get(key) ?? { count: 0, maxMs: 0 };
    found.set(key, { count: seen.count + 1, maxMs: Math.max(seen.maxMs, entry.responseTime ?? 0) });
  }
  if (found.size === 0) return;
  console.log("from the apps' logs: errors answered with 500, requests slower than 10 s or given up by the client");
  for (const [key, { count, maxMs }] of found) console.log(`  ${String(count).padStart(5)}  ${key}${maxMs ? `, up to ${(maxMs / 1000).toFixed(1)} s` : ''}`);
  console.log('');
}

async function main(cleanup: Cleanup): Promise<boolean> {
  const started = performance.now();
  say(started, 'starting a private Redis, FerretDB and Elasticsearch on free ports');
  const backends = await PrivateBackends.start(cleanup);
  say(started, `backends up (redis ${backends.ports.redis}, mongo ${backends.ports.mongo}, elasticsearch ${backends.ports.elasticsearch}); starting the apps`);
  const stack = await startStack(backends, BACKENDS.length, cleanup);
  const probe = await upload(stack.files, await loginWith(stack, stack.key), PROBE_PATH, Buffer.from('probe'));
  if (probe.outcome !== 200) throw new Error(`probe upload answered ${probe.outcome}`);

  const recorder = new Recorder();
  const ledger = new Ledger();
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i, stack, recorder, ledger));
  for (const client of clients) await client.prepare();
  let stopped = false;
  cleanup.add(() => (stopped = true));
  const loadStart = performance.now();
  say(started, `${CLIENTS} clients running`);
  const running = Promise.all(clients.map((client) => client.run(() => stopped)));

  const recoveries: Recovery[] = [];
  const revocations: Array<{ backend: BackendName; before: RevocationCheck[]; after: RevocationCheck[] }> = [];
  for (const [i, backend] of BACKENDS.entries()) {
    await sleep(STEADY_MS);
    const revoked = await revoke(stack, stack.victims[i]);
    const before = await checkRevoked(stack, revoked);
    recorder.phase = `${backend} down`;
    const down = performance.now();
    say(started, `stopping ${backend} (a session logged out and a key revoked just before)`);
    await backends.down(backend);
    await sleep(OUTAGE_MS);
    await backends.up(backend);
    const back = performance.now();
    recorder.phase = `${backend} back`;
    say(started, `${backend} back after ${((back - down) / 1000).toFixed(1)} s; waiting for every kind of request to succeed`);
    const byOp = await recovered(recorder, back);
    recoveries.push({ backend, outageMs: back - down, byOp });
    // Finding 1's bound: a revocation must hold again within 2 s of the backend's return.
    await sleep(Math.max(0, back + 2000 - performance.now()));
    revocations.push({ backend, before, after: await checkRevoked(stack, revoked) });
  }
  await sleep(Math.max(0, loadStart + LOAD_SEC * 1000 - performance.now()));
  recorder.phase = 'after';
  stopped = true;
  await running;
  const loadSec = (performance.now() - loadStart) / 1000;
  say(started, `load stopped after ${loadSec.toFixed(0)} s; looking up every acknowledged write`);
  const writes = await verifyWrites(stack, ledger, backends.ports.elasticsearch);

  console.log(
    `\nfault run: ${CLIENTS} clients for ${loadSec.toFixed(0)} s, ${recorder.samples.length} requests; Redis, FerretDB and Elasticsearch each stopped for a few seconds (private instances)\n`,
  );
  printOutcomes(recorder.samples);
  printFailures(recorder.samples);
  printRecoveries(recoveries);
  printRevocations(revocations);
  printWrites(writes);
  const logs = stack.logs();
  printFromLogs(logs);
  const leaks = stack.secrets.filter((secret) => logs.includes(secret)).length;
  const odd = unexpected(recorder.samples);
  const fiveHundreds = recorder.samples.filter((s) => typeof s.outcome === 'number' && s.outcome >= 500 && s.outcome !== 503).length;
  return [
    checkTarget('no 5xx other than 503', fiveHundreds === 0, `${fiveHundreds} answers`),
    checkTarget('nothing but 200 and 503 (no 4xx, no dropped connection, no timeout)', odd.length === 0, odd.length === 0 ? 'none' : odd.join(', ')),
    checkTarget(
      `every kind of request succeeds again within ${RECOVERY_LIMIT_MS / 1000} s of each backend's return`,
      recoveries.every((r) => r.byOp),
      recoveries.map((r) => `${r.backend} ${r.byOp ? `${(Math.max(...Object.values(r.byOp)) / 1000).toFixed(1)} s` : 'not recovered'}`).join(', '),
    ),
    checkTarget(
      'every acknowledged write present afterwards',
      writes.every((w) => w.missing.length === 0),
      writes.map((w) => `${w.kind.split(' ')[0]} ${w.acknowledged - w.missing.length}/${w.acknowledged}`).join(', '),
    ),
    ...revocations.map((r) =>
      checkTarget(
        `revocations made before the ${r.backend} restart refused before and after it`,
        [...r.before, ...r.after].every((c) => c.outcome === 401),
        r.after
          .filter((c) => c.outcome !== 401)
          .map((c) => `${c.name}: ${c.outcome}`)
          .join('; ') || 'all 401',
      ),
    ),
    checkTarget("the apps' logs hold none of the run's secrets", leaks === 0, `${leaks} found`),
  ].every(Boolean);
}

runBench(main);
