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
  it('parses one object per line, skipping blank lines and CRLF endings', () => {
    const body = '{"type":"log","task":"t"}\r\n\n   \n{"type":"plot","task":"t"}\n';
    expect(parseJsonLines(body)).toEqual([
      { type: 'log', task: 't' },
      { type: 'plot', task: 't' },
    ]);
    expect(parseJsonLines('\n\n')).toEqual([]);
  });

  it('names the first bad line (1-based, counting blank lines)', () => {
    const error = errorOf(() => parseJsonLines('{"a":1}\n\n{"a":2\n{"a":3}'));
    expect([error.code, error.status, error.data.line, error.message]).toEqual(['ERR_INVALID_JSON', 400, 3, 'line 3 is not valid JSON']);
    expect(errorOf(() => parseJsonLines('{"a":1}\n[1,2]')).message).toBe('line 2 is not a JSON object');
    expect(errorOf(() => parseJsonLines('null')).data.line).toBe(1);
  });
});
