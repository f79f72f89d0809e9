import { ConfigError } from '../errors';

export type ConfigValue = string | number | boolean | null | ConfigValue[] | ConfigObject;
export interface ConfigObject {
  [key: string]: ConfigValue;
}

export interface ParsedHocon {
  value: ConfigObject;
  /** Line (1-based) on which each leaf and each object field was set, keyed by dotted path. */
  lines: Map<string, number>;
}

export interface HoconOptions {
  /** Name used in error messages (a file path). */
  source: string;
  /** Resolves `${?NAME}` substitutions not found in the document itself. */
  env?: Record<string, string | undefined>;
  /** Reads an `include "file"` target relative to the including file; omitted: includes are errors. */
  include?: (target: string) => ParsedHocon;
}

/** Keys that would reach Object.prototype when a tree is merged into plain objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const UNQUOTED_STOP = new Set([...'$"{}[]:=,+#`^?!@*&\\'.split(''), ' ', '\t', '\n', '\r']);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

interface Substitution {
  kind: 'substitution';
  path: string;
  optional: boolean;
}
type Piece = string | Substitution;
interface Text {
  text: string;
  quoted: boolean;
}
/** A value that needs substitutions resolved once the whole document is read. */
class Concat {
  constructor(
    readonly pieces: Piece[],
    readonly line: number,
  ) {}
}
type Raw = ConfigValue | Concat;

class Parser {
  private pos = 0;
  private line = 1;
  readonly lines = new Map<string, number>();
  private readonly pending: Array<{ path: string[]; raw: Concat }> = [];

  constructor(
    private readonly text: string,
    private readonly options: HoconOptions,
  ) {}

