// The XSS table: hostile values for every user-controlled field the console renders (names, labels,
// group names, audit fields). Each would, if the page interpreted it, show itself as a dialog (the
// harness records every one) or as an element or attribute INJECTED matches. A page renders them
// inert when it shows each value as its literal text and neither of those happens.
import type { Page } from 'playwright-core';

export interface Payload {
  id: string;
  value: string;
}

// As long as a label may be (256 characters; longer ones are refused with 400), ending in a script.
const TAIL = '<script>alert("xss-long")</script>';
const LONG = `${'W'.repeat(256 - TAIL.length)}${TAIL}`;

export const PAYLOADS: Payload[] = [
  { id: 'script-tag', value: '<script>alert("xss-script")</script>' },
  { id: 'img-onerror', value: '<img src=x onerror=alert("xss-img") class=xss-img>' },
  { id: 'svg-onload', value: '<svg onload=alert("xss-svg") class=xss-svg></svg>' },
  { id: 'attribute-breakout', value: '"><script>alert("xss-break")</script><b class="xss-break">' },
  { id: 'single-quote-attribute', value: "' autofocus onfocus='alert(\"xss-focus\")' x='" },
  { id: 'unquoted-attribute', value: 'x onmouseover=alert("xss-hover") class=xss-hover' },
  { id: 'javascript-url', value: 'javascript:alert("xss-url")' },
  { id: 'anchor-javascript', value: '<a href="javascript:alert(\'xss-anchor\')" id="xss-anchor">click</a>' },
  { id: 'iframe-srcdoc', value: '<iframe srcdoc="<script>alert(\'xss-frame\')</script>" class="xss-frame"></iframe>' },
  { id: 'style-injection', value: '<style>body{display:none}</style><div style="background:url(javascript:alert(1))" class="xss-style">' },
  { id: 'template-braces', value: "{{constructor.constructor('alert(\"xss-tpl\")')()}} ${alert('xss-tpl2')} <%= 7*7 %>" },
  { id: 'textarea-breakout', value: '</textarea><script>alert("xss-ta")</script><textarea>' },
  { id: 'title-breakout', value: '</title><script>alert("xss-title")</script>' },
  { id: 'mutation-xss', value: '<math><mtext><table><mglyph><style><img src=x onerror=alert("xss-mx") class=xss-mx>' },
  { id: 'base-and-meta', value: '<base href="//evil.example/"><meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-meta\')">' },
  { id: 'entity-encoded', value: '&lt;script&gt;alert("xss-ent")&lt;/script&gt; &#60;b class=xss-ent&#62;' },
  { id: 'rtl-override', value: 'invoice\u202Egnp.exe <b class=xss-rtl>' },
  { id: 'zero-width', value: 'ad\u200Bmin\u200C\u200D\u2060 <i class=xss-zw>' },
  { id: 'over-long', value: LONG },
];

/** What the payloads would create if a page interpreted them (the console has none of these itself). */
export const INJECTED = [
  'script:not([src])',
  '[class*="xss"]',
  '[id*="xss"]',
  '[onerror]',
  '[onload]',
  '[onfocus]',
  '[onmouseover]',
  'iframe',
  'svg',
  'math',
  'style',
  'base',
  'meta[http-equiv]',
  'a[href^="javascript:" i]',
  // Chromium's autofill leaves an empty style attribute on form fields: only a non-empty one is injected.
  '[style]:not([style=""])',
].join(', ');

/** The elements INJECTED finds in the page, as short markup for an assertion message. */
export async function injectedElements(page: Page): Promise<string[]> {
  return page.locator(INJECTED).evaluateAll((elements) => elements.map((e) => e.outerHTML.slice(0, 120)));
}
