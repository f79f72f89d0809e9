import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClearml } from '@warden/sdk/testing';
import type { CliIo } from './cli-io';
import { runCli } from './run-cli';

let fake: FakeClearml;
let home: string;

beforeEach(async () => {
  fake = await new FakeClearml().start();
  home = mkdtempSync(join(tmpdir(), 'warden-cli-'));
});
afterEach(() => fake.stop());

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CLEARML_API_HOST: fake.apiHost,
    CLEARML_FILES_HOST: fake.filesHost,
    CLEARML_API_ACCESS_KEY: fake.accessKey,
    CLEARML_API_SECRET_KEY: fake.secretKey,
    ...overrides,
  };
}

async function run(argv: string[], environment: Record<string, string> = env(), tty = false) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: environment,
    homeDir: home,
    cwd: home,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { isTTY: tty, columns: 80, write: (text: string) => (stderr += text) },
    retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20, jitter: 0 },
  };
  const code = await runCli(argv, io);
  // Whatever happened, neither the secret nor any token reached the user's terminal.
  for (const secret of [fake.secretKey, ...fake.tokens]) {
    expect(stdout).not.toContain(secret);
    expect(stderr).not.toContain(secret);
  }
  return { code, stdout, stderr };
}

describe('warden usage', () => {
  it('prints help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('upload <file|dir> [remote-prefix]');
  });

  it.each([[[]], [['frobnicate']], [['upload']], [['login', 'extra']], [['list', '--bogus']], [['delete']]])('exits 2 on %j', async (argv) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^warden: .+\nrun "warden --help" for usage\n$/);
  });
});

describe('warden login', () => {
  it('shows who the credentials belong to', async () => {
    const result = await run(['login']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`logged in to ${fake.apiHost} as Ada Lovelace (u-1), role user`);
    expect(result.stdout).toContain('from env:CLEARML_API_ACCESS_KEY');
  });

  it('reads ~/clearml.conf as written by clearml-init', async () => {
    writeFileSync(
      join(home, 'clearml.conf'),
      `api {\n  web_server: http://localhost:8080\n  api_server: ${fake.apiHost}\n  files_server: ${fake.filesHost}\n  credentials {\n    "access_key" = "${fake.accessKey}"\n    "secret_key" = "${fake.secretKey}"\n  }\n}\n`,
    );
    const result = await run(['login'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`from file:${join(home, 'clearml.conf')}`);
  });

  it('says the login was refused and why, in one line', async () => {
    const result = await run(['login'], env({ CLEARML_API_SECRET_KEY: 'a-wrong-secret-of-some-length' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('login refused: invalid credentials (ERR_INVALID_CREDENTIALS)\n');
    expect(result.stderr).not.toContain('a-wrong-secret-of-some-length');
  });

  it('names the missing settings', async () => {
    const result = await run(['login'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^missing client settings: CLEARML_API_HOST or api\.api_server; .*\n$/);
  });
});

describe('warden upload, list, download, delete', () => {
  it('round-trips a file and keeps the ledger in step', async () => {
    writeFileSync(join(home, 'model.bin'), 'weights');
    const ledger = join(home, 'ledger.json');

    const upload = await run(['upload', 'model.bin', 'proj/task.1/artifacts', '--ledger', ledger, '-q']);
    expect(upload).toMatchObject({ code: 0, stdout: 'uploaded proj/task.1/artifacts/model.bin (7 B)\n', stderr: '' });
    expect(readFileSync(fake.storedPath('proj/task.1/artifacts/model.bin'), 'utf8')).toBe('weights');

    const list = await run(['list', '--ledger', ledger]);
    expect(list.stdout).toMatch(new RegExp(`^\\S+Z +7 B  ${fake.filesHost}/proj/task\\.1/artifacts/model\\.bin\\n$`));

    const download = await run(['download', 'proj/task.1/artifacts/model.bin', 'copy.bin', '-q']);
    expect(download.code).toBe(0);
    expect(readFileSync(join(home, 'copy.bin'), 'utf8')).toBe('weights');

    const removed = await run(['delete', 'proj/task.1/artifacts/model.bin', '--ledger', ledger]);
    expect(removed.code).toBe(0);
    expect((await run(['list', '--ledger', ledger])).stdout).toBe(`no uploads recorded in ${ledger}\n`);
  });

  it('uploads a folder under its own name and prints plain progress when not a TTY', async () => {
    mkdirSync(join(home, 'run', 'sub'), { recursive: true });
    writeFileSync(join(home, 'run', 'a.txt'), 'A');
    writeFileSync(join(home, 'run', 'sub', 'b.txt'), 'BB');
    const result = await run(['upload', 'run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('uploaded run/a.txt (1 B)\nuploaded run/sub/b.txt (2 B)\n');
    expect(result.stderr).toMatch(/run: 100% 3 B\/3 B/);
    expect(result.stderr).not.toContain('\r');
    const ledger = JSON.parse(readFileSync(join(home, '.warden', 'uploads.json'), 'utf8'));
    expect(ledger.uploads.map((entry: { remotePath: string }) => entry.remotePath)).toEqual(['run/a.txt', 'run/sub/b.txt']);
  });

  it('reports an unreachable fileserver with the retries spent', async () => {
    const port = await closedPort();
    writeFileSync(join(home, 'f.bin'), 'x');
    const result = await run(['upload', 'f.bin', '-q'], env({ CLEARML_FILES_HOST: `http://127.0.0.1:${port}` }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^fileserver unreachable at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): retried 2 times over \\d+ s\\n$`));
  });

  it('starts each retry notice on a line of its own below the progress bar', async () => {
    const port = await closedPort();
    writeFileSync(join(home, 'f.bin'), 'x');
    const result = await run(['upload', 'f.bin'], env({ CLEARML_FILES_HOST: `http://127.0.0.1:${port}` }), true);
    expect(result.code).toBe(1);
    const notices = result.stderr.split('\n').filter((line) => line.includes('unreachable'));
    expect(notices).toHaveLength(3);
    expect(notices.slice(0, 2).every((line) => /^fileserver unreachable .*; retry \d in [\d.]+ s$/.test(line))).toBe(true);
  });

  it('reports a missing remote object with the server code', async () => {
    const result = await run(['download', 'nope/missing.bin', '-q']);
    expect(result).toMatchObject({ code: 1, stderr: 'fileserver answered 404: not found (ERR_NOT_FOUND)\n' });
  });

  it('reports a missing local file', async () => {
    const result = await run(['upload', 'absent.bin']);
    expect(result).toMatchObject({ code: 1, stderr: 'no such file or folder: absent.bin\n' });
  });
});

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
