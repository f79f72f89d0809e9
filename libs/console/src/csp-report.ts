import express, { Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { CSP_REPORT_PATH } from './headers';

const MAX_REPORT_BYTES = 16 * 1024;
// A page with a broken policy reports each violation; this bounds one client, not the pages.
const REPORTS_PER_MINUTE = 60;
const DIRECTIVES = new Set([
  'default-src',
  'script-src',
  'script-src-elem',
  'script-src-attr',
  'style-src',
  'style-src-elem',
  'style-src-attr',
  'img-src',
  'connect-src',
  'form-action',
  'base-uri',
  'frame-ancestors',
  'font-src',
  'frame-src',
  'object-src',
  'media-src',
  'worker-src',
  'manifest-src',
]);

interface Violation {
  directive: string;
  blocked: string;
  page: string;
}

// Origins and paths only: a blocked URL's query or a page's query may hold a token.
function withoutQuery(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) return '';
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}`.slice(0, 200) : url.protocol;
  } catch {
    return value.replace(/[?#].*$/s, '').slice(0, 40);
  }
}

function violationsOf(body: unknown): Violation[] {
  const one = (r: Record<string, unknown>): Violation => {
    const raw = String(r['effective-directive'] ?? r['effectiveDirective'] ?? r['violated-directive'] ?? '').split(' ')[0];
    return {
      directive: DIRECTIVES.has(raw) ? raw : 'other',
      blocked: withoutQuery(r['blocked-uri'] ?? r['blockedURL']),
      page: withoutQuery(r['document-uri'] ?? r['documentURL']),
    };
  };
  // report-uri sends {"csp-report": {...}}; the Reporting API sends [{type, body}, ...].
  if (Array.isArray(body)) return body.slice(0, 20).flatMap((r) => (r && typeof r === 'object' && r.body ? [one(r.body as Record<string, unknown>)] : []));
  const report = (body as Record<string, unknown> | undefined)?.['csp-report'];
  return report && typeof report === 'object' ? [one(report as Record<string, unknown>)] : [];
}

/** Where browsers report CSP violations: counted per directive, logged without queries, rate-limited per client. */
export function cspReportRoutes(options: { logger: Logger; registry?: Registry }): { routes: Router; counter: Counter<'directive'> } {
  const counter = new Counter({
    name: 'warden_console_csp_violations_total',
    help: 'CSP violations browsers reported for console pages, by directive',
    labelNames: ['directive'],
    registers: options.registry ? [options.registry] : [],
  });
  const limiter = new RateLimiterMemory({ points: REPORTS_PER_MINUTE, duration: 60 });
  const routes = Router();
  const parse = express.json({ limit: MAX_REPORT_BYTES, type: ['application/csp-report', 'application/reports+json', 'application/json'] });
  routes.post(
    CSP_REPORT_PATH,
    (req, res, next) => {
      limiter.consume(req.ip ?? '').then(
        () => next(),
        () => res.status(429).end(),
      );
    },
    parse,
    (req, res) => {
      for (const violation of violationsOf(req.body)) {
        counter.inc({ directive: violation.directive });
        options.logger.warn({ event: 'csp.violation', ...violation, client_ip: req.ip }, 'console CSP violation reported');
      }
      res.status(204).end();
    },
  );
  return { routes, counter };
}
