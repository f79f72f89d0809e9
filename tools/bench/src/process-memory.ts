import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;

/** A process's resident set now (VmRSS) and at its highest so far (VmHWM), in bytes. */
export function memoryOf(pid: number): { rssBytes: number; hwmBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssBytes: kb('VmRSS') * 1024, hwmBytes: kb('VmHWM') * 1024 };
}

/**
 * The memory a group of processes holds with every physical page counted once, as a container's
 * memory accounting counts it (page cache aside): summed RSS counts the Node binary and libraries
 * a pool's processes share once per process, and the pages a forked worker still shares with its
 * parent likewise. Pages mapped by one process only are taken from smaps; the others are told
 * apart by their page frame in /proc/<pid>/pagemap. Undefined where page frames cannot be read
 * (they read as 0 without CAP_SYS_ADMIN) or a process ended meanwhile.
 */
export function residentOnceBytes(pids: number[]): number | undefined {
  let exclusive = 0;
  const sharedFrames = new Set<number>();
  try {
    for (const pid of pids) {
      const smaps = readFileSync(`/proc/${pid}/smaps`, 'latin1');
      const shared: Array<[number, number]> = [];
      let range: [number, number] = [0, 0];
      for (const line of smaps.split('\n')) {
        const mapping = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
        if (mapping) range = [parseInt(mapping[1], 16), parseInt(mapping[2], 16)];
        else if (line.startsWith('Private_Clean:') || line.startsWith('Private_Dirty:')) exclusive += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
        else if ((line.startsWith('Shared_Clean:') || line.startsWith('Shared_Dirty:')) && !/\s0 kB$/.test(line) && shared.at(-1) !== range) shared.push(range);
      }
      if (!addSharedFrames(pid, shared, sharedFrames)) return undefined;
    }
  } catch {
    return undefined;
  }
  return exclusive + sharedFrames.size * PAGE;
}

/** Adds the frames of the pages in `ranges` that more than one mapping holds; false when frames read as 0. */
function addSharedFrames(pid: number, ranges: Array<[number, number]>, frames: Set<number>): boolean {
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const [start, end] of ranges) {
      const entries = Buffer.alloc(((end - start) / PAGE) * 8);
      readSync(fd, entries, 0, entries.length, (start / PAGE) * 8);
      for (let at = 0; at < entries.length; at += 8) {
        const high = entries.readUInt32LE(at + 4);
        // Bit 63: present; bit 56: mapped by this process only (counted from smaps already).
        if (!(high & 0x80000000) || high & 0x01000000) continue;
        const frame = (high & 0x7fffff) * 2 ** 32 + entries.readUInt32LE(at);
        if (frame === 0) return false;
        frames.add(frame);
      }
    }
    return true;
  } finally {
    closeSync(fd);
  }
}
