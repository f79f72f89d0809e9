import type { RetryClock } from '../retry';

/** A retry clock that records each wait and advances its own time instead of sleeping (or sleeps `realMs`). */
export function recordingClock(realMs = 0): RetryClock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
      if (realMs > 0) await new Promise((done) => setTimeout(done, realMs));
    },
  };
}
