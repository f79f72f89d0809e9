import type { Answer } from './http';

/** What a hostile request must get: the HTTP status and, for ClearML envelopes, the stable error code. */
export interface Expect {
  status: number;
  code?: string;
}

type Verdict = 'pass' | 'FAIL' | 'BYPASS' | '5XX';

interface Row {
  name: string;
  expected: string;
  actual: string;
  verdict: Verdict;
}

export const show = (e: Expect) => `${e.status}${e.code ? ` ${e.code}` : ''}`;
const actualOf = (a: Answer) => (a.status === 0 ? `no answer (${a.error})` : `${a.status}${a.code ? ` ${a.code}` : ''}`);

/**
 * The suite's table. A case is a BYPASS when a refusal was expected and the request got through (or
 * the answer held another tenant's data), 5XX when the server failed where no backend was stopped,
 * FAIL for any other difference from the target behaviour.
 */
export class Report {
  readonly rows: Row[] = [];
  private group = '';
  private acceptIsBypass = true;

  /**
   * Starts a class of cases. Where a refusal guards nothing but the input's shape (malformed
   * bodies), a request that gets through is a failure rather than a bypass.
   */
  section(group: string, options: { acceptIsBypass?: boolean } = {}): void {
    this.group = group;
    this.acceptIsBypass = options.acceptIsBypass ?? true;
  }

  /**
   * An answer against its expected status and code. `foreign` are values (another tenant's ids
   * and data) that must not appear in it, unless the request itself named them.
   */
  answer(name: string, expected: Expect, a: Answer, foreign: readonly string[] = []): boolean {
    const leaked = foreign.find((value) => value && a.text.includes(value) && !a.sent?.includes(value));
    const matches = a.status === expected.status && (expected.code === undefined || a.code === expected.code);
    const accepted = expected.status >= 400 && a.status >= 200 && a.status < 400;
    let verdict: Verdict = matches ? 'pass' : 'FAIL';
    if (a.status >= 500 && !(a.status === 503 && expected.status === 503)) verdict = '5XX';
    else if ((accepted && this.acceptIsBypass) || leaked) verdict = 'BYPASS';
    const actual = `${actualOf(a)}${leaked ? " (holds another tenant's data)" : ''}`;
    return this.add(name, show(expected), actual, verdict);
  }

  /** A check of an effect (what got stored, who a token names); `bypass` when failing it crossed a control. */
  effect(name: string, expected: string, actual: string, ok: boolean, bypass = true, serverError = false): boolean {
    return this.add(name, expected, actual, ok ? 'pass' : serverError ? '5XX' : bypass ? 'BYPASS' : 'FAIL');
  }

  private add(name: string, expected: string, actual: string, verdict: Verdict): boolean {
    this.rows.push({ name: `${this.group}: ${name}`, expected, actual, verdict });
    return verdict === 'pass';
  }

  count(verdict: Verdict): number {
    return this.rows.filter((r) => r.verdict === verdict).length;
  }

  print(out: (line: string) => void): void {
    const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
    const widths = [78, 44, 52, 7];
    const line = (cells: string[]) =>
      cells
        .map((c, i) => cut(c, widths[i]).padEnd(widths[i]))
        .join(' | ')
        .trimEnd();
    out(line(['case', 'expected', 'actual', 'verdict']));
    out(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const r of this.rows) out(line([r.name, r.expected, r.actual, r.verdict]));
  }
}
