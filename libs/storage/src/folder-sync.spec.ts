import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderSync } from './folder-sync';

/** A syncer that records when each fsync starts and lets the test decide when it ends. */
function recordingSyncer() {
  const started: Array<{ path: string; finish: () => void; fail: (error: Error) => void }> = [];
  const syncer = (path: string) => new Promise<void>((resolve, reject) => started.push({ path, finish: resolve, fail: reject }));
  return { started, syncer };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FolderSync', () => {
  it('never answers a caller with an fsync that started before it asked', async () => {
    const { started, syncer } = recordingSyncer();
    const folders = new FolderSync(syncer);
    let firstDone = false;
    let secondDone = false;
    void folders.sync('/a').then(() => (firstDone = true));
    // Arrives while the first fsync runs: its rename may not be in it.
    void folders.sync('/a').then(() => (secondDone = true));
    await tick();
    expect(started).toHaveLength(1);
    started[0].finish();
    await tick();
    expect(firstDone).toBe(true);
    expect(secondDone).toBe(false);
    expect(started).toHaveLength(2);
    started[1].finish();
    await tick();
    expect(secondDone).toBe(true);
  });

  it('shares one waiting fsync among every caller that arrives while one runs', async () => {
    const { started, syncer } = recordingSyncer();
    const folders = new FolderSync(syncer);
    const calls = Array.from({ length: 16 }, () => folders.sync('/a'));
    await tick();
    started[0].finish();
    await tick();
    started[1].finish();
    await Promise.all(calls);
    expect(started.map((s) => s.path)).toEqual(['/a', '/a']);
    // Idle again: the next caller starts a fresh fsync at once.
    void folders.sync('/a');
    await tick();
    expect(started).toHaveLength(3);
  });

  it('keeps folders apart and passes a failure to the callers that shared it', async () => {
    const { started, syncer } = recordingSyncer();
    const folders = new FolderSync(syncer);
    const a = folders.sync('/a');
    const b = folders.sync('/b');
    await tick();
    expect(started.map((s) => s.path)).toEqual(['/a', '/b']);
    started[0].fail(new Error('EIO'));
    started[1].finish();
    await expect(a).rejects.toThrow('EIO');
    await expect(b).resolves.toBeUndefined();
  });

  it('fsyncs a real folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'folder-sync-'));
    try {
      await expect(new FolderSync().sync(dir)).resolves.toBeUndefined();
      await expect(new FolderSync().sync(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
      writeFileSync(join(dir, 'file'), 'not a folder');
      await expect(new FolderSync().sync(join(dir, 'file'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
