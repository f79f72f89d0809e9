// The harness checks itself: a run that reports no CSP violation, dialog or missing header means
// something only if the harness does see them when they happen. Served by a throw-away local server.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportedViolations } from './console';
import { chromiumPath, screenshotDir, stack } from './env';
import { BrowserRun, CONSOLE_POLICY, policyGaps, waitFor } from './harness';

const STRICT = "default-src 'none'; script-src 'self'; style-src 'self'";
const PAGES: Record<string, { csp?: string; body: string }> = {
  '/inline': { csp: STRICT, body: '<p>strict</p><script>document.title = "ran"</script><div style="color: red">styled</div>' },
  '/alert': { body: '<p>open</p><script>alert("injected")</script>' },
  '/plain': { csp: STRICT, body: '<p id="plain">plain</p>' },
  '/error': { csp: STRICT, body: '<p>error</p><script src="/error.js"></script>' },
  '/error.js': { csp: STRICT, body: 'throw new Error("boom from the page")' },
};

let server: Server;
let origin: string;
let run: BrowserRun;

beforeAll(async () => {
  server = createServer((req, res) => {
    const page = PAGES[req.url ?? ''];
    if (req.url === '/favicon.ico') return void res.writeHead(204).end();
    if (!page) return void res.writeHead(404).end();
    const type = req.url?.endsWith('.js') ? 'text/javascript' : 'text/html';
    res.writeHead(200, { 'content-type': type, ...(page.csp ? { 'content-security-policy': page.csp } : {}) }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  run = await BrowserRun.start({ executablePath: chromiumPath(), origin, screenshotDir: screenshotDir('harness') });
}, 90_000);

afterAll(async () => {
  await run?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test('an inline script and an inline style under the policy are reported as violations, and blocked', async () => {
  const session = await run.session('self-check');
  await session.goto('/inline');
  await waitFor('two CSP violations', () => run.problems.filter((p) => p.kind === 'csp-violation').length >= 2);
  expect(await session.page.title()).not.toBe('ran');
  const violations = run.take('csp-violation', /./);
  expect(violations.map((v) => v.text).join('\n')).toMatch(/script-src/);
  expect(violations.map((v) => v.text).join('\n')).toMatch(/style-src/);
  run.take('console', /Content Security Policy/);
  await session.close();
}, 60_000);

test('a dialog is recorded (and dismissed), and an answer without the CSP header is reported', async () => {
  const session = await run.session('self-check');
  await session.goto('/alert');
  expect(run.take('dialog', /injected/)).toHaveLength(1);
  expect(run.take('csp-header', /without Content-Security-Policy/).map((p) => p.url)).toEqual([`${origin}/alert`]);
  await session.close();
}, 60_000);

test('an uncaught page error is recorded; a clean page leaves nothing and a screenshot', async () => {
  const session = await run.session('self-check');
  await session.goto('/error');
  await waitFor('the page error', () => run.problems.some((p) => p.kind === 'pageerror'));
  expect(run.take('pageerror', /boom from the page/)).toHaveLength(1);
  await session.goto('/plain');
  const shot = await session.shot('plain');
  expect(shot && existsSync(shot)).toBe(true);
  expect(run.problems).toEqual([]);
  await session.close();
}, 60_000);

test('a policy missing or widening a required directive is named', () => {
  expect(policyGaps(STRICT, { 'default-src': "'none'", 'script-src': "'self'" })).toEqual([]);
  expect(policyGaps("default-src 'none'; script-src 'self' 'unsafe-inline'", CONSOLE_POLICY)).toEqual(
    expect.arrayContaining([`script-src is "'self' 'unsafe-inline'", not "'self'"`, `frame-ancestors is missing, not "'none'"`]),
  );
});

test("a violation on a console page reaches the gateway's CSP report counter", async () => {
  const gateway = stack();
  const before = await reportedViolations(gateway);
  const probe = await BrowserRun.start({ executablePath: chromiumPath(), origin: gateway.gateway, screenshotDir: screenshotDir('harness') });
  try {
    const session = await probe.session('self-check');
    await session.goto('/login');
    // An image from another origin: img-src 'self' refuses it and the browser reports to the gateway.
    await session.page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'http://203.0.113.1/probe.png';
      document.body.append(img);
    });
    await waitFor('the violation in the page', () => probe.take('csp-violation', /img-src/).length > 0);
    await waitFor('the gateway to count the report', async () => (await reportedViolations(gateway)) > before, 15_000);
  } finally {
    await probe.close();
  }
}, 60_000);
