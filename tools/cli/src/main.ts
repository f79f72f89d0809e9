import { homedir } from 'node:os';
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
}).then((code) => {
  process.exitCode = code;
});
