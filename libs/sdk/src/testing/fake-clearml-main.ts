import { FakeClearml } from './fake-clearml';

/**
 * The stand-in servers in their own process, so a spec can measure the client's memory alone.
 * Prints one JSON line with the hosts and keys, stops when stdin closes.
 */
async function main(): Promise<void> {
  const fake = await new FakeClearml().start();
  const { apiHost, filesHost, storageDir, accessKey, secretKey } = fake;
  process.stdout.write(`${JSON.stringify({ apiHost, filesHost, storageDir, accessKey, secretKey })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void fake.stop().then(() => process.exit(0)));
}

void main();
