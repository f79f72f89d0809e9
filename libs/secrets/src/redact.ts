export const REDACTED = '[REDACTED]';

/** Values shorter than this are not scrubbed from free text: they would mangle ordinary words. */
const MIN_SCRUB_LENGTH = 8;

/**
 * Credentials embedded in URLs (mongodb://user:pass@host) are redacted wherever a URL is shown.
 * Anchored on "://" alone, whatever the scheme: a leading scheme pattern made every letter a place
 * to start, and a long run of letters in an error message cost time quadratic in its length.
 */
const URL_USERINFO = /(:\/\/)([^/@\s:]+):([^/@\s]+)@/g;

export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, `$1$2:${REDACTED}@`);
}

/**
 * Replaces every known secret value in arbitrary text, including its JSON-escaped form, so that
 * a secret reaches neither a log line nor an error body whatever path it took there.
 */
export class SecretScrubber {
  private readonly needles = new Set<string>();

  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SCRUB_LENGTH) return;
    this.needles.add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.needles.add(escaped);
  }

  get size(): number {
    return this.needles.size;
  }

  scrub(text: string): string {
    let out = redactUrlCredentials(text);
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    return out;
  }
}

/** A deep copy of a config tree with every leaf under a secret path replaced. */
export function redactTree(tree: unknown, isSecret: (path: string) => boolean, prefix = ''): unknown {
  if (Array.isArray(tree)) return tree.map((item, i) => redactTree(item, isSecret, join(prefix, String(i))));
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, redactTree(value, isSecret, join(prefix, key))]));
  }
  if (tree === null || tree === undefined || tree === '') return tree;
  if (isSecret(prefix)) return REDACTED;
  return typeof tree === 'string' ? redactUrlCredentials(tree) : tree;
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}
