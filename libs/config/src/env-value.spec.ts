import { parseEnvValue } from './env-value';

describe('environment values', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['null', null],
    ['8081', 8081],
    ['-1.5', -1.5],
    ['[a, b]', ['a', 'b']],
    ['["admins"]', ['admins']],
    ['"[\\"a\\",\\"b\\"]"', ['a', 'b']],
    ['[\\"a\\",\\"b\\"]', ['a', 'b']],
    ['{ enabled: true, claim: groups }', { enabled: true, claim: 'groups' }],
    ['http://host:8081', 'http://host:8081'],
    ['mongodb://127.0.0.1:27017/backend', 'mongodb://127.0.0.1:27017/backend'],
    ['x!XTov_G-#vspE*Y(h$Anm', 'x!XTov_G-#vspE*Y(h$Anm'],
    ['"quoted text"', 'quoted text'],
    ['0755', '0755'],
    ['  spaced  ', '  spaced  '],
  ])('reads %s', (raw, expected) => {
    expect(parseEnvValue(raw, 'env X')).toEqual(expected);
  });

  it('names the variable when a list is malformed', () => {
    expect(() => parseEnvValue('[a, b', 'env CLEARML__A__B')).toThrow(/env CLEARML__A__B:1: .*must be a valid list or object/);
  });
});
