import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { runCli } from './run-cli';

const controller = new AbortController();
// First Ctrl-C cancels the transfer cleanly (temp files removed); a second one kills the process.
process.once('SIGINT', () => controller.abort());

void runCli(process.argv.slice(2), {
  env: process.env,
  homeDir: homedir(),
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  // Only a person at a terminal can confirm a certificate; pipes and CI get the fingerprint and exit 1.
  confirm:
    process.stdin.isTTY && process.stderr.isTTY
      ? async (question) => {
          const prompt = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await prompt.question(question)).trim());
          } finally {
            prompt.close();
          }
        }
      : undefined,
}).then((code) => {
  process.exitCode = code;
});
