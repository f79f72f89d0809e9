import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { CapturedLogs, startInIsolation } from '@warden/http/testing';
import { TestPki, type Issued } from '@warden/tls/testing';
import { DEFAULT_COMPANY, fileserverService } from './fileserver-service';

const RELOAD_CHECK_SEC = 0.1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fingerprint a new connection sees. */
function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'warden.internal', ca }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function waitForFingerprint(port: number, ca: string, wanted: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await servedFingerprint(port, ca)) !== wanted) {
    if (Date.now() > deadline) throw new Error(`the server never served ${wanted}`);
    await sleep(50);
  }
}

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

const fingerprintOf = (issued: Issued) => new X509Certificate(issued.cert).fingerprint256;

describe('fileserver over TLS: renewed certificates without a restart', () => {
  let pki: TestPki;
  let running: Exclude<Awaited<ReturnType<typeof startInIsolation>>['result'], { exitCode: number }>;
  let logs: CapturedLogs;
  let live: string;
  let archive: string;
  const content = randomBytes(48 * 1024 * 1024);

  /** certbot's layout: live/ holds symlinks into archive/, flipped to the new files on renewal. */
  function publish(generation: number, leaf: Issued): void {
    writeFileSync(join(archive, `fullchain${generation}.pem`), leaf.cert + pki.intermediate.cert + pki.root.cert);
    writeFileSync(join(archive, `privkey${generation}.pem`), leaf.key);
    for (const [name, target] of [
      ['fullchain.pem', `fullchain${generation}.pem`],
      ['privkey.pem', `privkey${generation}.pem`],
    ]) {
      const temp = join(live, `.${name}.new`);
      symlinkSync(join('..', 'archive', target), temp);
      renameSync(temp, join(live, name));
    }
  }

  beforeAll(async () => {
    pki = new TestPki();
    const root = mkdtempSync(join(tmpdir(), 'warden-fileserver-tls-'));
    live = join(root, 'live');
    archive = join(root, 'archive');
    mkdirSync(live);
    mkdirSync(archive);
    mkdirSync(join(root, 'files', DEFAULT_COMPANY), { recursive: true });
    writeFileSync(join(root, 'files', DEFAULT_COMPANY, 'big.bin'), content);
    publish(1, pki.leaf('first', { dns: ['warden.internal'] }));
    logs = new CapturedLogs();
    const { result, errors } = await startInIsolation(
      fileserverService,
      {
        CLEARML__FILESERVER__AUTH__ENABLED: 'false',
        CLEARML__FILESERVER__STORAGE__PATH: join(root, 'files'),
        CLEARML__FILESERVER__LISTEN_PORT: '0',
        CLEARML__FILESERVER__METRICS__LISTEN_PORT: '0',
        CLEARML__FILESERVER__TLS__CERT: join(live, 'fullchain.pem'),
        CLEARML__FILESERVER__TLS__KEY: join(live, 'privkey.pem'),
        CLEARML__FILESERVER__TLS__RELOAD_CHECK_SEC: String(RELOAD_CHECK_SEC),
        CLEARML_REDIS_SERVICE_PORT: '1',
      },
      { destination: logs },
    );
    if ('exitCode' in result) throw new Error(errors);
    running = result;
  });
  afterAll(async () => {
    await running.shutdown('test');
    pki.cleanup();
  });

  it('keeps a download running across a renewal; new connections get the new certificate; a bad pair is refused', async () => {
    const first = await servedFingerprint(running.port, pki.root.cert);

    // A download that has started and is held mid-stream while the pair changes under it.
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      httpsRequest({ host: '127.0.0.1', port: running.port, path: '/big.bin', servername: 'warden.internal', ca: pki.root.cert, agent: false }, resolve)
        .on('error', reject)
        .end();
    });
    expect(response.statusCode).toBe(200);
    const downloadSocket = response.socket as TLSSocket;
    const hash = createHash('sha256');
    let received = 0;
    response.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
    });
    await once(response, 'data');
    response.pause();
    expect(received).toBeLessThan(content.length);

    // Renewal, certbot style: new files in archive/, live/ symlinks flipped.
    const second = pki.leaf('second', { dns: ['warden.internal'] });
    publish(2, second);
    await waitForFingerprint(running.port, pki.root.cert, fingerprintOf(second));
    expect(fingerprintOf(second)).not.toBe(first);

    // A mismatched pair (a key from another certificate), written in place: refused, the renewed one stays.
    const stray = pki.leaf('stray', { dns: ['warden.internal'] });
    writeFileSync(join(archive, 'privkey2.pem'), stray.key);
    await sleep(RELOAD_CHECK_SEC * 1000 * 5);
    expect(await servedFingerprint(running.port, pki.root.cert)).toBe(fingerprintOf(second));
    expect(logs.text).toMatch(
      /"level":50.*fileserver\.tls: the key in .* does not match the certificate.*renewed TLS certificate refused: still serving the previous one/,
    );
    expect(logs.text).not.toContain('PRIVATE KEY');
    const metricsPort = (running.metrics!.address() as AddressInfo).port;
    expect(await metrics(metricsPort)).toMatch(/warden_tls_reloads_total\{result="refused",service="fileserver"\} 1/);

    // Fixed in place: picked up again.
    writeFileSync(join(archive, 'privkey2.pem'), second.key);
    const third = pki.leaf('third', { dns: ['warden.internal'], toDays: 200 });
    writeFileSync(join(archive, 'fullchain2.pem'), third.cert + pki.intermediate.cert + pki.root.cert);
    writeFileSync(join(archive, 'privkey2.pem'), third.key);
    await waitForFingerprint(running.port, pki.root.cert, fingerprintOf(third));
    const expiry = Number(/warden_tls_certificate_expiry_timestamp_seconds\{service="fileserver"\} (\d+)/.exec(await metrics(metricsPort))?.[1]);
    expect(Math.abs(expiry * 1000 - Date.parse(new X509Certificate(third.cert).validTo))).toBeLessThan(1000);

    // The held download finishes, whole, on the connection it began on, with the first certificate.
    response.resume();
    await once(response, 'end');
    expect(received).toBe(content.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    expect(downloadSocket.getPeerCertificate().fingerprint256).toBe(first);
  }, 30_000);
});
