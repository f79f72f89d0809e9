import { constants, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIRECT_READ_MAX_BYTES, DirectCalls } from './direct-calls';

// The module object the implementation calls into, so a spy sees which way each call went.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as typeof import('node:fs');

const root = realpathSync(mkdtempSync(join(tmpdir(), 'warden-direct-')));
mkdirSync(join(root, 'real'));
writeFileSync(join(root, 'real', 'file.bin'), Buffer.from('0123456789'));
symlinkSync(join(root, 'real'), join(root, 'link'));
symlinkSync(join(root, 'real', 'file.bin'), join(root, 'file-link'));

/** A clock that moves `stepMs` on every reading: every call then seems to take that long. */
function steppingClock(stepMs: number): { clock: () => number; jump: (ms: number) => void } {
  let now = 0;
  return {
    clock: () => (now += stepMs),
    jump: (ms) => void (now += ms),
  };
}

const errorCode = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: NodeJS.ErrnoException) => error.code,
  );

afterEach(() => jest.restoreAllMocks());

describe('DirectCalls', () => {
  it.each([
    ['direct', 0],
    ['through the pool', 60],
  ])('answers as fs does, %s', async (_way, stepMs) => {
    const calls = new DirectCalls(steppingClock(stepMs).clock);
    // A call that stalls (over 50 ms) turns direct calls off; the answers below must not change with it.
    await calls.realpath(root);
    expect(calls.direct).toBe(stepMs === 0);

    expect(await calls.realpath(join(root, 'link', 'file.bin'))).toBe(join(root, 'real', 'file.bin'));
    const linked = await calls.open(join(root, 'link', 'file.bin'), constants.O_RDONLY | constants.O_NOFOLLOW);
    expect(await calls.descriptorPath(linked)).toBe(join(root, 'real', 'file.bin'));
    await calls.close(linked);
    expect(await errorCode(calls.open(join(root, 'missing'), constants.O_RDONLY))).toBe('ENOENT');
    expect(await errorCode(calls.open(join(root, 'file-link'), constants.O_RDONLY | constants.O_NOFOLLOW))).toBe('ELOOP');
    const fd = await calls.open(join(root, 'real', 'file.bin'), constants.O_RDONLY | constants.O_NOFOLLOW);
    expect((await calls.fstat(fd)).size).toBe(10n);
    const buffer = Buffer.alloc(4);
    expect(await calls.read(fd, buffer, 4, 3)).toBe(4);
    expect(buffer.toString()).toBe('3456');
    await calls.close(fd);
    expect(await errorCode(calls.fstat(fd))).toBe('EBADF');
  });

  it('calls fs directly while calls are fast', async () => {
    const openSync = jest.spyOn(fs, 'openSync');
    const open = jest.spyOn(fs, 'open');
    const calls = new DirectCalls(steppingClock(0.01).clock);
    for (let i = 0; i < 20; i++) await calls.close(await calls.open(join(root, 'real', 'file.bin'), constants.O_RDONLY));
    expect(openSync).toHaveBeenCalledTimes(20);
    expect(open).not.toHaveBeenCalled();
  });

  it('sends calls through the pool once more than a quarter of 64 calls were slow, and tries again after the cool-down', async () => {
    const time = steppingClock(1.5);
    const calls = new DirectCalls(time.clock);
    const realpathSync = jest.spyOn(fs.realpathSync, 'native');
    // Each call seems to take 1.5 ms: slow.
    for (let i = 0; i < 63; i++) await calls.realpath(root);
    expect(calls.direct).toBe(true);
    await calls.realpath(root);
    expect(calls.direct).toBe(false);
    await calls.realpath(root);
    expect(realpathSync).toHaveBeenCalledTimes(64);

    time.jump(10_000);
    expect(calls.direct).toBe(true);
    await calls.realpath(root);
    expect(realpathSync).toHaveBeenCalledTimes(65);
  });

  it('stays direct when only a few calls are slow, as on a busy machine', async () => {
    let now = 0;
    let readings = 0;
    // Each call reads the clock at its start and its end; every fifth call seems to take 5 ms (the
    // process lost its core), the others 10 µs.
    const calls = new DirectCalls(() => {
      const call = Math.floor(readings / 2);
      if (readings++ % 2 === 1) now += call % 5 === 4 ? 5 : 0.01;
      return now;
    });
    for (let i = 0; i < 640; i++) await calls.realpath(root);
    expect(calls.direct).toBe(true);
  });

  it('sends calls through the pool after a single call that stalled for over 50 ms', async () => {
    const calls = new DirectCalls(steppingClock(25).clock);
    await calls.realpath(root);
    expect(calls.direct).toBe(true);
    const stalled = new DirectCalls(steppingClock(60).clock);
    await stalled.realpath(root);
    expect(stalled.direct).toBe(false);
  });

  it('renames directly while calls are fast and through the pool once they are slow', async () => {
    const renameSync = jest.spyOn(fs, 'renameSync');
    const pooled = jest.spyOn(fs.promises, 'rename');
    const [a, b, c] = ['a', 'b', 'c'].map((name) => join(root, 'real', `rename-${name}.bin`));
    writeFileSync(a, 'moved');
    await new DirectCalls(steppingClock(0.01).clock).rename(a, b);
    expect(renameSync).toHaveBeenCalledWith(a, b);
    expect(pooled).not.toHaveBeenCalled();
    const stalled = new DirectCalls(steppingClock(60).clock);
    await stalled.rename(b, c);
    await stalled.rename(c, a);
    expect(renameSync).toHaveBeenCalledTimes(2);
    expect(pooled).toHaveBeenCalledWith(c, a);
    expect(await errorCode(stalled.rename(b, c))).toBe('ENOENT');
    expect(fs.readFileSync(a, 'utf8')).toBe('moved');
  });

  it('reads more than DIRECT_READ_MAX_BYTES through the pool even while direct', async () => {
    const big = join(root, 'big.bin');
    writeFileSync(big, Buffer.alloc(DIRECT_READ_MAX_BYTES + 1, 7));
    const readSync = jest.spyOn(fs, 'readSync');
    const calls = new DirectCalls(steppingClock(0).clock);
    const fd = await calls.open(big, constants.O_RDONLY);
    const buffer = Buffer.alloc(DIRECT_READ_MAX_BYTES + 1);
    expect(await calls.read(fd, buffer, buffer.length, 0)).toBe(buffer.length);
    expect(await calls.read(fd, buffer, DIRECT_READ_MAX_BYTES, 0)).toBe(DIRECT_READ_MAX_BYTES);
    await calls.close(fd);
    expect(readSync).toHaveBeenCalledTimes(1);
    expect(buffer.every((byte) => byte === 7)).toBe(true);
  });
});
