import { parseArgs } from 'node:util';
import { runDoctorCommand } from '@warden/doctor';
import { SecretScrubber } from '@warden/secrets';
import { TrustStore, defaultLedgerPath, defaultTrustStorePath, isSdkError, normaliseFingerprint, type SdkError } from '@warden/sdk';
import { UsageError, type CliIo, type CommandContext } from './cli-io';
import { deleteCommand } from './commands/delete';
import { downloadCommand } from './commands/download';
import { listCommand } from './commands/list';
import { loginCommand } from './commands/login';
import { uploadCommand } from './commands/upload';
import { describeFailure } from './describe-failure';
import { USAGE } from './usage';

const COMMANDS: Record<string, (context: CommandContext) => Promise<void>> = {
  login: loginCommand,
  upload: uploadCommand,
  download: downloadCommand,
  list: listCommand,
  delete: deleteCommand,
};

/** The whole CLI as a function of its arguments and surroundings; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // An operator's check of a deployment: its own options, no credentials.
  if (argv[0] === 'doctor') return runDoctorCommand(argv.slice(1), { print: (text) => io.stdout.write(`${text}\n`) });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [name, ...args] = positionals;
  if (!name) return usage(io, 'missing command');
  const command = COMMANDS[name];
  if (!command) return usage(io, `unknown command "${name}"`);

  const given = values['trust-fingerprint'];
  const fingerprint = given === undefined ? undefined : normaliseFingerprint(given);
  if (fingerprint === '') return usage(io, '--trust-fingerprint needs a SHA-256 fingerprint: 64 hex digits, colons allowed');
  const scrubber = new SecretScrubber();
  scrubber.add(io.env.CLEARML_API_SECRET_KEY);
  const context: CommandContext = {
    io,
    args,
    ledgerPath: values.ledger ?? defaultLedgerPath(io.homeDir),
    quiet: values.quiet ?? false,
    tls: { caFile: values['ca-file'], certName: values['cert-name'], skipVerify: values['skip-verify'] },
  };
  // Each confirmed server lets the command go one step further (the API host, then the fileserver).
  for (let confirmed = 0; ; confirmed++) {
    try {
      await command(context);
      return 0;
    } catch (error) {
      if (error instanceof UsageError) return usage(io, error.message);
      io.stderr.write(`${describeFailure(error, scrubber)}\n`);
      if (confirmed >= MAX_CONFIRMATIONS || !(await confirmCertificate(io, error, fingerprint))) return 1;
    }
  }
}

const MAX_CONFIRMATIONS = 3;

/**
 * Trust on first use: a certificate no trusted CA signed, or one other than the confirmed one, is
 * stored only when the user confirms its fingerprint, on the command line or at the terminal.
 */
async function confirmCertificate(io: CliIo, error: unknown, fingerprint: string | undefined): Promise<boolean> {
  const certificate = isSdkError(error) && needsConfirmation(error) ? error.certificate : undefined;
  if (!certificate?.anchor) return false;
  if (fingerprint !== undefined && fingerprint !== certificate.sha256) {
    io.stderr.write(`not trusted: ${certificate.origin} presents ${certificate.sha256}, not the fingerprint given (${fingerprint})\n`);
    return false;
  }
  if (fingerprint === undefined && !(await io.confirm?.(`Trust this certificate for ${certificate.origin} from now on? [y/N] `))) return false;
  const store = new TrustStore(defaultTrustStorePath(io.homeDir));
  await store.pin(certificate.origin, {
    sha256: certificate.sha256,
    anchor: certificate.anchor,
    subject: certificate.subject,
    confirmedAt: new Date().toISOString(),
  });
  io.stderr.write(`trusted ${certificate.origin}: SHA-256 ${certificate.sha256}, stored in ${store.path}\n`);
  return true;
}

const needsConfirmation = (error: SdkError) => error.code === 'ERR_UNTRUSTED_CERTIFICATE' || error.code === 'ERR_CERTIFICATE_CHANGED';

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quiet: { type: 'boolean', short: 'q' },
      ledger: { type: 'string' },
      'ca-file': { type: 'string' },
      'cert-name': { type: 'string' },
      'skip-verify': { type: 'boolean' },
      'trust-fingerprint': { type: 'string' },
    },
  });
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`warden: ${problem}\nrun "warden --help" for usage\n`);
  return 2;
}
