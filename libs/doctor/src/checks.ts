/** The hardening checklist, item by item: what each check looks at and how to fix a failure. */
export const CHECKS = {
  'production-mode': {
    title: 'production mode',
    fix: 'run every app with NODE_ENV=production: only then does it refuse missing, default or short secrets, free access and cleartext calls to other hosts',
  },
  'backing-services': {
    title: 'backing services not exposed',
    fix: 'publish no port of MongoDB, Elasticsearch or Redis: in compose no `ports:` on them and only an `internal: true` network; in Kubernetes ClusterIP Services, no hostPort, a NetworkPolicy admitting only Warden; on hosts a firewall',
  },
  secrets: {
    title: 'secrets set, not default, long enough',
    fix: 'generate new values (npm run secrets -- generate --format compose|env, or node dist/apps/auth-gateway/main.js secrets generate) and keep them in the .env file or a Kubernetes Secret (secretKeyRef), never written into a manifest',
  },
  'web-login': {
    title: 'web login on, free access off',
    fix: 'turn free access off (CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS=false) and sign in with local users, fixed users or single sign-on',
  },
  'fileserver-auth': {
    title: 'fileserver authentication on',
    fix: 'turn fileserver authentication on (CLEARML__FILESERVER__AUTH__ENABLED=true, the default) with fileserver.auth.jwks_url pointing at the gateway',
  },
  tls: {
    title: 'TLS on every non-loopback address',
    fix: 'serve https: <service>.tls.cert and .key (compose: add docker-compose.tls.yml; Helm: internalTls.secretName and ingress.tlsSecretName), or listen on loopback behind a TLS-terminating proxy',
  },
  cors: {
    title: 'CORS closed',
    fix: "list only the console's own https origins in auth_gateway.cors.allowed_origins (empty, i.e. closed, by default)",
  },
  'skip-verify': {
    title: 'certificates verified (no skip_verify)',
    fix: 'remove <service>.tls.skip_verify; trust a private CA with <service>.tls.ca_file and name the expected certificate with <service>.tls.cert_name',
  },
} as const;

export type CheckId = keyof typeof CHECKS;

export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

/** One observation: an item passes or fails at one place (a compose service, a URL, a setting). */
export interface Finding {
  check: CheckId;
  ok: boolean;
  /** What was seen and where; never a secret's value. */
  detail: string;
}

export type Status = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  check: CheckId;
  status: Status;
  findings: Finding[];
}

/** Fails an item on any failing finding, passes it on passing ones, skips it when no input covered it. */
export function summarise(findings: readonly Finding[]): CheckResult[] {
  return CHECK_IDS.map((check) => {
    const mine = findings.filter((f) => f.check === check);
    const status: Status = mine.length === 0 ? 'skip' : mine.some((f) => !f.ok) ? 'fail' : 'pass';
    return { check, status, findings: mine };
  });
}

/** The report: one line per item, the failing observations and the fix under a failed one. */
export function formatReport(results: readonly CheckResult[], inputs: readonly string[]): string {
  const lines = [`warden doctor: ${inputs.join('; ')}`];
  for (const { check, status, findings } of results) {
    const { title, fix } = CHECKS[check];
    const head = `${status.toUpperCase().padEnd(4)}  ${title}`;
    if (status === 'skip') lines.push(`${head}: not covered by the inputs given`);
    // A pass names what it looked at once; a failure lists every place that failed, then the fix.
    if (status === 'pass') lines.push(`${head}: ${findings[0].detail}${findings.length > 1 ? ` (and ${findings.length - 1} more)` : ''}`);
    if (status === 'fail') lines.push(head, ...findings.filter((f) => !f.ok).map((f) => `      ✗ ${f.detail}`), `      fix: ${fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(failed ? `${failed} of ${results.length} items failed` : `no item failed (${results.filter((r) => r.status === 'skip').length} not covered)`);
  return lines.join('\n');
}
