const started = Date.now();

/** A progress line on the terminal (jest's console.log adds a stack to each). */
export const say = (text: string): void => void process.stdout.write(`[replicas ${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${text}\n`);

const measured: [string, string][] = [];

/** The figures the suite measured, printed together at the end. */
export const figures = {
  add: (what: string, value: string): void => void measured.push([what, value]),
  print: (): void => {
    for (const [what, value] of measured) say(`measured: ${what}: ${value}`);
  },
};
