import type { DestinationStream } from 'pino';

/** A log destination that keeps every line, for tests that inspect what was logged. */
export class CapturedLogs implements DestinationStream {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  get text(): string {
    return this.lines.join('');
  }
}
