export const HOME_PATH = '/console';
const MAX_NEXT = 2048;

/**
 * Where to go after login: only a path of this origin, else the console home. The check works on
 * the decoded text too, so an encoded `//`, a backslash (browsers read `/\evil` as `//evil`), a
 * scheme or a control character never gets through; and the answer is rebuilt from a URL parsed
 * against a fixed origin, so what the browser follows is what was checked.
 */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NEXT) return HOME_PATH;
  let decoded = raw;
  try {
    // Twice: a double-encoded %252F%252F must not become // in a later decode.
    decoded = decodeURIComponent(decodeURIComponent(raw));
  } catch {
    return HOME_PATH;
  }
  if (/\s/.test(raw)) return HOME_PATH;
  for (const text of [raw, decoded]) {
    if (!text.startsWith('/') || text.startsWith('//') || text.includes('\\')) return HOME_PATH;
    if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return HOME_PATH;
  }
  const base = 'http://console.invalid';
  const url = new URL(raw, base);
  if (url.origin !== base) return HOME_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}
