import { CONSOLE_CSP } from './headers';

describe('console CSP', () => {
  it('is the shared contract: nothing inline, nothing from another origin, no framing, plus the report endpoint', () => {
    const directives = Object.fromEntries(
      CONSOLE_CSP.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values.join(' ')]),
    );
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self'",
      'connect-src': "'self'",
      'form-action': "'self'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'report-uri': '/console/csp-report',
    });
  });
});
