import { apiDate } from './api-date';
import { fromStored, isoDate } from './stored-values';

// What the SDK does with an answered date (clearml.backend_interface.util.datetime_from_isoformat
// after the optimizer's `.partition("+")[0]`): cut at '+', then strptime with or without %f.
const sdkParse = (answer: string) => {
  const [head] = answer.split('+');
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(head);
  if (!match) throw new Error(`unconverted data remains in ${answer}`);
  const [, y, mo, d, h, mi, s, frac = '0'] = match;
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.floor(Number(frac.padEnd(6, '0')) / 1000));
};

describe('answered dates', () => {
  const at = new Date('2026-12-01T13:53:00.986Z');

  it('have ClearML shape: microseconds and an explicit UTC offset', () => {
    expect(apiDate(at)).toBe('2026-12-01T13:53:00.986000+00:00');
    expect(apiDate(new Date(0))).toBe('1970-01-01T00:00:00.000000+00:00');
  });

  it('parse the way the SDK parses them, to the same instant', () => {
    for (const answer of [apiDate(at), isoDate(at) as string, (fromStored({ at }) as { at: string }).at]) {
      expect(sdkParse(answer)).toBe(at.getTime());
      expect(new Date(answer).getTime()).toBe(at.getTime());
    }
  });
});
