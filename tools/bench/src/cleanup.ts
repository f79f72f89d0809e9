/** Everything a bench started or wrote, undone in reverse order whatever happens. */
export class Cleanup {
  private readonly steps: Array<() => Promise<unknown> | unknown> = [];
  add(step: () => Promise<unknown> | unknown): void {
    this.steps.unshift(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0))
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => console.error('cleanup:', error));
  }
}

/** Runs a bench's main with a Cleanup that also runs on SIGINT/SIGTERM; the exit code says pass or fail. */
export function runBench(main: (cleanup: Cleanup) => Promise<boolean>): void {
  const cleanup = new Cleanup();
  let stopping = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    // Ctrl-C reaches this process twice (from the terminal and relayed by tsx): a second signal
    // must not end the process halfway through its cleanup.
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void cleanup.run().finally(() => process.exit(code));
    });
  }
  main(cleanup)
    .then((ok) => (process.exitCode = ok ? 0 : 1))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => cleanup.run());
}
