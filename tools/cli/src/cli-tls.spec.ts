import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClearml } from '@warden/sdk/testing';
import { TestPki, type Issued } from '@warden/tls/testing';
import type { CliIo } from './cli-io';
import { runCli } from './run-cli';

// The fake API and fileserver over https with a private CA's certificate for warden.internal only,
// reached at 127.0.0.1: what a user meets with a self-hosted server and no CA file.
let pki: TestPki;
let fake: FakeClearml;
let home: string;
let leaf: Issued;

const chainOf = (issued: Issued) => issued.cert + pki.intermediate.cert + pki.root.cert;
const fingerprintOf = (issued: Issued) => new X509Certificate(issued.cert).fingerprint256;
const trustFile = () => join(home, '.warden', 'trusted-certificates.json');

beforeAll(() => {
  pki = new TestPki();
  leaf = pki.leaf('cli-server', { dns: ['warden.internal'] });
});
afterAll(() => pki.cleanup());
beforeEach(async () => {
  fake = await new FakeClearml({ tls: { cert: chainOf(leaf), key: leaf.key } }).start();
  home = mkdtempSync(join(tmpdir(), 'warden-cli-tls-'));
});
afterEach(() => fake.stop());

async function run(argv: string[], extra: Partial<CliIo> = {}, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: {
      CLEARML_API_HOST: fake.apiHost,
      CLEARML_FILES_HOST: fake.filesHost,
      CLEARML_API_ACCESS_KEY: fake.accessKey,
      CLEARML_API_SECRET_KEY: fake.secretKey,
      ...env,
    },
    homeDir: home,
    cwd: home,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { isTTY: false, columns: 80, write: (text: string) => (stderr += text) },
    retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    ...extra,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('warden CLI: trust on first use', () => {
  it('stops the first connection with the fingerprint, stores a confirmation, is silent after, and refuses a swapped certificate', async () => {
    const fingerprint = fingerprintOf(leaf);
    const first = await run(['login']);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`api server at ${fake.apiHost} presents a certificate no trusted CA signed (CN=warden.internal)`);
    expect(first.stderr).toContain(`SHA-256 fingerprint: ${fingerprint}`);
    expect(first.stderr).toContain(`--trust-fingerprint ${fingerprint}`);
    expect(fake.logins).toBe(0);
    expect(existsSync(trustFile())).toBe(false);

    const wrong = await run(['login', '--trust-fingerprint', 'AB'.repeat(32)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`not trusted: ${fake.apiHost} presents ${fingerprint}, not the fingerprint given`);
    expect(existsSync(trustFile())).toBe(false);

    // Any spelling of the fingerprint: lower case, no colons.
    const confirmed = await run(['login', '--trust-fingerprint', fingerprint.replace(/:/g, '').toLowerCase()]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stderr).toContain(`trusted ${fake.apiHost}: SHA-256 ${fingerprint}, stored in ${trustFile()}`);
    expect(confirmed.stdout).toContain(`logged in to ${fake.apiHost}`);
    expect(statSync(trustFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(trustFile(), 'utf8')).hosts[fake.apiHost].sha256).toBe(fingerprint);

    const again = await run(['login']);
    expect(again).toMatchObject({ code: 0, stderr: '' });

    // The fileserver is another origin: confirmed at the terminal's prompt this time.
    writeFileSync(join(home, 'model.bin'), 'weights');
    const questions: string[] = [];
    const upload = await run(['upload', 'model.bin', 'tls', '-q'], { confirm: async (question) => (questions.push(question), true) });
    expect(upload.code).toBe(0);
    expect(questions).toEqual([`Trust this certificate for ${fake.filesHost} from now on? [y/N] `]);
    expect(readFileSync(fake.storedPath('tls/model.bin'), 'utf8')).toBe('weights');

    // Another certificate from the same CA: valid, but not the one confirmed.
    const swapped = pki.leaf('cli-swapped', { dns: ['warden.internal'] });
    fake.setCertificate(chainOf(swapped), swapped.key);
    const logins = fake.logins;
    const refused = await run(['login'], { confirm: async () => false });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`presents a certificate OTHER than the one you confirmed: refusing to connect`);
    expect(refused.stderr).toContain(`confirmed SHA-256: ${fingerprint}`);
    expect(refused.stderr).toContain(`presented SHA-256: ${fingerprintOf(swapped)}`);
    expect(fake.logins).toBe(logins);

    // A certificate of another CA altogether: refused the same way.
    const stranger = new TestPki('Stranger');
    try {
      const foreign = stranger.leaf('foreign', { dns: ['warden.internal'] });
      fake.setCertificate(foreign.cert + stranger.intermediate.cert + stranger.root.cert, foreign.key);
      const foreignRefused = await run(['login']);
      expect(foreignRefused.code).toBe(1);
      expect(foreignRefused.stderr).toContain(`presented SHA-256: ${fingerprintOf(foreign)}`);
    } finally {
      stranger.cleanup();
    }
  });

  it('never asks or stores without a terminal and without --trust-fingerprint', async () => {
    const result = await run(['login']);
    expect(result.code).toBe(1);
    expect(existsSync(trustFile())).toBe(false);
  });
});

describe('warden CLI: --ca-file, --cert-name, --skip-verify', () => {
  it('trusts a private CA, and needs the certificate name when connecting by IP address', async () => {
    const byIp = await run(['login', '--ca-file', pki.root.certFile]);
    expect(byIp.code).toBe(1);
    expect(byIp.stderr).toContain('certificate not accepted (ERR_TLS_CERT_ALTNAME_INVALID): set the name the certificate carries with --cert-name');
    const named = await run(['login', '--ca-file', pki.root.certFile, '--cert-name', 'warden.internal']);
    expect(named.code).toBe(0);
    expect(existsSync(trustFile())).toBe(false);
  });

  it('takes the same settings from the environment', async () => {
    const result = await run(['login'], {}, { WARDEN_CA_FILE: pki.root.certFile, WARDEN_CERT_NAME: 'warden.internal' });
    expect(result.code).toBe(0);
  });

  it('skips verification only when asked, and says so', async () => {
    const result = await run(['login', '--skip-verify']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: TLS certificates are not verified');
  });

  it('names an unreadable CA file', async () => {
    const result = await run(['login', '--ca-file', join(home, 'missing.pem')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`CA file ${join(home, 'missing.pem')} cannot be read (ENOENT)`);
  });

  it('refuses a malformed fingerprint as a usage error', async () => {
    expect((await run(['login', '--trust-fingerprint', 'abc'])).code).toBe(2);
  });
});
