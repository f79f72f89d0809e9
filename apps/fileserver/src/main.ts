import { ConfigError } from '@warden/config';
import { EXIT_CONFIG, serviceMain } from '@warden/http';
import { fileserverService } from './fileserver-service';

void serviceMain(fileserverService).catch((error: unknown) => {
  // A storage folder that cannot be used is found in start(), after the kit's own config checks.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`fileserver: ${error.code}: ${error.message}\n`);
  process.exitCode = EXIT_CONFIG;
});
