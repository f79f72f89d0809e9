// The ClearML SDK as a user runs it after pasting the console's clearml.conf block: the SDK suite's
// reference task (tools/clearml-compat/scenario.py, through run.sh) with nothing but that file.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
// The SDK retries an unreachable server for a long time: every run here is bounded.
const SDK_TIMEOUT_SEC = 180;

/** The caller's environment without any ClearML setting: only the pasted file may configure the SDK. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(CLEARML|TRAINS)_/i.test(name)));
  return { ...env, ...extra };
}

export interface SdkOutcome {
  ok: boolean;
  /** The scenario's JSON result (its last stdout line) when it succeeded. */
  result?: { task_id: string; artifacts: Record<string, { url: string; sha256: string }> };
  output: string;
}

/** Writes the block to a temporary clearml.conf, runs the SDK suite's task with it and says how it went. */
export async function runScenarioWith(conf: string, task: string): Promise<SdkOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-browser-sdk-'));
  const file = join(dir, 'clearml.conf');
  writeFileSync(file, conf, { mode: 0o600 });
  try {
    const { stdout, stderr } = await run('bash', [join(ROOT, 'tools/clearml-compat/run.sh'), 'scenario.py'], {
      env: cleanEnv({ SCENARIO_CONFIG_FILE: file, SCENARIO_TASK: task, SCENARIO_PROJECT: 'warden-browser', SCENARIO_TIMEOUT_SEC: String(SDK_TIMEOUT_SEC) }),
      timeout: (SDK_TIMEOUT_SEC + 60) * 1000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    return { ok: true, result: JSON.parse(last) as SdkOutcome['result'], output: `${stdout}\n${stderr}` };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}\n${e.stderr ?? e.message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// What a user's script does first: Task.init, which logs in with the configured keys.
const TASK_INIT = `
import sys
from clearml import Task
try:
    Task.init(project_name="warden-browser", task_name="after-revoke", auto_connect_frameworks=False,
              auto_connect_arg_parser=False, auto_resource_monitoring=False)
except Exception as error:
    print("REFUSED %s: %s" % (type(error).__name__, error))
    sys.exit(3)
print("ACCEPTED")
`;

/** Task.init with only the pasted clearml.conf: ACCEPTED, or REFUSED with the SDK's error. */
export async function taskInitWith(python: string, conf: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-browser-sdk-'));
  writeFileSync(join(dir, 'clearml.conf'), conf, { mode: 0o600 });
  try {
    const { stdout } = await run(python, ['-c', TASK_INIT], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, TMPDIR: dir, LANG: 'C.UTF-8', CLEARML_CONFIG_FILE: join(dir, 'clearml.conf') },
      timeout: SDK_TIMEOUT_SEC * 1000,
    });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return (e.stdout ?? '').trim().split('\n').pop() || `failed without a verdict: ${(e.stderr ?? e.message).slice(-500)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
