import { ConfigError } from '@warden/config';
import { LocalStorage } from '@warden/storage';

/** ClearML's fileserver folder in its docker-compose deployment. */
export const DEFAULT_STORAGE_PATH = '/opt/clearml/data/fileserver';

/** fileserver.storage.path, else ClearML's CLEARML_UPLOAD_FOLDER, else ClearML's deployed folder. */
export function storagePath(configured: string | undefined, env: Readonly<Record<string, string | undefined>>): { path: string; source: string } {
  if (configured) return { path: configured, source: 'fileserver.storage.path' };
  if (env.CLEARML_UPLOAD_FOLDER) return { path: env.CLEARML_UPLOAD_FOLDER, source: 'env CLEARML_UPLOAD_FOLDER' };
  return { path: DEFAULT_STORAGE_PATH, source: 'built-in default' };
}

/**
 * Creates the storage folder if needed, proves it writable and removes what a crash left in its
 * temp folder. A folder that cannot be used is a configuration error: restarting will not help.
 */
export async function openStorage(path: string, source: string): Promise<{ storage: LocalStorage; removed: number }> {
  const storage = new LocalStorage(path);
  try {
    return { storage, removed: await storage.cleanupTemp() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError('ERR_CONFIG_INVALID', `fileserver storage folder ${path} (from ${source}) cannot be created or written (${code})`);
  }
}
