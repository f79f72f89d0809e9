import { WardenError } from '@warden/errors';
import { parseJsonLines } from './json-lines';

function errorOf(run: () => unknown): WardenError {
  try {
    run();
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a WardenError');
}

describe('parseJsonLines', () => {
  it('parses one event per line, skipping blank lines and CRLF endings', () => {
    const body = '{"type":"log","task":"t"}\r\n\n   \n{"type":"plot","task":"t"}\n';
    expect(parseJsonLines(body, 10)).toEqual([
      { type: 'log', task: 't' },
      { type: 'plot', task: 't' },
    ]);
    expect(parseJsonLines(Buffer.from(body), 10)).toHaveLength(2);
    expect(parseJsonLines('\n\n', 10)).toEqual([]);
  });

  it('names the first bad line (1-based, counting blank lines)', () => {
    const error = errorOf(() => parseJsonLines('{"a":1}\n\n{"a":2\n{"a":3}', 10));
    expect([error.code, error.data.line, error.message]).toEqual(['ERR_INVALID_JSON', 3, 'line 3 is not valid JSON']);
    expect(errorOf(() => parseJsonLines('{"a":1}\n[1,2]', 10)).message).toBe('line 2 is not a JSON object');
    expect(errorOf(() => parseJsonLines('null', 10)).data.line).toBe(1);
  });

  it('refuses more events than the limit, naming the limit', () => {
    const error = errorOf(() => parseJsonLines('{}\n{}\n{}', 2));
    expect([error.code, error.status, error.data.limit]).toEqual(['ERR_EVENTS_BATCH_TOO_LARGE', 413, 2]);
    expect(error.message).toContain('2 events');
    expect(parseJsonLines('{}\n{}\n\n', 2)).toHaveLength(2);
  });
});
