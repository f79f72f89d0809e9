import { WardenError } from '@warden/errors';
import { CSRF_FIELD } from './csrf';
import { CONSOLE_CSP } from './headers';
import { consoleGateway, ConsoleBrowser } from './testing';
import { csrfIn } from './testing/console-browser';

// Integration tier: the gateway in-process with the console, on the real Redis and MongoDB-wire server.
jest.setTimeout(30_000);
const db = `warden_int_console_${process.pid}_${Date.now()}`;
const ADMIN = { username: 'ada', password: 'ada console password 42', name: 'Ada Admin', admin: true };
const USER = { username: 'bob', password: 'bob console password 42', name: 'Bob' };

describe('console: login, home, credentials (real Redis and MongoDB-wire server)', () => {
  const gw = consoleGateway({
    name: 'console',
    db,
    fixedUsers: [ADMIN, USER],
    hosts: { api_host: 'https://api.example.org', files_host: 'https://files.example.org', web_host: 'https://app.example.org' },
  });
  const { app, logs } = gw;
  const secretValues: string[] = [ADMIN.password, USER.password];

  beforeAll(async () => {
    for (let i = 0; i < 100; i += 1) {
      try {
        gw.gateway.parts.assertReady();
        return;
      } catch (error) {
        if (!(error instanceof WardenError)) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => gw.close());

  it('sends / to the login page, then logs in and lands on the console home', async () => {
    const browser = new ConsoleBrowser(app);
    const root = await browser.agent.get('/');
    expect([root.status, root.headers['location']]).toEqual([302, '/login']);
    const login = await browser.login(ADMIN.username, ADMIN.password);
    expect([login.status, login.headers['location']]).toEqual([303, '/console']);
    const home = await browser.agent.get('/console');
    expect(home.status).toBe(200);
    expect(home.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(home.headers['cache-control']).toBe('no-store');
    expect(home.text).toContain('id="whoami-name">Ada Admin<');
    expect(csrfIn(home.text)).toBeTruthy();
    expect(CSRF_FIELD).toBe('_csrf');
  });

  it('keeps no password in the logs', () => {
    for (const value of secretValues) expect(logs.text).not.toContain(value);
  });
});
