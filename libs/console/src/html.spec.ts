import { escapeHtml, html, Html } from './html';

describe('html template', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"><img src=x onerror=alert(1)>', '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'],
    ["' onmouseover='alert(1)", '&#39; onmouseover=&#39;alert(1)'],
    ['`${x}`', '&#96;${x}&#96;'],
    ['a & b', 'a &amp; b'],
    ['&lt;already&gt;', '&amp;lt;already&amp;gt;'],
    // Direction overrides and zero-width characters are text: kept as they are, never markup.
    ['\u202Egnp.exe\u200B', '\u202Egnp.exe\u200B'],
  ])('escapes %j in content and attributes', (hostile, escaped) => {
    expect(html`<p title="${hostile}">${hostile}</p>`.markup).toBe(`<p title="${escaped}">${escaped}</p>`);
    expect(escapeHtml(hostile)).toBe(escaped);
  });

  it('keeps fragments built by the same tag, and escapes strings that look like markup', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.markup).toBe('<p><b>&lt;i&gt;</b></p>');
    expect(html`<p>${'<b>x</b>'}</p>`.markup).toBe('<p>&lt;b&gt;x&lt;/b&gt;</p>');
    // An object that merely looks like a fragment is not trusted.
    const forged = { markup: '<script>' } as unknown as string;
    expect(html`${forged}`.markup).toBe('[object Object]');
  });

  it('joins lists, and renders nothing for null, undefined and false', () => {
    expect(html`<ul>${['<a>', html`<li>b</li>`]}</ul>`.markup).toBe('<ul>&lt;a&gt;<li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.markup).toBe('0');
    expect(html`x`).toBeInstanceOf(Html);
  });
});
