import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { SdkError } from './sdk-error';

/** A certificate the user confirmed for one server: exactly this leaf, verified up to this anchor. */
export interface PinnedCertificate {
  /** SHA-256 of the server's certificate, `AB:CD:…`. */
  sha256: string;
  /** PEM of the root the server sent its chain up to (the leaf itself when self-signed). */
  anchor: string;
  subject: string;
  confirmedAt: string;
}

interface StoreFile {
  version: 1;
  hosts: Record<string, PinnedCertificate>;
}

export function defaultTrustStorePath(homeDir: string): string {
  return join(homeDir, '.warden', 'trusted-certificates.json');
}

/** `ab:cd…`, `ABCD…` or `AB CD …` all name the same fingerprint. */
export function normaliseFingerprint(text: string): string {
  const hex = text.replace(/[\s:]/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? (hex.match(/../g) as string[]).join(':') : '';
}

/**
 * Trust on first use, per server origin (`https://host:port`), in the user's own file (mode 600):
 * what the user confirmed once is the only certificate accepted from that server afterwards.
 */
export class TrustStore {
  constructor(readonly path: string) {}

  get(origin: string): PinnedCertificate | undefined {
    return this.read().hosts[origin];
  }

  async pin(origin: string, certificate: PinnedCertificate): Promise<void> {
    const file = this.read();
    file.hosts[origin] = certificate;
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  private read(): StoreFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, hosts: {} };
      throw new SdkError('ERR_CONFIG_INVALID', `cannot read ${this.path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      const parsed = JSON.parse(text) as StoreFile;
      if (parsed.version === 1 && parsed.hosts && typeof parsed.hosts === 'object') return parsed;
    } catch {
      // reported below
    }
    throw new SdkError('ERR_CONFIG_INVALID', `${this.path} is not a trusted-certificates file written by warden: fix or remove it`);
  }
}
