import { WardenError } from '@warden/errors';

/**
 * Name filters are regular expressions that three engines read: JavaScript's (ours, for checks),
 * PCRE (MongoDB) and RE2 (FerretDB's Go regexp). A pattern one accepts and another refuses
 * (`\u0041`, `\e`, `\Z`, `a{1001}`) answered 500, so only the subset all three read the same way
 * is accepted: literals, `.`, `^`, `$`, `|`, plain and `(?:…)` groups, classes with ranges,
 * `\d \w \s \b` (and their negations), `\t \n \r \f \v`, any other ASCII character but a
 * letter or digit escaped (Python's re.escape escapes spaces, `#`, `&`, `~`), and the quantifiers
 * `* + ? {n} {n,} {n,m}` (lazy too), counts up to 1000. An escaped non-ASCII character (an older
 * re.escape) stands for itself and loses its backslash, which RE2 refuses. Everything else is a
 * 400 ERR_INVALID_REGEX naming the field and what to change.
 */

export const MAX_REPEAT = 1000;

// An escaped ASCII character that is no letter or digit stands for itself in all three engines.
const IDENTITY_ESCAPE = /^[\x01-\x7f]$/;
const ALPHANUMERIC = /^[A-Za-z0-9]$/;
const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S']);
const CONTROL_ESCAPES = new Set(['t', 'n', 'r', 'f', 'v']);

class Parser {
  private pos = 0;
  private readonly chars: string[];
  /** Positions of backslashes dropped from the translated pattern. */
  private readonly dropped = new Set<number>();

  constructor(
    pattern: string,
    private readonly field: string,
  ) {
    // Code points, so a character outside the BMP is one literal as PCRE and RE2 see it.
    this.chars = [...pattern];
  }

  /** The pattern to hand the database: the same expression, in the subset every engine reads alike. */
  parse(): string {
    this.alternation(1);
    if (this.pos < this.chars.length) this.fail(`unbalanced ) at ${this.pos}`);
    return this.chars.filter((_, i) => !this.dropped.has(i)).join('');
  }

  private fail(problem: string): never {
    throw new WardenError('ERR_INVALID_REGEX', `${this.field}: ${problem}; only the portable regex subset is accepted (escape other characters with \\)`, {
      field: this.field,
    });
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  /** `multiplier`: how often the enclosing counted repeats already repeat this part. */
  private alternation(multiplier: number): void {
    for (;;) {
      this.sequence(multiplier);
      if (this.peek() !== '|') return;
      this.pos++;
    }
  }

  private sequence(multiplier: number): void {
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      const start = this.pos;
      const quantifiable = this.atom(multiplier, start);
      this.quantifier(quantifiable, start, multiplier);
    }
  }

  /** One atom; true when a quantifier may follow it. */
  private atom(multiplier: number, start: number): boolean {
    const c = this.chars[this.pos++];
    switch (c) {
      case '^':
      case '$':
        return false;
      case '.':
        return true;
      case '(':
        return this.group(multiplier, start);
      case '[':
        this.characterClass();
        return true;
      case '\\':
        return this.escape(false);
      case '*':
      case '+':
      case '?':
        return this.fail(`nothing to repeat at ${start}`);
      case '{':
        return this.fail(`a literal { must be escaped (at ${start})`);
      default:
        this.literal(c, start);
        return true;
    }
  }

  private group(multiplier: number, start: number): boolean {
    if (this.peek() === '?') {
      if (this.peek(1) !== ':') this.fail(`only plain and (?:…) groups are portable, not lookarounds, named groups or inline flags (at ${start})`);
      this.pos += 2;
    }
    // A group's content is repeated by the quantifier after it, which is parsed after the group.
    const groupEnd = this.findQuantifierMultiplier(start);
    this.alternation(multiplier * groupEnd);
    if (this.peek() !== ')') this.fail(`unterminated group at ${start}`);
    this.pos++;
    return true;
  }

  /** The count of a `{n,m}` that follows the group starting at `start`, looked up ahead of parsing its content. */
  private findQuantifierMultiplier(start: number): number {
    let depth = 0;
    let inClass = false;
    for (let i = start; i < this.chars.length; i++) {
      const c = this.chars[i];
      if (c === '\\') i++;
      else if (inClass) inClass = c !== ']';
      else if (c === '[') inClass = true;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return this.countAt(i + 1) ?? 1;
    }
    return 1;
  }

