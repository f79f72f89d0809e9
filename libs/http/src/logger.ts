import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import type { SecretScrubber } from '@warden/secrets';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level: LevelWithSilent;
  scrubber: SecretScrubber;
  /** Where JSON lines go; stdout when omitted. Tests pass a sink to read them. */
  destination?: DestinationStream;
}

/** Header and field names whose values are credentials wherever they appear in a log object. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-clearml-auth-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.user_secret',
  '*.secret_key',
  '*.access_token',
  '*.id_token',
];

/**
 * pino JSON logs with two defences: known credential fields are redacted by path, and every
 * serialized line passes through the secret scrubber, so a secret that reaches a message or an
 * error by another route is still replaced before it is written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? pino.destination({ fd: 1, sync: false });
  const scrubbed: DestinationStream = { write: (line: string) => target.write(options.scrubber.scrub(line)) };
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: options.name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbed,
  );
}
