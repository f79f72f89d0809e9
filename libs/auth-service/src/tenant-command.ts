import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import { OPERATOR_TENANTS_PATH } from './operator-endpoints';

export const TENANT_USAGE = `usage: tenant create --name <company name> --admin <username> [--admin-name <name>] [--admin-email <email>]
                     [--company-id <32 hex>] [--admin-password-file <path>] [--url <gateway url>]
  Founds a company and its first admin on the running gateway (POST ${OPERATOR_TENANTS_PATH}) and prints the
  company id and, unless a password file is given, the admin's API key pair, shown this once.
  The operator secret is read from secure.auth.operator_secret (CLEARML__SECURE__AUTH__OPERATOR_SECRET, its
  _FILE variant or WARDEN_SECRETS_DIR), never from the command line; --admin-password-file /dev/stdin reads a pipe.
  --url defaults to this gateway's listener.`;

const OPTIONS = ['--name', '--admin', '--admin-name', '--admin-email', '--company-id', '--admin-password-file', '--url'] as const;
type Option = (typeof OPTIONS)[number];

export interface TenantCommandInput {
  /** secure.auth.operator_secret as this deployment resolves it. */
  operatorSecret?: string;
  /** The gateway's own listener, the default target. */
  defaultUrl: string;
  /** For an https gateway: whom to trust (the gateway's own certificate, see the service kit). */
  agent?: Agent;
  print: (text: string) => void;
  printError: (text: string) => void;
  readFile?: (path: string) => string;
}

/** The operator's `tenant create` against a running gateway; returns the exit code. */
export async function runTenantCommand(args: readonly string[], input: TenantCommandInput): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    input.printError(`${parsed}\n${TENANT_USAGE}`);
    return 2;
  }
  if (!input.operatorSecret) {
    input.printError('secure.auth.operator_secret is not set: set CLEARML__SECURE__AUTH__OPERATOR_SECRET (or its _FILE variant) here and on the gateway');
    return 2;
  }
  const password =
    parsed['--admin-password-file'] === undefined ? undefined : (input.readFile ?? readText)(parsed['--admin-password-file']).replace(/\r?\n$/, '');
  const body = {
    company_name: parsed['--name'],
    ...(parsed['--company-id'] && { company_id: parsed['--company-id'] }),
    admin: { username: parsed['--admin'], name: parsed['--admin-name'], email: parsed['--admin-email'], password },
  };
  const url = new URL(OPERATOR_TENANTS_PATH, parsed['--url'] ?? input.defaultUrl);
  let res: { status: number; text: string };
  try {
    res = await post(url, { Authorization: `Bearer ${input.operatorSecret}`, 'Content-Type': 'application/json' }, JSON.stringify(body), input.agent);
  } catch (error) {
    input.printError(`cannot reach the gateway at ${url.origin}: ${(error as Error).message}`);
    return 1;
  }
  const answer = parseJson(res.text);
  if (res.status !== 201 || !answer) {
    const meta = (answer?.['meta'] ?? {}) as { result_msg?: string; error_data?: { code?: string } };
    input.printError(`tenant create refused: ${res.status} ${meta.error_data?.code ?? ''} ${meta.result_msg ?? ''}`.trimEnd());
    return 1;
  }
  input.print(JSON.stringify(answer, null, 2));
  return 0;
}

function post(url: URL, headers: Record<string, string>, body: string, agent: Agent | undefined): Promise<{ status: number; text: string }> {
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'POST', headers, ...(https && agent && { agent }) }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

function parseArgs(args: readonly string[]): Partial<Record<Option, string>> | string {
  const [verb, ...rest] = args;
  if (verb !== 'create') return verb === undefined ? 'missing verb: tenant create' : `unknown verb '${verb}'`;
  const values: Partial<Record<Option, string>> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] as Option;
    // A secret on the command line ends up in shell history and in every `ps` listing.
    if (/secret|password$/i.test(flag)) return `${flag}: secrets are never read from the command line (use the environment or a file)`;
    if (!OPTIONS.includes(flag)) return `unknown option '${flag}'`;
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) return `${flag} needs a value`;
    values[flag] = value;
  }
  if (!values['--name'] || !values['--admin']) return '--name and --admin are required';
  return values;
}