  parseDocument(): ConfigObject {
    this.skipBlank();
    const root: ConfigObject = {};
    if (this.peek() === '{') {
      this.pos++;
      this.parseFields(root, [], '}');
      this.expect('}');
    } else {
      this.parseFields(root, [], undefined);
    }
    this.skipBlank();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.peek()}'`);
    this.resolvePending(root);
    return root;
  }

  parseSingleValue(): ConfigValue {
    this.skipBlank();
    const raw = this.parseValue([]);
    this.skipBlank();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.peek()}' after the value`);
    if (raw instanceof Concat) return this.concatenate(raw.pieces, {}, raw.line);
    return raw;
  }

  private fail(message: string): never {
    throw new ConfigError('ERR_CONFIG_PARSE', `${this.options.source}:${this.line}: ${message}`);
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  private startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  private expect(char: string): void {
    if (this.peek() !== char) this.fail(`expected '${char}' but found ${this.peek() ? `'${this.peek()}'` : 'end of input'}`);
    this.pos++;
  }

  private skipComment(): boolean {
    if (this.peek() === '#' || this.startsWith('//')) {
      while (this.pos < this.text.length && this.peek() !== '\n') this.pos++;
      return true;
    }
    return false;
  }

  /** Skips spaces and comments on the current line. */
  private skipInline(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') this.pos++;
      else if (!this.skipComment()) return;
    }
  }

  /** Skips spaces, comments and newlines; reports whether a newline was crossed. */
  private skipBlank(): boolean {
    let newline = false;
    for (;;) {
      this.skipInline();
      if (this.peek() !== '\n') return newline;
      this.pos++;
      this.line++;
      newline = true;
    }
  }

  private parseFields(target: ConfigObject, prefix: string[], close: '}' | undefined): void {
    for (;;) {
      this.skipBlank();
      if (this.pos >= this.text.length || this.peek() === close) return;
      if (this.peek() === ',') this.fail("unexpected ','");
      this.parseField(target, prefix);
      const newline = this.skipBlank();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.pos >= this.text.length || this.peek() === close) return;
      if (!newline) this.fail(`expected ',' or a new line between fields, found '${this.peek()}'`);
    }
  }

  private parseField(target: ConfigObject, prefix: string[]): void {
    if (this.startsWith('include') && /\s/.test(this.peek(7))) {
      this.parseInclude(target, prefix);
      return;
    }
    const line = this.line;
    const keyPath = this.parseKey();
    this.skipInline();
    let append = false;
    if (this.peek() === ':' || this.peek() === '=') this.pos++;
    else if (this.startsWith('+=')) {
      this.pos += 2;
      append = true;
    } else if (this.peek() !== '{') this.fail(`expected ':' or '=' after key '${keyPath.join('.')}'`);
    this.skipBlank();
    const fullPath = [...prefix, ...keyPath];
    const raw = this.parseValue(fullPath);
    this.assign(target, keyPath, fullPath, raw, append, line);
  }

  private parseInclude(target: ConfigObject, prefix: string[]): void {
    this.pos += 'include'.length;
    this.skipInline();
    if (this.peek() !== '"') this.fail('include needs a quoted file name');
    const file = this.parseQuoted();
    if (!this.options.include) this.fail(`include "${file}" is not supported here`);
    const included = this.options.include(file);
    for (const [key, value] of Object.entries(included.value)) {
      this.assign(target, [key], [...prefix, key], value, false, this.line);
    }
  }

  private parseKey(): string[] {
    const segments: string[] = [];
    let current = '';
    let any = false;
    for (;;) {
      const c = this.peek();
      if (c === '"') {
        current += this.parseQuoted();
        any = true;
      } else if (c === '.') {
        if (!any) this.fail('empty key segment');
        segments.push(current);
        current = '';
        any = false;
        this.pos++;
      } else if (c && !UNQUOTED_STOP.has(c) && !this.startsWith('//')) {
        current += c;
        any = true;
        this.pos++;
      } else break;
    }
    if (!any) this.fail(this.peek() ? `expected a key, found '${this.peek()}'` : 'expected a key');
    segments.push(current);
    for (const segment of segments) {
      if (FORBIDDEN_KEYS.has(segment)) this.fail(`key '${segment}' is not allowed`);
    }
    return segments;
  }

  private assign(target: ConfigObject, keyPath: string[], fullPath: string[], raw: Raw, append: boolean, line: number): void {
    let node = target;
    for (const segment of keyPath.slice(0, -1)) {
      const next = node[segment];
      if (!isObject(next)) node[segment] = {};
      node = node[segment] as ConfigObject;
    }
    const key = keyPath[keyPath.length - 1];
    this.lines.set(fullPath.join('.'), line);
    if (raw instanceof Concat) {
      this.pending.push({ path: fullPath, raw });
      node[key] = null;
      return;
    }
    const existing = node[key];
    if (append) {
      if (existing !== undefined && !Array.isArray(existing)) this.fail(`'${fullPath.join('.')}' += needs a list`);
      node[key] = [...((existing as ConfigValue[] | undefined) ?? []), raw];
    } else if (isObject(existing) && isObject(raw)) {
      mergeInto(existing, raw);
    } else {
      node[key] = raw;
    }
  }

  private parseValue(path: string[]): Raw {
    const c = this.peek();
    if (c === '{') {
      this.pos++;
      const obj: ConfigObject = {};
      this.parseFields(obj, path, '}');
      this.expect('}');
      return obj;
    }
    if (c === '[') return this.parseArray(path);
    return this.parseScalar();
  }

  private parseArray(path: string[]): ConfigValue[] {
    this.pos++;
    const items: ConfigValue[] = [];
    for (;;) {
      this.skipBlank();
      if (this.peek() === ']') {
        this.pos++;
        return items;
      }
      if (!this.peek()) this.fail("unterminated list: expected ']'");
      const itemPath = [...path, String(items.length)];
      const line = this.line;
      const raw = this.parseValue(itemPath);
      this.lines.set(itemPath.join('.'), line);
      if (raw instanceof Concat) {
        this.pending.push({ path: itemPath, raw });
        items.push(null);
      } else items.push(raw);
      const newline = this.skipBlank();
      if (!this.peek()) this.fail("unterminated list: expected ']'");
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']' && !newline) this.fail(`expected ',' or ']' in list, found '${this.peek()}'`);
    }
  }

  /** A scalar runs to the end of the line, a separator or a closing bracket; pieces are concatenated. */
  private parseScalar(): Raw {
    const line = this.line;
    const pieces: Array<Text | Substitution> = [];
    for (;;) {
      const c = this.peek();
      if (!c || c === '\n' || c === ',' || c === '}' || c === ']' || c === '#' || this.startsWith('//')) break;
      if (c === '{' || c === '[') this.fail('objects and lists cannot be concatenated with text');
      if (this.startsWith('"""')) pieces.push({ text: this.parseTriple(), quoted: true });
      else if (c === '"') pieces.push({ text: this.parseQuoted(), quoted: true });
      else if (this.startsWith('${')) pieces.push(this.parseSubstitution());
      else pieces.push({ text: this.parseUnquoted(), quoted: false });
    }
    // Whitespace before a comment or the end of the line is not part of the value.
    const last = pieces[pieces.length - 1];
    if (last && !isSubstitution(last) && !last.quoted) {
      last.text = last.text.trimEnd();
      if (!last.text) pieces.pop();
    }
    if (pieces.length === 0) this.fail('expected a value');
    if (pieces.some(isSubstitution)) {
      return new Concat(
        pieces.map((p) => (isSubstitution(p) ? p : p.text)),
        line,
      );
    }
    const text = (pieces as Text[]).map((p) => p.text).join('');
    const quoted = (pieces as Text[]).some((p) => p.quoted);
    return quoted ? text : literal(text);
  }

  private parseUnquoted(): string {
    let out = '';
    for (;;) {
      const c = this.peek();
      if (!c || c === '\n' || c === ',' || c === '}' || c === ']' || c === '[' || c === '{' || c === '"' || c === '#') break;
      // `//` starts a comment only where a token may start: inside a word it is text, as in
      // pyhocon, so an unquoted `url: http://host:8080` is the URL (once it was cut to `http:`).
      if ((this.startsWith('//') && (out === '' || /\s$/.test(out))) || this.startsWith('${')) break;
      out += c;
      this.pos++;
    }
    return out;
  }

  private parseQuoted(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.peek();
      if (!c || c === '\n') this.fail('unterminated quoted string');
      if (c === '\\') this.pos += 2;
      else if (c === '"') break;
      else this.pos++;
    }
    this.pos++;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      return this.fail('invalid escape in quoted string');
    }
  }

  private parseTriple(): string {
    this.pos += 3;
    const end = this.text.indexOf('"""', this.pos);
    if (end < 0) this.fail('unterminated """ string');
    let close = end + 3;
    while (this.text[close] === '"') close++;
    const body = this.text.slice(this.pos, close - 3);
    this.line += body.split('\n').length - 1;
    this.pos = close;
    return body;
  }

  private parseSubstitution(): Substitution {
    this.pos += 2;
    const optional = this.peek() === '?';
    if (optional) this.pos++;
    const end = this.text.indexOf('}', this.pos);
    if (end < 0) this.fail('unterminated ${ substitution');
    const path = this.text.slice(this.pos, end).trim();
    if (!path) this.fail('empty ${} substitution');
    this.pos = end + 1;
    return { kind: 'substitution', path, optional };
  }

  private resolvePending(root: ConfigObject): void {
    for (const { path, raw } of this.pending) {
      const value = this.concatenate(raw.pieces, root, raw.line);
      setPath(root, path, value);
    }
  }

  private concatenate(pieces: Piece[], root: ConfigObject, line: number): ConfigValue {
    const values = pieces.map((piece) => (typeof piece === 'string' ? piece : this.substitute(piece, root, line)));
    if (values.length === 1) return values[0] === undefined ? null : values[0];
    if (values.some((v) => v !== undefined && v !== null && typeof v === 'object')) {
      this.line = line;
      this.fail('substitutions of objects or lists cannot be concatenated with text');
    }
    return values
      .filter((v) => v !== undefined)
      .map((v) => String(v))
      .join('');
  }

  private substitute(sub: Substitution, root: ConfigObject, line: number): ConfigValue | undefined {
    const fromDoc = getPath(root, sub.path.split('.'));
    if (fromDoc !== undefined && fromDoc !== null) return fromDoc;
    const fromEnv = this.options.env?.[sub.path];
    if (fromEnv !== undefined) return fromEnv;
    if (sub.optional) return undefined;
    this.line = line;
    return this.fail(`\${${sub.path}} is not defined in this file or the environment`);
  }
}

