import { optionalInt, optionalString, requiredString } from './request-fields';

describe('request fields', () => {
  it('reads well-typed fields and names the field when a type is wrong', () => {
    expect(requiredString({ access_key: 'K' }, 'access_key')).toBe('K');
    expect(optionalString({}, 'label')).toBeUndefined();
    expect(optionalInt({ expiration_sec: '60' }, 'expiration_sec', 1)).toBe(60);
    expect(() => requiredString({}, 'access_key')).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_REQUEST', message: 'access_key is required and must be a string' }),
    );
    expect(() => optionalString({ label: 3 }, 'label')).toThrow('label must be a string');
    expect(() => optionalInt({ expiration_sec: 0 }, 'expiration_sec', 1)).toThrow('expiration_sec must be an integer of at least 1');
    expect(() => optionalInt({ expiration_sec: 1.5 }, 'expiration_sec', 1)).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
  });
});
