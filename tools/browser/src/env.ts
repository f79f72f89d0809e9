// What tools/browser/suite.sh hands the specs: the browser, the private stack's coordinates and
// where artefacts go. A spec run outside the suite stops at once with the variable it misses.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tier with tools/browser/suite.sh`);
  return value;
}

export const chromiumPath = () => need('WARDEN_BROWSER_CHROMIUM');

/** The run's screenshot folder, one sub-folder per spec file. */
export const screenshotDir = (spec: string) => join(need('WARDEN_BROWSER_SCREENSHOTS'), spec);

export interface StackCoordinates {
  gateway: string;
  api: string;
  files: string;
  /** The stack's own admin (a fixed user, as tools/stack.sh configures one). */
  admin: { username: string; password: string };
  operatorSecret: string;
  /** The python of the pinned ClearML SDK venv (tools/clearml-compat/setup.sh). */
  sdkPython: string;
  /** The gateway's Prometheus metrics (the CSP report counter). */
  metrics: string;
  gatewayLog: string;
}

/** A NAME=VALUE line of an env file the suite wrote (mode 600); never printed. */
function envFileValue(file: string, name: string): string {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${file} has no ${name}`);
  return line.slice(name.length + 1);
}

export function stack(): StackCoordinates {
  return {
    gateway: need('WARDEN_BROWSER_GATEWAY'),
    api: need('WARDEN_BROWSER_API'),
    files: need('WARDEN_BROWSER_FILES'),
    admin: { username: need('WARDEN_BROWSER_ADMIN'), password: envFileValue(need('WARDEN_BROWSER_ADMIN_ENV'), 'WARDEN_BROWSER_ADMIN_PASSWORD') },
    operatorSecret: envFileValue(need('WARDEN_BROWSER_SECRETS_ENV'), 'CLEARML__SECURE__AUTH__OPERATOR_SECRET'),
    sdkPython: need('WARDEN_BROWSER_SDK_PYTHON'),
    metrics: need('WARDEN_BROWSER_METRICS'),
    gatewayLog: need('WARDEN_BROWSER_GATEWAY_LOG'),
  };
}

/**
 * A password or API secret a spec saw: the suite's log scan looks for it in the apps' logs. Token
 * signatures go to their own file (the scan's --signatures).
 */
export function rememberSeen(name: string, value: string): void {
  appendFileSync(need('WARDEN_BROWSER_SEEN_SECRETS'), `${name.replace(/\W+/g, '_')}=${value}\n`);
}

export function rememberSignature(token: string): void {
  const signature = token.split('.')[2];
  if (signature) appendFileSync(need('WARDEN_BROWSER_SEEN_SIGNATURES'), `${signature}\n`);
}
