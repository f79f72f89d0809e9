// The browser tier's harness: playwright-core driving the Chromium that tools/browser/chromium.sh
// installed (never a browser of Playwright's own). Every session records what a user would never
// want to see: console errors, uncaught page errors, dialogs (an alert() is how an injected script
// shows itself), CSP violations the page reports (a `securitypolicyviolation` listener installed
// before any page script runs) and gateway answers without the Content-Security-Policy header. It
// saves a screenshot of every page that finishes loading under the run's screenshot folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';

// The flags the project drives Chromium with; launch() adds a new, empty profile folder of its own
// (Playwright refuses --user-data-dir with launch(): it makes a fresh temporary one per browser).
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers give /dev/shm 64 MB, too little for a renderer: Debian's wrapper adds this flag too.
  '--disable-dev-shm-usage',
];

// Bounded waits, generous for a loaded 2-core machine.
export const ACTION_TIMEOUT_MS = 15_000;
export const NAVIGATION_TIMEOUT_MS = 30_000;

export type ProblemKind = 'console' | 'pageerror' | 'dialog' | 'csp-violation' | 'csp-header';

export interface Problem {
  kind: ProblemKind;
  session: string;
  url: string;
  text: string;
}

export interface HarnessOptions {
  executablePath: string;
  /** The gateway's web origin: its answers must carry the CSP header. */
  origin: string;
  screenshotDir: string;
  /** Directives every answer's policy must hold with exactly these sources. */
  requiredPolicy?: Record<string, string>;
}

/** The web console's policy (the issue's contract); a report endpoint may come on top. */
export const CONSOLE_POLICY: Record<string, string> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self'",
  'connect-src': "'self'",
  'form-action': "'self'",
  'base-uri': "'none'",
  'frame-ancestors': "'none'",
};

/** The required directives a policy lacks or widens, as text; empty when it holds them all. */
export function policyGaps(csp: string, required: Record<string, string>): string[] {
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name.toLowerCase(), sources.join(' ')]),
  );
  return Object.entries(required)
    .filter(([name, sources]) => directives.get(name) !== sources)
    .map(([name, sources]) => `${name} is ${directives.has(name) ? `"${directives.get(name)}"` : 'missing'}, not "${sources}"`);
}

const CSP_BINDING = '__wardenCspViolation';
// Runs in every page before its own scripts; the binding is Playwright's, outside the page's CSP.
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  window.${CSP_BINDING}(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
});`;

/** One browser for a spec file; sessions are separate contexts (separate cookies, as two people). */
export class BrowserRun {
  readonly problems: Problem[] = [];
  /** Gateway answers seen, with the CSP header each carried (undefined when absent). */
  readonly answers: { url: string; status: number; csp: string | undefined }[] = [];
  private shots = 0;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    readonly browser: Browser,
    readonly options: HarnessOptions,
  ) {
    mkdirSync(options.screenshotDir, { recursive: true });
  }

  static async start(options: HarnessOptions): Promise<BrowserRun> {
    const browser = await chromium.launch({ executablePath: options.executablePath, args: LAUNCH_ARGS, headless: true, timeout: 60_000 });
    return new BrowserRun(browser, options);
  }

  /** A new browser context: its own cookies. `clipboard` lets the page's copy buttons write to it. */
  async session(name: string, options: { clipboard?: boolean } = {}): Promise<Session> {
    const context = await this.browser.newContext({ baseURL: this.options.origin });
    if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: this.options.origin });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    await context.exposeBinding(CSP_BINDING, ({ page }, text: string) => this.record('csp-violation', name, page.url(), text));
    await context.addInitScript({ content: CSP_LISTENER });
    context.on('response', (response) => this.checkAnswer(name, response));
    const page = await context.newPage();
    this.watch(name, page);
    return new Session(this, name, context, page);
  }

  record(kind: ProblemKind, session: string, url: string, text: string): void {
    this.problems.push({ kind, session, url, text });
  }

  /** Removes and returns the problems matching: for the ones a test provokes on purpose. */
  take(kind: ProblemKind, pattern: RegExp): Problem[] {
    const taken = this.problems.filter((p) => p.kind === kind && pattern.test(p.text));
    for (const p of taken) this.problems.splice(this.problems.indexOf(p), 1);
    return taken;
  }

  async screenshot(page: Page, session: string, label?: string): Promise<string | undefined> {
    if (page.isClosed()) return undefined;
    const path = join(this.options.screenshotDir, `${String(++this.shots).padStart(3, '0')}-${slug(session)}-${slug(label ?? pathOf(page.url()))}.png`);
    try {
      await page.screenshot({ path, fullPage: true, timeout: ACTION_TIMEOUT_MS });
      return path;
    } catch (error) {
      // A page that navigated on or closed meanwhile: its next load gets its own screenshot.
      if (page.isClosed() || /navigat|closed|detached/i.test(String(error))) return undefined;
      throw error;
    }
  }

  /** Waits for the screenshots under way, so that a page is on file before the test moves on. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.browser.close();
  }

  private watch(session: string, page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error') this.record('console', session, page.url(), `${message.text()} [${message.location().url}]`);
    });
    page.on('pageerror', (error) => this.record('pageerror', session, page.url(), error.message));
    page.on('dialog', (dialog) => {
      this.record('dialog', session, page.url(), `${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('load', () => {
      const shot = this.screenshot(page, session).catch((error: unknown) => this.record('pageerror', session, page.url(), `screenshot: ${String(error)}`));
      this.pending.add(shot);
      void shot.finally(() => this.pending.delete(shot));
    });
  }

  private checkAnswer(session: string, response: Response): void {
    if (!response.url().startsWith(`${this.options.origin}/`)) return;
    const csp = response.headers()['content-security-policy'];
    this.answers.push({ url: response.url(), status: response.status(), csp });
    // Redirects included: the console sends its headers on every answer.
    if (!csp) return this.record('csp-header', session, response.url(), `${response.status()} without Content-Security-Policy`);
    const gaps = policyGaps(csp, this.options.requiredPolicy ?? {});
    if (gaps.length > 0) this.record('csp-header', session, response.url(), `a weaker policy: ${gaps.join('; ')}`);
  }
}

export class Session {
  constructor(
    readonly run: BrowserRun,
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Opens a path of the gateway's web origin and answers the response (never null for http). */
  async goto(path: string): Promise<Response> {
    const response = await this.page.goto(path, { waitUntil: 'load' });
    if (!response) throw new Error(`opening ${path} gave no response`);
    await this.run.settled();
    return response;
  }

  path(): string {
    return pathOf(this.page.url());
  }

  shot(label: string): Promise<string | undefined> {
    return this.run.screenshot(this.page, this.name, label);
  }

  async close(): Promise<void> {
    await this.run.settled();
    await this.context.close();
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function slug(text: string): string {
  return (
    text
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'root'
  );
}

/** The problems as lines, for an assertion message that says what went wrong where. */
export function listProblems(problems: Problem[]): string[] {
  return problems.map((p) => `${p.kind} in ${p.session} at ${p.url}: ${p.text}`);
}

/** Polls until `check` answers something truthy and answers it; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = ACTION_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
