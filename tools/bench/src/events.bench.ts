// npm run bench events: scalar events ingested per second through the apiserver's events.add_batch
// (json-lines as the SDK sends it, batches of 500, a token from the spawned gateway, concurrent
// clients), next to the same documents written straight to Elasticsearch's _bulk from Node by as
// many concurrent writers. The two paths alternate over several rounds; each keeps its median.
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { Client } from '@elastic/elasticsearch';
import mongoose from 'mongoose';
import { EventStore, deletePrefixed, ensureTemplates } from '@warden/events';
import { bulkIndex, scalarEvents, storedDocuments, type StoredDocument } from '@warden/events/bench';
import { spawnApiserverFor, spawnTestGateway } from '@warden/auth-service/testing';
import { clearmlCall, sendEventBatch } from './clearml-calls';
import { checkTarget, printTable } from './report';

const BATCH = 500;
const CLIENTS = 4;
const BATCHES_PER_CLIENT = 15;
const ROUNDS = 7;
const TARGET = 0.6;
const PER_ROUND = CLIENTS * BATCHES_PER_CLIENT * BATCH;

interface Round {
  /** json-lines bodies, one list per client. */
  bodies: string[][];
  /** The documents the apiserver stores for the same events, one list of batches per client. */
  docs: StoredDocument[][][];
}

function prepareRound(round: number, task: string): Round {
  const bodies: string[][] = [];
  const docs: StoredDocument[][][] = [];
  for (let c = 0; c < CLIENTS; c++) {
    bodies.push([]);
    docs.push([]);
    for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
      const events = scalarEvents(BATCH, task, ((round * CLIENTS + c) * BATCHES_PER_CLIENT + b) * BATCH);
      bodies[c].push(events.map((e) => JSON.stringify({ ...e, method: 'get' })).join('\n'));
      docs[c].push(storedDocuments(events));
    }
  }
  return { bodies, docs };
}

/** Events per second of `CLIENTS` workers, each sending its batches one after another. */
async function rate(send: (client: number, batch: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let b = 0; b < BATCHES_PER_CLIENT; b++) await send(c, b);
    }),
  );
  return (PER_ROUND / (performance.now() - started)) * 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const db = `warden_bench_events_${process.pid}`;
  const elastic = new Client({ node: 'http://127.0.0.1:9200', maxRetries: 0, requestTimeout: 60_000 });
  const store = new EventStore(elastic);
  const prefix = `evbench${randomBytes(4).toString('hex')}-`;
  const services: Array<{ stop(): Promise<unknown> }> = [];
  let company: string | undefined;
  try {
    const gateway = await spawnTestGateway(db);
    services.push(gateway);
    const apiserver = await spawnApiserverFor(gateway, db);
    services.push(apiserver);

    // A company of the bench's own, so its event indices can be dropped afterwards as a whole.
    const tenant = await gateway.createTenant(`bench-events-${process.pid}`);
    company = tenant.company;
    const token = await gateway.login(tenant.accessKey, tenant.secretKey);
    const bearer = `Bearer ${token}`;
    const { id: project } = (await clearmlCall(apiserver.url, 'projects.create', bearer, { name: 'bench-events', description: '' })) as { id: string };
    const { id: task } = (await clearmlCall(apiserver.url, 'tasks.create', bearer, { name: 'ingest', project, type: 'training' })) as { id: string };

    await ensureTemplates(elastic, { indexPrefix: prefix });
    const directIndex = `${prefix}events-training_stats_scalar-${company}`;
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const rounds: Array<{ api: number; bulk: number }> = [];
    let acknowledged = 0;
    const viaApi = (round: Round) =>
      rate(async (c, b) => {
        const added = await sendEventBatch(agent, apiserver.url, token, round.bodies[c][b]);
        acknowledged += added;
      });
    const direct = (round: Round) => rate((c, b) => bulkIndex(elastic, directIndex, round.docs[c][b]));
    // Round 0 warms both paths (JIT, index creation) and is not counted; the order alternates so
    // that neither path always follows the other's writes.
    for (let i = 0; i <= ROUNDS; i++) {
      const round = prepareRound(i, task);
      let api: number;
      let bulk: number;
      if (i % 2 === 0) {
        api = await viaApi(round);
        bulk = await direct(round);
      } else {
        bulk = await direct(round);
        api = await viaApi(round);
      }
      if (i > 0) rounds.push({ api, bulk });
    }
    agent.destroy();

    const sent = (ROUNDS + 1) * PER_ROUND;
    await elastic.indices.refresh({ index: `events-training_stats_scalar-${company}` });
    const stored = (await store.getTaskEvents(company, task, { event_type: 'training_stats_scalar', batch_size: 1 })).total;
    const apiRate = median(rounds.map((r) => r.api));
    const bulkRate = median(rounds.map((r) => r.bulk));
    // Each round's two figures were taken back to back, so their ratio is the steadiest measure on a busy machine.
    const ratio = median(rounds.map((r) => r.api / r.bulk));
    console.log(
      `\nevents ingest benchmark: ${ROUNDS} rounds of ${PER_ROUND} scalar events per path (${CLIENTS} clients x ${BATCHES_PER_CLIENT} batches of ${BATCH}); the load generator, the apiserver and Elasticsearch share the machine\n`,
    );
    printTable([
      { name: 'direct _bulk from Node, events/s (median)', value: bulkRate.toFixed(0) },
      { name: 'apiserver events.add_batch, events/s (median)', value: apiRate.toFixed(0), baseline: bulkRate.toFixed(0), ratio: ratio.toFixed(2) },
    ]);
    console.log(`  per round (apiserver / direct events/s): ${rounds.map((r) => `${r.api.toFixed(0)}/${r.bulk.toFixed(0)}`).join('  ')}`);
    console.log('  ratio: median of the per-round ratios\n');
    const ok = [
      checkTarget(`add_batch reaches ${TARGET * 100}% of the direct _bulk rate`, ratio >= TARGET, `${(ratio * 100).toFixed(0)}%`),
      checkTarget(
        'every event acknowledged and stored exactly once',
        acknowledged === sent && stored === sent,
        `${acknowledged} acknowledged, ${stored} stored of ${sent} sent`,
      ),
    ].every(Boolean);
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (company) await store.deleteCompanyEvents(company);
    await deletePrefixed(elastic, prefix);
    await elastic.close();
    for (const service of services.reverse()) await service.stop();
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
}

void main();
