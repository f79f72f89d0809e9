import { SecretScrubber } from '@warden/secrets';
import { isSdkError } from '@warden/sdk';

/**
 * One line per failure; a server's error code is appended because it is what a reader can search
 * for. The scrubber is a last guard: SDK messages are scrubbed already.
 */
export function describeFailure(error: unknown, scrubber: SecretScrubber): string {
  if (!isSdkError(error)) return scrubber.scrub(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  const fromServer = error.status > 0 && error.code !== 'ERR_HTTP';
  return scrubber.scrub(fromServer ? `${error.message} (${error.code})` : error.message);
}
