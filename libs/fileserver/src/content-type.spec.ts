import { attachmentDisposition, contentTypeFor } from './content-type';

describe('content type and disposition', () => {
  it('keeps quotes, backslashes and line breaks out of the quoted file name', () => {
    expect(attachmentDisposition('a"b\\c\r\nd.txt')).toBe(`attachment; filename="a_b_c__d.txt"; filename*=UTF-8''a%22b%5Cc%0D%0Ad.txt`);
  });

  it('types by the last extension, case-insensitively', () => {
    expect(contentTypeFor('a/B.PNG')).toEqual({ type: 'image/png', active: false });
    expect(contentTypeFor('page.HTML')).toEqual({ type: 'text/html; charset=utf-8', active: true });
    expect(contentTypeFor('noext')).toEqual({ type: 'application/octet-stream', active: false });
  });
});
