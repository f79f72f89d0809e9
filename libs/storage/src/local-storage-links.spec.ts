import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DirectCalls } from './direct-calls';
import { LocalStorage } from './local-storage';
import { TEMP_DIR_NAME } from './object-key';

const body = () => Readable.from([Buffer.from('attacker')]);

afterEach(() => jest.restoreAllMocks());

const text = async (stream: NodeJS.ReadableStream) => {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
};

describe('LocalStorage and symbolic links', () => {
  let root: string;
  let outside: string;
  let storage: LocalStorage;

  beforeEach(async () => {
    const base = mkdtempSync(join(tmpdir(), 'warden-links-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    storage = new LocalStorage(root);
    await storage.cleanupTemp();
    mkdirSync(join(root, 'tenant'));
    symlinkSync(outside, join(root, 'tenant', 'escape'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'tenant', 'secret-link'));
    // Inside the root, but into another tenant's folder: refused all the same.
    mkdirSync(join(root, 'other'));
    writeFileSync(join(root, 'other', 'data'), 'other tenant');
    symlinkSync(join(root, 'other'), join(root, 'tenant', 'sideways'));
    // Leads nowhere yet: writing through it would create the file outside.
    symlinkSync(join(outside, 'planted.txt'), join(root, 'tenant', 'dangling'));
    symlinkSync(join(outside, 'planted-dir'), join(root, 'tenant', 'dangling-dir'));
  });

  it.each(['tenant/escape/secret.txt', 'tenant/secret-link', 'tenant/sideways/data', 'tenant/dangling'])('refuses to read %s', async (key) => {
    await expect(storage.read(key)).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
    await expect(storage.stat(key)).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
  });

  it.each([
    'tenant/escape/new.txt',
    'tenant/escape/secret.txt',
    'tenant/secret-link',
    'tenant/escape/deep/new.txt',
    'tenant/dangling',
    'tenant/dangling-dir/new.txt',
  ])('refuses to write %s', async (key) => {
    await expect(storage.put(key, body())).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(readdirSync(join(root, TEMP_DIR_NAME))).toEqual([]);
  });

  it('refuses to delete through a link', async () => {
    await expect(storage.delete('tenant/escape/secret.txt')).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
    await expect(storage.deletePrefix('tenant/escape')).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });

  it('deletes a folder holding a link without following it', async () => {
    expect(await storage.deletePrefix('tenant')).toBe(0);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(readFileSync(join(root, 'other', 'data'), 'utf8')).toBe('other tenant');
  });

  it('accepts a root that is itself a link, as a mounted volume often is', async () => {
    const linkedRoot = join(outside, '..', 'linked-root');
    symlinkSync(root, linkedRoot);
    const linked = new LocalStorage(linkedRoot);
    await linked.put('tenant/ok.txt', body());
    expect(readFileSync(join(root, 'tenant', 'ok.txt'), 'utf8')).toBe('attacker');
  });

  it.each(['tenant/escape/secret.txt', 'tenant/sideways/data'])(
    'refuses to read %s where the open file cannot be named by /proc (realpath instead)',
    async (key) => {
      jest.spyOn(DirectCalls.prototype, 'descriptorPath').mockResolvedValue(undefined);
      await expect(storage.read(key)).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
      await storage.put('tenant/plain.txt', body());
      expect(await text(await storage.read('tenant/plain.txt'))).toBe('attacker');
    },
  );

  it('serves the version it opened when the file is replaced right after the open', async () => {
    await storage.put('tenant/model.bin', Readable.from([Buffer.from('old')]));
    writeFileSync(join(root, 'tenant', 'next.bin'), 'new');
    const named = DirectCalls.prototype.descriptorPath;
    jest.spyOn(DirectCalls.prototype, 'descriptorPath').mockImplementationOnce(function (this: DirectCalls, fd: number) {
      // An upload's rename lands between the open and the check: the open file is now unlinked.
      renameSync(join(root, 'tenant', 'next.bin'), join(root, 'tenant', 'model.bin'));
      return named.call(this, fd);
    });
    expect(await text(await storage.read('tenant/model.bin'))).toBe('old');
    expect(await text(await storage.read('tenant/model.bin'))).toBe('new');
  });
});
