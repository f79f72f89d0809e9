import { isObject, type ConfigObject, type ConfigValue } from './hocon/parse';

export type Layer = 'default' | 'file' | 'dotenv' | 'env' | 'secret-file' | 'service-env';

export interface Origin {
  layer: Layer;
  /** Human-readable place: `/opt/clearml/config/secure.conf:10`, `env CLEARML__A__B`, `.env.local:3 (CLEARML__A__B)`. */
  source: string;
  value: ConfigValue;
}

/**
 * A config tree that remembers, for every leaf, each layer that set it (lowest first), so an
 * operator can ask where a value came from and what it overrode.
 */
export class LayeredTree {
  readonly root: ConfigObject = {};
  private readonly history = new Map<string, Origin[]>();

  /** Deep-merges an object whose leaves all come from one place, `originOf` locating each leaf. */
  merge(prefix: string[], value: ConfigValue, layer: Layer, sourceOf: (path: string) => string): void {
    if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) this.merge([...prefix, key], child, layer, sourceOf);
      return;
    }
    const path = prefix.join('.');
    this.set(prefix, value, { layer, source: sourceOf(path), value });
  }

  /**
   * Sets one value; path segments match existing keys case-insensitively (as ClearML's env vars
   * do) and are lower-cased when new. Returns the canonical dotted path.
   */
  set(segments: string[], value: ConfigValue, origin: Origin, caseInsensitive = false): string {
    let node = this.root;
    const canonical: string[] = [];
    segments.forEach((raw, index) => {
      const key = caseInsensitive ? this.matchKey(node, raw) : raw;
      canonical.push(key);
      if (index === segments.length - 1) return;
      if (!isObject(node[key])) {
        this.forget(canonical.join('.'));
        node[key] = {};
      }
      node = node[key];
    });
    const path = canonical.join('.');
    const key = canonical[canonical.length - 1];
    if (isObject(value)) {
      if (!isObject(node[key])) {
        this.forget(path);
        node[key] = {};
      }
      for (const [child, childValue] of Object.entries(value)) {
        this.set([...canonical, child], childValue, { ...origin, value: childValue });
      }
      return path;
    }
    this.forget(path, true);
    node[key] = value;
    this.history.set(path, [...(this.history.get(path) ?? []), origin]);
    return path;
  }

  get(path: string): ConfigValue | undefined {
    let node: ConfigValue | undefined = this.root;
    for (const segment of splitPath(path)) {
      if (Array.isArray(node)) node = node[Number(segment)];
      else if (isObject(node)) node = node[this.matchKey(node, segment)];
      else return undefined;
    }
    return node;
  }

  /** Every layer that set this path or a leaf below it, lowest first, keyed by leaf path. */
  originsOf(path: string): Map<string, Origin[]> {
    const wanted = this.canonicalPath(path);
    const out = new Map<string, Origin[]>();
    for (const [leaf, origins] of this.history) {
      if (leaf === wanted || leaf.startsWith(`${wanted}.`)) out.set(leaf, origins);
    }
    return out;
  }

  /** The origin of the value in force at a path, or of the nearest list/leaf above it. */
  originOf(path: string): Origin | undefined {
    const segments = splitPath(this.canonicalPath(path));
    for (let n = segments.length; n > 0; n--) {
      const origins = this.history.get(segments.slice(0, n).join('.'));
      if (origins) return origins[origins.length - 1];
    }
    return undefined;
  }

  leafPaths(): string[] {
    return [...this.history.keys()];
  }

  private canonicalPath(path: string): string {
    const out: string[] = [];
    let node: ConfigValue | undefined = this.root;
    for (const segment of splitPath(path)) {
      const key: string = isObject(node) ? this.matchKey(node, segment) : segment;
      out.push(key);
      node = isObject(node) ? node[key] : undefined;
    }
    return out.join('.');
  }

  private matchKey(node: ConfigObject, raw: string): string {
    if (raw in node) return raw;
    const lower = raw.toLowerCase();
    return Object.keys(node).find((k) => k.toLowerCase() === lower) ?? lower;
  }

  /** Drops the records below a path that a new value replaces (and the path itself unless kept). */
  private forget(path: string, keepSelf = false): void {
    for (const leaf of [...this.history.keys()]) {
      if (leaf.startsWith(`${path}.`) || (!keepSelf && leaf === path)) this.history.delete(leaf);
    }
  }
}

export function splitPath(path: string): string[] {
  return path.split('.').filter(Boolean);
}
