// The committed attack suite (tools/attack/suite.sh; tools/test.sh runs it after the integration
// tier). It starts the production-mode stack on loopback, fires hostile requests class by class,
// prints a table (case, expected, actual, verdict) and fails on any bypass, any unexpected 5xx,
// any other difference from the target behaviour, and any secret or token in the apps' logs.
import { randomBytes } from 'node:crypto';
import { bodyAttacks } from './attacks/bodies';
import { corsAttacks, csrfAttacks } from './attacks/browser';
import { fileAttacks } from './attacks/files';
import { jwtAttacks } from './attacks/jwt';
import { REVOCATION_STALENESS_SEC, lifecycleAttacks } from './attacks/lifecycle';
import { escalation, massAssignment } from './attacks/privilege';
import { IDLE_TIMEOUT_SEC, slowAttacks } from './attacks/slow';
import { PER_CLIENT_LIMIT, sprayAttacks } from './attacks/spray';
import { queueAttacks } from './attacks/queues';
import { tenancyAttacks } from './attacks/tenancy';
import { agentClose, requestsSent } from './http';
import { redacted, scanLogs } from './leaks';
import { Report } from './report';
import { startStack, type Stack } from './stack';
import { OPERATOR_SECRET_VAR } from './tenants';
import { buildWorld, type World } from './world';

// The whole run, set-up and clean-up included, stays well inside this.
const DEADLINE_MS = 240_000;

// In order: the spray runs last because it leaves this client rate limited, and the CSRF cases
// come late because a bypass there would revoke or delete what earlier cases use.
const ATTACKS: [string, (w: World) => Promise<void>][] = [
  ['jwt', jwtAttacks],
  ['cross-tenant', tenancyAttacks],
  ['queues and workers', queueAttacks],
  ['mass assignment', massAssignment],
  ['privilege', escalation],
  ['files', fileAttacks],
  ['bodies', bodyAttacks],
  ['slow', slowAttacks],
  ['cors', corsAttacks],
  ['csrf', csrfAttacks],
  ['lifecycle', lifecycleAttacks],
  ['login spraying', sprayAttacks],
];

const say = (started: number, text: string) => console.log(`[attack ${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${text}`);

async function run(report: Report, started: number, onStack: (stack: Stack) => void, onStop: (stop: () => Promise<void>) => void): Promise<void> {
  const stack = await startStack(
    {
      extraSecrets: { [OPERATOR_SECRET_VAR]: randomBytes(45).toString('base64url') },
      extraEnv: {
        'auth-gateway': { CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_CLIENT__FAILURES: String(PER_CLIENT_LIMIT) },
        apiserver: { CLEARML__APISERVER__AUTH__REVOCATION_MAX_STALENESS_SEC: String(REVOCATION_STALENESS_SEC) },
        fileserver: {
          CLEARML__FILESERVER__IDLE_TIMEOUT_SEC: String(IDLE_TIMEOUT_SEC),
          CLEARML__FILESERVER__AUTH__REVOCATION_MAX_STALENESS_SEC: String(REVOCATION_STALENESS_SEC),
        },
      },
    },
    onStop,
  );
  onStack(stack);
  say(started, `stack up: gateway ${stack.gateway}, apiserver ${stack.api}, fileserver ${stack.files}`);
  const world = await buildWorld(stack, report);
  say(started, `tenants A and B set up (${world.a.foundedBy}), each with a project, task, model, events and a file`);
  for (const [name, attack] of ATTACKS) {
    try {
      await attack(world);
    } catch (error) {
      report.section(name);
      report.effect('the attack class ran to its end', 'completes', `stopped: ${error instanceof Error ? error.message : String(error)}`, false, false);
    }
    say(started, `${name} done (${report.rows.length} cases so far)`);
  }
}

function leakRows(report: Report, stack: Stack): number {
  report.section('logs');
  // A scanner that knows no secret would pass every log: it must find a planted one.
  const planted = scanLogs({ probe: `x ${stack.secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET']} ${stack.signingKeyPem.split('\n')[1]} x` });
  report.effect('the log scanner finds a planted secret and key line (self-check)', '2 findings', `${planted.length} findings`, planted.length === 2, false);
  const findings = scanLogs(stack.logs());
  for (const app of Object.keys(stack.logs())) {
    const own = findings.filter((f) => f.startsWith(`${app} `));
    report.effect(`${app} log holds no secret, password or token`, 'none', own.length ? own.slice(0, 3).join('; ') : 'none', own.length === 0);
  }
  return findings.length;
}

function printLogs(stack: Stack): void {
  for (const [app, text] of Object.entries(stack.logs())) {
    const lines = text.trimEnd().split('\n').slice(-60);
    console.log(`----- ${app}, last ${lines.length} lines (secrets and tokens redacted)`);
    console.log(redacted(lines.join('\n')));
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const report = new Report();
  let stack: Stack | undefined;
  let stopStack: (() => Promise<void>) | undefined;
  const stop = () => (stopStack ? stopStack() : Promise.resolve());
  const abort = (why: string, code: number) => {
    console.error(`attack suite: ${why}; cleaning up`);
    void stop().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  const deadline = setTimeout(() => abort(`not finished within ${DEADLINE_MS / 1000} s`, 1), DEADLINE_MS);

  let setupError: unknown;
  try {
    await run(
      report,
      started,
      (s) => (stack = s),
      (s) => (stopStack = s),
    );
  } catch (error) {
    setupError = error;
  }
  await stop();
  agentClose();
  clearTimeout(deadline);

  const leaks = stack ? leakRows(report, stack) : 0;
  console.log('');
  report.print((line) => console.log(line));
  const passed = report.count('pass');
  const failed = report.rows.length - passed + (setupError ? 1 : 0);
  if (setupError) console.log(`\nattack suite: set-up failed: ${redacted(setupError instanceof Error ? setupError.message : String(setupError))}`);
  if (stack && (report.count('5XX') > 0 || leaks > 0)) printLogs(stack);
  console.log(
    `\nattack suite: ${report.rows.length} cases, ${requestsSent()} requests, ${Math.round((Date.now() - started) / 1000)} s: ` +
      `${report.count('BYPASS')} bypasses, ${report.count('5XX')} unexpected 5xx, ${leaks} leaks, ${report.count('FAIL')} other failures`,
  );
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
