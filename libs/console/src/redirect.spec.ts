import { HOME_PATH, safeNext } from './redirect';

describe('safeNext: where login may send the browser', () => {
  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https:evil.example',
    'https://evil.example/console',
    'javascript:alert(1)',
    'data:text/html,x',
    '%2F%2Fevil.example',
    '/%2F/evil.example',
    '/%2Fevil.example',
    '/%5Cevil.example',
    '%252F%252Fevil.example',
    '/%252F%252Fevil.example',
    '/\tevil',
    '/\n/evil.example',
    '/console\r\nSet-Cookie: x=1',
    '/%0d%0aSet-Cookie:x',
    '/%00',
    ' /console',
    'console',
    '',
    '/%E0%A4%A',
    'x'.repeat(3000),
  ])('refuses %j', (next) => {
    expect(safeNext(next)).toBe(HOME_PATH);
  });

  it.each([
    ['/console', '/console'],
    ['/console/settings/audit?user=a%20b&page=2', '/console/settings/audit?user=a%20b&page=2'],
    ['/console#credentials', '/console#credentials'],
    ['/console/../login', '/login'],
  ])('keeps %j', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });

  it('refuses anything that is not a string', () => {
    expect(safeNext(['/console', '//evil'])).toBe(HOME_PATH);
    expect(safeNext(undefined)).toBe(HOME_PATH);
  });
});
