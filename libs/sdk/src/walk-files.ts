import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalFile {
  absolute: string;
  /** Slash-separated, relative to the walked folder: the tail of the remote path. */
  relative: string;
  size: number;
}

/**
 * Regular files under `dir`, in name order. Symlinks are not followed: a link could point out of
 * the folder the user chose and upload something they did not mean to share.
 */
export async function walkFiles(dir: string): Promise<{ files: LocalFile[]; skipped: string[] }> {
  const files: LocalFile[] = [];
  const skipped: string[] = [];
  async function visit(absolute: string, relative: string): Promise<void> {
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const childAbsolute = join(absolute, entry.name);
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(childAbsolute, childRelative);
      else if (entry.isFile()) files.push({ absolute: childAbsolute, relative: childRelative, size: (await stat(childAbsolute)).size });
      else skipped.push(childRelative);
    }
  }
  await visit(dir, '');
  return { files, skipped };
}
