import { parseArgs } from 'node:util';
import { SecretScrubber } from '@warden/secrets';
import { defaultLedgerPath } from '@warden/sdk';
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

  const scrubber = new SecretScrubber();
  scrubber.add(io.env.CLEARML_API_SECRET_KEY);
  try {
    await command({ io, args, ledgerPath: values.ledger ?? defaultLedgerPath(io.homeDir), quiet: values.quiet ?? false });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error.message);
    io.stderr.write(`${describeFailure(error, scrubber)}\n`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quiet: { type: 'boolean', short: 'q' },
      ledger: { type: 'string' },
    },
  });
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`warden: ${problem}\nrun "warden --help" for usage\n`);
  return 2;
}
