import type { RequestHandler } from 'express';

export const CSP_REPORT_PATH = '/console/csp-report';

/**
 * The console's Content-Security-Policy: nothing inline, nothing from another origin. The report
 * endpoint (report-uri; report-to needs a Reporting-Endpoints header and is not sent by every
 * browser for every violation) lets an operator and the browser tests see any violation.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  `form-action 'self'; base-uri 'none'; frame-ancestors 'none'; report-uri ${CSP_REPORT_PATH}`;

/** On every console response, pages and assets alike (replacing helmet's default policy). */
export const consoleHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

/** Pages hold personal data (and once, a secret): never stored by a browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

/**
 * What every page of the gateway's web origin carries, the console's own and the single sign-on
 * routes' (libs/sso) alike: the console's CSP and frame headers, and no caching.
 */
export const webPageHeaders: readonly RequestHandler[] = [consoleHeaders, noStore];
