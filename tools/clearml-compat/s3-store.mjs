// The SDK suite's S3 variant (CLEARML_COMPAT_STORAGE=s3): the test S3 server that tools/services/s3.sh
// runs, read from its state.json (never hard-coded keys), under a prefix of the run's own.
//   node s3-store.mjs env PREFIX     the fileserver's settings for that prefix, NAME=VALUE a line
//   node s3-store.mjs count PREFIX   how many objects the prefix holds
//   node s3-store.mjs empty PREFIX   deletes every object under the prefix
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runDir = process.env.WARDEN_S3_RUN_DIR ?? join(process.env.WARDEN_RUN_DIR ?? join(root, '.warden', 'run'), 's3');
const statePath = join(runDir, 'state.json');
const [command, prefix] = process.argv.slice(2);
if (!['env', 'count', 'empty'].includes(command) || !/^[\w-]+$/.test(prefix ?? '')) {
  console.error('usage: node s3-store.mjs env|count|empty PREFIX');
  process.exit(2);
}

let state;
try {
  state = JSON.parse(readFileSync(statePath, 'utf8'));
} catch (error) {
  console.error(`no S3 test store state at ${statePath} (${error.code ?? error.message}): start it with \`bash tools/services.sh up s3\``);
  process.exit(1);
}

if (command === 'env') {
  const settings = {
    BACKEND: 's3',
    S3__BUCKET: state.bucket,
    S3__PREFIX: prefix,
    S3__REGION: state.region,
    S3__ENDPOINT: state.endpoint,
    S3__PATH_STYLE: 'true',
    S3__ACCESS_KEY: state.access_key,
    S3__SECRET_KEY: state.secret_key,
  };
  for (const [name, value] of Object.entries(settings)) console.log(`CLEARML__FILESERVER__STORAGE__${name}=${value}`);
  process.exit(0);
}

const client = new S3Client({
  region: state.region,
  endpoint: state.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: state.access_key, secretAccessKey: state.secret_key },
});
const list = async () => (await client.send(new ListObjectsV2Command({ Bucket: state.bucket, Prefix: `${prefix}/` }))).Contents ?? [];
try {
  if (command === 'count') {
    let count = 0;
    let token;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: state.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      count += page.KeyCount ?? 0;
      token = page.NextContinuationToken;
    } while (token);
    console.log(count);
  } else {
    // One listing page (up to 1000 keys) per batch delete, until nothing is left.
    for (let page = await list(); page.length > 0; page = await list()) {
      await client.send(new DeleteObjectsCommand({ Bucket: state.bucket, Delete: { Objects: page.map((o) => ({ Key: o.Key })), Quiet: true } }));
    }
  }
} catch (error) {
  console.error(`S3 test store ${state.endpoint}: ${error.name}: ${error.message}`);
  process.exit(1);
} finally {
  client.destroy();
}