  private countAt(index: number): number | undefined {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(index, index + 12).join(''));
    if (!match) return undefined;
    return Math.max(Number(match[1]), match[3] ? Number(match[3]) : 0, 1);
  }

  private escape(inClass: boolean): boolean {
    const c = this.chars[this.pos++];
    if (c === undefined) return this.fail('the pattern ends with a lone \\');
    if ((IDENTITY_ESCAPE.test(c) && !ALPHANUMERIC.test(c)) || CONTROL_ESCAPES.has(c) || CLASS_ESCAPES.has(c)) return true;
    if ((c.codePointAt(0) ?? 0) > 0x7f) {
      this.dropped.add(this.pos - 2);
      return true;
    }
    if (!inClass && (c === 'b' || c === 'B')) return false;
    return this.fail(`\\${c} is not portable (at ${this.pos - 2})`);
  }

  private literal(c: string, at: number): void {
    if (c === '\0') this.fail(`a NUL character at ${at}`);
  }

  private quantifier(quantifiable: boolean, start: number, multiplier: number): void {
    const c = this.peek();
    let count = 1;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
    } else if (c === '{') {
      count = this.countedRepeat();
    } else {
      return;
    }
    if (!quantifiable) this.fail(`nothing to repeat at ${start}`);
    if (multiplier * count > MAX_REPEAT) this.fail(`repeats more than ${MAX_REPEAT} times in all`);
    if (this.peek() === '?') this.pos++;
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || next === '{') this.fail(`a quantifier follows another at ${this.pos}`);
  }

  private countedRepeat(): number {
    const at = this.pos;
    const match = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.chars.slice(at, at + 12).join(''));
    if (!match) return this.fail(`{ at ${at} is not a count like {2}, {2,} or {2,5}; escape a literal {`);
    const min = Number(match[1]);
    const max = match[3] ? Number(match[3]) : min;
    if (min > MAX_REPEAT || max > MAX_REPEAT) this.fail(`counts above ${MAX_REPEAT} are not portable (at ${at})`);
    if (match[2] && match[3] && max < min) this.fail(`{${min},${max}} at ${at} counts down`);
    this.pos += match[0].length;
    return Math.max(min, max, 1);
  }

  private characterClass(): void {
    const start = this.pos - 1;
    if (this.peek() === '^') this.pos++;
    if (this.peek() === ']') this.fail(`a class at ${start} starts with ]: escape it as \\]`);
    // The last member, when it may start a range: undefined at the start, after a set (\d) or a range.
    let previous: string | undefined;
    let first = true;
    for (;;) {
      const c = this.chars[this.pos++];
      if (c === undefined) this.fail(`unterminated class at ${start}`);
      if (c === ']') return;
      if (c === '[') this.fail(`[ inside a class at ${this.pos - 1} (POSIX classes, nesting) is not portable: escape it as \\[`);
      // A - is portable only first, last, or between two single characters.
      if (c === '-' && !first && this.peek() !== ']') {
        if (previous === undefined) this.fail(`a - at ${this.pos - 1} neither starts nor ends the class nor makes a range: escape it as \\-`);
        this.range(previous);
        previous = undefined;
      } else {
        previous = c === '\\' ? this.classEscape() : c;
        if (previous !== undefined) this.literal(previous, this.pos - 1);
      }
      first = false;
    }
  }

  /** An escape inside a class: the character it stands for, or undefined for \d-like sets. */
  private classEscape(): string | undefined {
    const c = this.peek();
    this.escape(true);
    if (c === undefined || CLASS_ESCAPES.has(c)) return undefined;
    return CONTROL_ESCAPES.has(c) ? ({ t: '\t', n: '\n', r: '\r', f: '\f', v: '\v' } as Record<string, string>)[c] : c;
  }

  private range(low: string): void {
    const at = this.pos - 1;
    const c = this.chars[this.pos++];
    const high = c === '\\' ? this.classEscape() : c;
    if (high === undefined) this.fail(`a range at ${at} ends in a character set`);
    if (high === '[') this.fail(`[ inside a class at ${at} is not portable: escape it as \\[`);
    if ((low.codePointAt(0) ?? 0) > (high.codePointAt(0) ?? 0)) this.fail(`range ${low}-${high} at ${at} is out of order`);
  }
}

/**
 * `pattern` as every engine reads it alike (escaped non-ASCII characters unescaped), or 400
 * ERR_INVALID_REGEX naming `field`.
 */
export function portableRegex(pattern: string, field: string): string {
  return new Parser(pattern, field).parse();
}
