import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Agent } from 'node:https';
import { ConfigError } from '@warden/config';
import { trustOptions } from '@warden/tls';
import { formatReport, summarise, type CheckResult, type Finding } from './checks';
import { composeFacts, DoctorInputError } from './compose-facts';
import { appFindings, type Facts } from './facts';
import { manifestFacts } from './manifest-facts';
import { probeFindings, type DoctorUrls } from './probes';

export const DOCTOR_USAGE = `usage: doctor [--api-url URL] [--web-url URL] [--files-url URL] [--compose FILE] [--manifest FILE]
              [--ca-file PEM] [--cert-name NAME]
  Checks a deployment against the hardening checklist: backing services not exposed, secrets set and
  neither default nor short, web login on and free access off, fileserver authentication on, TLS on
  every non-loopback address, CORS closed, no skip_verify, production mode. Prints PASS, FAIL (with
  the fix) or SKIP per item; exits 1 when an item fails, 2 on wrong arguments.
  --compose FILE   the resolved compose project: docker compose -f docker-compose.yml config > FILE
  --manifest FILE  a rendered manifest: helm template warden deploy/helm/warden -f values.yaml > FILE
  The URLs are probed from here; an app's own verb (node dist/apps/<app>/main.js doctor) adds its
  running config.`;

/** What the command reads besides its arguments: the running config, for an app's own verb. */
export interface DoctorContext {
  print: (text: string) => void;
  /** The app's resolved configuration, and the backing-service ports it names. */
  running?: { facts: Facts; backendPorts: number[] };
  readFile?: (path: string) => string;
}

export interface DoctorRun {
  results: CheckResult[];
  report: string;
  exitCode: number;
}

/** Runs the checks the arguments ask for; the report never holds a secret's value. */
export async function runDoctor(args: readonly string[], context: Omit<DoctorContext, 'print'>): Promise<DoctorRun> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      'api-url': { type: 'string' },
      'web-url': { type: 'string' },
      'files-url': { type: 'string' },
      compose: { type: 'string' },
      manifest: { type: 'string' },
      'ca-file': { type: 'string' },
      'cert-name': { type: 'string' },
    },
  });
  const read = (path: string) => {
    try {
      return (context.readFile ?? ((file: string) => readFileSync(file, 'utf8')))(path);
    } catch (error) {
      throw new DoctorInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const facts: Facts[] = [
    ...(values.compose ? [composeFacts(read(values.compose), `compose project ${values.compose}`)] : []),
    ...(values.manifest ? [manifestFacts(read(values.manifest), `manifest ${values.manifest}`)] : []),
    ...(context.running ? [context.running.facts] : []),
  ];
  const urls: DoctorUrls = { api: trimUrl(values['api-url']), web: trimUrl(values['web-url']), files: trimUrl(values['files-url']) };
  const probing = Object.values(urls).some(Boolean);
  if (facts.length === 0 && !probing) throw new DoctorInputError('nothing to check: give URLs, --compose or --manifest');
  const findings: Finding[] = facts.flatMap((f) => [...f.findings, ...f.apps.flatMap(appFindings)]);
  // An app's own verb runs where the app runs: its machine's ports are worth trying even without URLs.
  if (probing || context.running) {
    const agent = new Agent(trustOptions({ caFile: values['ca-file'] ?? null, certName: values['cert-name'] ?? null, skipVerify: false }));
    findings.push(...(await probeFindings({ urls, agent, backendPorts: context.running?.backendPorts ?? [] })));
  }
  const inputs = [...facts.map((f) => f.input), ...Object.entries(urls).flatMap(([name, url]) => (url ? [`${name} ${url}`] : []))];
  const results = summarise(findings);
  return { results, report: formatReport(results, inputs), exitCode: results.some((r) => r.status === 'fail') ? 1 : 0 };
}

/** The verb: prints the report (or what is wrong with the arguments); returns the exit code. */
export async function runDoctorCommand(args: readonly string[], context: DoctorContext): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    context.print(DOCTOR_USAGE);
    return 0;
  }
  try {
    const run = await runDoctor(args, context);
    context.print(run.report);
    return run.exitCode;
  } catch (error) {
    // Wrong arguments, an unreadable input, a CA file that is not one: what to fix is in the message.
    const usage = error instanceof DoctorInputError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage) throw error;
    context.print(`doctor: ${(error as Error).message}\n${DOCTOR_USAGE}`);
    return 2;
  }
}

function trimUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).href.replace(/\/$/, '');
  } catch {
    throw new DoctorInputError(`${url} is not a URL`);
  }
}