function isSubstitution(piece: unknown): piece is Substitution {
  return (piece as Substitution | undefined)?.kind === 'substitution';
}

function literal(text: string): ConfigValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (NUMBER.test(text)) return Number(text);
  return text;
}

export function isObject(value: unknown): value is ConfigObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mergeInto(target: ConfigObject, source: ConfigObject): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isObject(existing) && isObject(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}

function getPath(root: ConfigValue, path: string[]): ConfigValue | undefined {
  let node: ConfigValue | undefined = root;
  for (const segment of path) {
    if (!isObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

function setPath(root: ConfigObject, path: string[], value: ConfigValue): void {
  let node: ConfigValue = root;
  for (const segment of path.slice(0, -1)) node = Array.isArray(node) ? node[Number(segment)] : (node as ConfigObject)[segment];
  const key = path[path.length - 1];
  if (Array.isArray(node)) node[Number(key)] = value;
  else (node as ConfigObject)[key] = value;
}

/** Parses a HOCON document (ClearML's `*.conf` files) into a plain tree with line numbers. */
export function parseHocon(text: string, options: HoconOptions): ParsedHocon {
  const parser = new Parser(text, options);
  const value = parser.parseDocument();
  return { value, lines: parser.lines };
}

/** Parses a single HOCON value, as found on the right of `key: ...`. */
export function parseHoconValue(text: string, source: string): ConfigValue {
  return new Parser(text, { source }).parseSingleValue();
}
