import { z } from 'zod';

const publicUrl = z
  .string()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL without user, query or fragment, e.g. https://api.example.org' },
  )
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * `auth_gateway.console`: the public URLs users' SDKs reach this deployment by, written into the
 * clearml.conf block and CLEARML_* lines the console hands out. Unset ones default to this host's
 * loopback ports (the stack's defaults); behind a proxy or with TLS, set all three.
 */
export const consoleSettingsSchema = z
  .object({
    api_host: publicUrl.optional(),
    web_host: publicUrl.optional(),
    files_host: publicUrl.optional(),
  })
  .default({});

export type ConsoleSettings = z.infer<typeof consoleSettingsSchema>;

export interface PublicHosts {
  api: string;
  web: string;
  files: string;
}

export const DEFAULT_API_PORT = 8008;
export const DEFAULT_FILES_PORT = 8081;

export function publicHosts(settings: ConsoleSettings, gatewayPort: number): PublicHosts {
  return {
    api: settings.api_host ?? `http://127.0.0.1:${DEFAULT_API_PORT}`,
    web: settings.web_host ?? `http://127.0.0.1:${gatewayPort}`,
    files: settings.files_host ?? `http://127.0.0.1:${DEFAULT_FILES_PORT}`,
  };
}
