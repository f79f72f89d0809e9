import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseConfig, ServiceDefinition, StartOptions, StartResult } from '../service-main';
import { startService } from '../service-main';

export interface IsolatedStart {
  result: StartResult;
  /** Everything the service printed as fatal errors, one line per call. */
  errors: string;
}

/**
 * Starts a service in-process with only the given environment: an empty working directory and a
 * config directory that does not exist, so no file on this machine can leak into the test.
 */
export async function startInIsolation<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  env: Record<string, string>,
  options: Omit<StartOptions, 'env' | 'cwd' | 'printError'> = {},
): Promise<IsolatedStart> {
  const cwd = mkdtempSync(join(tmpdir(), `warden-${definition.app}-`));
  const errors: string[] = [];
  const result = await startService(definition, {
    ...options,
    env: { CLEARML_CONFIG_DIR: join(cwd, 'none'), ...env },
    cwd,
    printError: (text) => errors.push(text),
  });
  return { result, errors: errors.join('\n') };
}
