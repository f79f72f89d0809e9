import { ERROR_TABLE, WardenError, isWardenError } from './errors';

describe('error table', () => {
  it('maps every code to an HTTP error status and a ClearML result code of the same class', () => {
    for (const [code, entry] of Object.entries(ERROR_TABLE)) {
      expect([code, entry.status >= 400 && entry.status < 600]).toEqual([code, true]);
      const [resultCode] = entry.result;
      // ClearML answers 404s and 413s as 400-class results and 503s as 500-class ones.
      expect([code, Math.floor(resultCode / 100)]).toEqual([
        code,
        Math.floor((entry.status === 404 || entry.status === 413 ? 400 : entry.status === 503 ? 500 : entry.status) / 100),
      ]);
    }
  });

  it('carries the code, the status and the table message unless one is given', () => {
    const error = new WardenError('ERR_JWT_EXPIRED');
    expect([error.code, error.status, error.message]).toEqual(['ERR_JWT_EXPIRED', 401, 'invalid token (expired)']);
    expect(new WardenError('ERR_NOT_FOUND', 'task t1 not found').message).toBe('task t1 not found');
    expect(isWardenError(error)).toBe(true);
    expect(isWardenError(new Error('x'))).toBe(false);
  });
});
