// The apps' logs must hold no secret: the generated secrets, the signing key, the tenants' passwords
// and API secrets, the passwords the suite sprays, and no token (by signature, or anything shaped
// like a JWT: the suite's forged tokens count too). A port of tools/clearml-compat/scan_logs.py.

const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/;
// Shorter values would match by chance.
const MIN_LENGTH = 12;
const known = new Map<string, string>();

export function rememberSecret(name: string, value: string | undefined): void {
  if (value && value.length >= MIN_LENGTH) known.set(value, name);
}

/** A token is found in a log by its signature, whatever was logged around it. */
export function rememberToken(token: string): string {
  rememberSecret('a token signature', token.split('.')[2]);
  return token;
}

/** The base64 lines of a PEM key: each would show up if the key were logged in any form. */
export function rememberPem(name: string, pem: string): void {
  for (const line of pem.split('\n')) if (!line.startsWith('-----')) rememberSecret(name, line.trim());
}

/** Findings name the log, the line and what leaked, never the value. */
export function scanLogs(logs: Record<string, string>): string[] {
  const findings: string[] = [];
  for (const [app, text] of Object.entries(logs)) {
    text.split('\n').forEach((line, index) => {
      for (const [value, name] of known) if (line.includes(value)) findings.push(`${app} log line ${index + 1} holds ${name}`);
      if (JWT.test(line)) findings.push(`${app} log line ${index + 1} holds a JWT`);
    });
  }
  return findings;
}

/** Log text with every known value and JWT replaced, for printing on failure. */
export function redacted(text: string): string {
  let out = text;
  for (const [value, name] of known) out = out.split(value).join(`[${name}]`);
  return out.replace(new RegExp(JWT.source, 'g'), '[a JWT]');
}
