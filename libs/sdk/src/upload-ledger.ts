import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { SdkError } from './sdk-error';

/** One object this client stored; the ClearML fileserver has no listing endpoint to ask instead. */
export interface LedgerEntry {
  filesHost: string;
  remotePath: string;
  size: number;
  uploadedAt: string;
}

interface LedgerFile {
  version: 1;
  uploads: LedgerEntry[];
}

export function defaultLedgerPath(homeDir: string): string {
  return join(homeDir, '.warden', 'uploads.json');
}

/** Local record of uploads, one JSON file rewritten atomically on every change. */
export class UploadLedger {
  constructor(readonly path: string) {}

  async list(): Promise<LedgerEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new SdkError('ERR_LOCAL_FILE', `cannot read the upload ledger ${this.path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SdkError('ERR_LOCAL_FILE', `the upload ledger ${this.path} is not valid JSON`);
    }
    const uploads = (parsed as Partial<LedgerFile> | null)?.uploads;
    if (!Array.isArray(uploads)) throw new SdkError('ERR_LOCAL_FILE', `the upload ledger ${this.path} has no uploads list`);
    return uploads.filter(isEntry);
  }

  /** Adds entries; an entry for the same host and path replaces the older one. */
  async record(entries: LedgerEntry[]): Promise<void> {
    const current = await this.list();
    const replaced = new Set(entries.map(keyOf));
    await this.save([...current.filter((entry) => !replaced.has(keyOf(entry))), ...entries]);
  }

  async remove(filesHost: string, remotePaths: string[]): Promise<void> {
    const gone = new Set(remotePaths.map((remotePath) => keyOf({ filesHost, remotePath })));
    const current = await this.list();
    await this.save(current.filter((entry) => !gone.has(keyOf(entry))));
  }

  private save(uploads: LedgerEntry[]): Promise<void> {
    const file: LedgerFile = { version: 1, uploads };
    return writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}

function keyOf(entry: Pick<LedgerEntry, 'filesHost' | 'remotePath'>): string {
  return `${entry.filesHost}\n${entry.remotePath}`;
}

function isEntry(value: unknown): value is LedgerEntry {
  const entry = value as Partial<LedgerEntry> | null;
  return typeof entry?.filesHost === 'string' && typeof entry.remotePath === 'string' && typeof entry.size === 'number' && typeof entry.uploadedAt === 'string';
}
