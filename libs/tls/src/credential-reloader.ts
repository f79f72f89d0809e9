import { stat } from 'node:fs/promises';
import { loadServerCredentials, type CredentialFiles, type ServerCredentials } from './server-credentials';

export interface ReloaderOptions {
  files: CredentialFiles;
  initial: ServerCredentials;
  intervalMs: number;
  /** A new pair passed every check: serve it. */
  onReload(credentials: ServerCredentials): void;
  /** A new pair failed a check: the old one stays; say why. */
  onRefused(error: Error): void;
}

/**
 * What identifies the files' current contents: stat follows symlinks, so a flipped link (Kubernetes
 * secret volumes, certbot's live/ directory) changes it as an in-place replacement does.
 */
async function signature(files: CredentialFiles): Promise<string> {
  const parts = await Promise.all(
    [files.cert, files.key].map((path) =>
      stat(path).then(
        (s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`,
        (error: NodeJS.ErrnoException) => `missing:${error.code}`,
      ),
    ),
  );
  return parts.join('|');
}

/**
 * Polls the certificate and key files and loads a renewed pair once the files have stopped
 * changing for one interval: certbot and editors write the two files one after the other, and a
 * half-written pair would otherwise be refused (and logged) before the second file lands.
 * A pair that fails a check is refused once and not retried until the files change again.
 */
export class CredentialReloader {
  private current: ServerCredentials;
  private loaded = '';
  private pending = '';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: ReloaderOptions) {
    this.current = options.initial;
  }

  get credentials(): ServerCredentials {
    return this.current;
  }

  async start(): Promise<void> {
    this.loaded = await signature(this.options.files);
    this.timer = setInterval(() => void (this.running ??= this.check().finally(() => (this.running = undefined))), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async check(): Promise<void> {
    const now = await signature(this.options.files);
    if (now === this.loaded) {
      this.pending = '';
      return;
    }
    if (now !== this.pending) {
      this.pending = now;
      return;
    }
    this.loaded = now;
    this.pending = '';
    try {
      this.current = loadServerCredentials(this.options.files);
    } catch (error) {
      this.options.onRefused(error as Error);
      return;
    }
    this.options.onReload(this.current);
  }
}
