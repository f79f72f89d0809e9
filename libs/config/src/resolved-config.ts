import {
  describeFindings,
  evaluateSecrets,
  GENERATE_HINT,
  isSecretPath,
  redactTree,
  redactUrlCredentials,
  SecretScrubber,
  secretsUsedBy,
  type AppName,
  type SecretFinding,
} from '@warden/secrets';
import type { ZodIssue, ZodType, ZodTypeAny, ZodTypeDef } from 'zod';
import { ConfigError } from './errors';
import type { ConfigValue } from './hocon/parse';
import type { LayeredTree, Origin } from './layered-tree';
import { defaultKeyScope, findUnknownKeys, type KeyScope } from './unknown-keys';

export type Mode = 'production' | 'development';

const MAX_SHOWN_VALUE = 120;

export interface SecretCheck {
  findings: SecretFinding[];
  /** Operator-facing lines, one per finding; never a value. */
  messages: string[];
}

/** The merged configuration of one app, with where each value came from. */
export class ResolvedConfig {
  constructor(
    readonly app: AppName,
    private readonly tree: LayeredTree,
    readonly mode: Mode,
    /** Things an operator should know that do not stop the service. */
    readonly warnings: readonly string[],
    /** The environment as seen by the resolver (process env over `.env` files). */
    readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  get(path: string): ConfigValue | undefined {
    return this.tree.get(path);
  }

  /** The value at a path for display: secrets and URL passwords redacted, long values cut. */
  shown(path: string, value: unknown = this.get(path)): string {
    if (value === undefined) return '(not set)';
    const redacted = redactTree(value, isSecretPath, path);
    const text = JSON.stringify(redacted) ?? String(redacted);
    return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}…` : text;
  }

  sourceOf(path: string): string {
    return this.tree.originOf(path)?.source ?? 'not set';
  }

  /** True when no layer above the app's built-in defaults set the value. */
  isDefault(path: string): boolean {
    const layer = this.tree.originOf(path)?.layer;
    return layer === undefined || layer === 'default';
  }

  /** The whole merged tree with every secret redacted, for `config dump`. */
  dump(): unknown {
    return redactTree(this.tree.root, isSecretPath);
  }

  /** Operator view of one key: its value, the layer that set it and what that overrode. */
  explain(path: string): string {
    const origins = this.tree.originsOf(path);
    const lines = [`${path} = ${this.shown(path)}`];
    if (origins.size === 0) return [...lines, '  not set by any layer'].join('\n');
    for (const [leaf, history] of origins) {
      const current = history[history.length - 1];
      const prefix = origins.size > 1 || leaf !== path ? `  ${leaf}: ` : '  ';
      lines.push(`${prefix}set by ${describe(current)}`);
      for (const older of history.slice(0, -1).reverse()) {
        lines.push(`${prefix.replace(/\S.*/, '')}    overrides ${this.shown(leaf, older.value)} from ${describe(older)}`);
      }
    }
    return lines.join('\n');
  }

  /** Validates and types the tree; every problem names its key, shown value and source. */
  validate<T>(schema: ZodType<T, ZodTypeDef, unknown>): T {
    const result = schema.safeParse(this.tree.root);
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const value = this.get(path);
      const where = value === undefined ? 'not set' : `${this.shown(path, value)} from ${this.sourceOf(path)}`;
      return `  - ${path || '(root)'}: ${redactUrlCredentials(describeIssue(issue))} (${where})`;
    });
    throw new ConfigError('ERR_CONFIG_INVALID', `invalid configuration for ${this.app}:\n${problems.join('\n')}`);
  }

  /**
   * One warning per key set in a section this app owns that nothing reads (a typo, or a ClearML
   * setting Warden does not implement), naming where it was set. Never an error: one environment
   * feeds every service and ClearML's files carry keys Warden has no use for.
   */
  unknownKeys(schema: ZodTypeAny, scope: KeyScope = defaultKeyScope(this.app)): string[] {
    return findUnknownKeys(this.tree.root, [schema], scope).map(({ path, suggestion }) => {
      // An object's leaves below it, or the list the key sits in.
      const [below] = this.tree.originsOf(path).values();
      const origin = below ? below[below.length - 1] : this.tree.originOf(path);
      const from = origin ? ` (from ${describe(origin)})` : '';
      const hint = suggestion ? `; did you mean ${suggestion}?` : '';
      return `unknown key ${path}${from}: no Warden service reads it${hint}`;
    });
  }

  /** Applies the secret policy to every secret this app uses. */
  checkSecrets(): SecretCheck {
    const findings = evaluateSecrets(
      secretsUsedBy(this.app).map((setting) => ({
        setting,
        value: this.get(setting.path),
        source: this.tree.originOf(setting.path)?.source,
      })),
    );
    return { findings, messages: describeFindings(findings) };
  }

  /** Refuses to go on in production with a bad secret; returns the warnings for development. */
  enforceSecretPolicy(): string[] {
    const { messages } = this.checkSecrets();
    if (messages.length === 0) return [];
    if (this.mode === 'production') {
      throw new ConfigError(
        'ERR_SECRET_POLICY',
        `${this.app} refuses to start in production with unsafe secrets:\n${messages.map((m) => `  - ${m}`).join('\n')}\n${GENERATE_HINT}`,
      );
    }
    return messages.map((m) => `UNSAFE SECRET (allowed only outside production): ${m}`);
  }

  /** A scrubber loaded with every secret value any layer supplied, current or overridden. */
  secretScrubber(): SecretScrubber {
    const scrubber = new SecretScrubber();
    for (const leaf of this.tree.leafPaths()) {
      for (const origin of this.tree.originsOf(leaf).get(leaf) ?? []) collectSecrets(origin.value, leaf, scrubber);
    }
    return scrubber;
  }
}

/** Secrets can sit inside lists too (fixed users' passwords), so the walk goes through values. */
function collectSecrets(value: ConfigValue, path: string, scrubber: SecretScrubber): void {
  if (Array.isArray(value)) value.forEach((item, i) => collectSecrets(item, `${path}.${i}`, scrubber));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) collectSecrets(child, `${path}.${key}`, scrubber);
  } else if (isSecretPath(path)) scrubber.add(value);
}

/**
 * Zod's wording for a value outside an allowed set repeats the value, which may be a secret; the
 * caller shows it redacted beside this, so the message only lists what is allowed.
 */
function describeIssue(issue: ZodIssue): string {
  if (issue.code === 'invalid_enum_value') return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (issue.code !== 'invalid_union') return issue.message;
  const branches = issue.unionErrors.flatMap((e) => e.issues.filter((i) => i.path.join('.') === issue.path.join('.')));
  const allowed = branches.map((i) => (i.code === 'invalid_type' ? `a ${i.expected}` : i.code === 'invalid_literal' ? JSON.stringify(i.expected) : undefined));
  return allowed.length && allowed.every(Boolean) ? `must be ${allowed.join(' or ')}` : issue.message;
}

function describe(origin: Origin): string {
  return `${origin.source} [${origin.layer}]`;
}
