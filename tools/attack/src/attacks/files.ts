// Path traversal on every file verb: GET, HEAD and DELETE by URL, upload field names, delete_many
// entries. Paths go out byte for byte (no client-side normalisation). Files outside the tenant's
// folder (another tenant's, the storage root's neighbours) must stay unreachable and intact.
import { bearer, send } from '../http';
import type { Expect } from '../report';
import { upload, type World } from '../world';

const TRAVERSAL: Expect = { status: 400, code: 'ERR_PATH_TRAVERSAL' };
const INVALID: Expect = { status: 400, code: 'ERR_PATH_INVALID' };
const TOO_LONG: Expect = { status: 400, code: 'ERR_PATH_TOO_LONG' };

/** URL paths as a client sends them, each with the refusal it must get. */
function urlPaths(w: World): [string, Expect][] {
  const b = `${w.b.company}/${w.objectsB.file}`;
  return [
    [`/../${b}`, TRAVERSAL],
    [`/data/../../${b}`, TRAVERSAL],
    [`/..%2f${b}`, TRAVERSAL],
    [`/%2e%2e/${b}`, TRAVERSAL],
    [`/%2e%2e%2f${b}`, TRAVERSAL],
    [`/%252e%252e/${b}`, TRAVERSAL],
    [`/..%5c${b}`, TRAVERSAL],
    [`/..\\${b}`, TRAVERSAL],
    ['//etc/passwd', TRAVERSAL],
    ['/%2fetc%2fpasswd', TRAVERSAL],
    ['/data%00.bin', TRAVERSAL],
    ['/data/./x.bin', INVALID],
    ['/data//x.bin', INVALID],
    ['/%zz', INVALID],
    ['/data/%0a.bin', INVALID],
    ['/.warden-tmp/x', INVALID],
    [`/${'a'.repeat(300)}`, TOO_LONG],
    [`/${'abcdefgh/'.repeat(120)}x`, TOO_LONG],
  ];
}

/** Upload field names (the object path of each part). */
const UPLOAD_NAMES: [string, Expect][] = [
  ['../escape.txt', TRAVERSAL],
  ['data/../../escape.txt', TRAVERSAL],
  ['//../escape.txt', TRAVERSAL],
  ['..\\escape.txt', TRAVERSAL],
  ['%2e%2e/escape.txt', TRAVERSAL],
  ['data%2f..%2fescape.txt', TRAVERSAL],
  ['data/./escape.txt', INVALID],
  ['data/%00escape.txt', TRAVERSAL],
  ['.warden-tmp/escape.txt', INVALID],
  [`${'b'.repeat(256)}.txt`, TOO_LONG],
];

/** A path as the table shows it: B's ids by name (they change every run), long ones cut. */
function shown(w: World, path: string): string {
  const named = path.split(w.objectsB.file).join('<B file>').split(w.b.company).join('<B company>');
  return named.length > 60 ? `${named.slice(0, 40)}… (${path.length} chars)` : named;
}

export async function fileAttacks(w: World): Promise<void> {
  w.report.section('files');
  const { stack, report } = w;
  const token = w.a.admin.token;
  for (const [path, expect] of urlPaths(w)) {
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      // HEAD answers carry no body, so only the status can be compared.
      const expected = method === 'HEAD' ? { status: expect.status } : expect;
      report.answer(`${method} ${shown(w, path)}`, expected, await send(stack.files, { method, path, headers: bearer(token) }), w.foreignToA);
    }
  }
  for (const [name, expect] of UPLOAD_NAMES) {
    const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 20)}…` : name);
    report.answer(`upload named ${shown}`, expect, await upload(stack.files, token, [{ name, content: 'escape' }]));
  }
  report.answer(
    'upload with one good and one hostile part (all or nothing)',
    TRAVERSAL,
    await upload(stack.files, token, [
      { name: 'ok/first.txt', content: 'x' },
      { name: '../second.txt', content: 'x' },
    ]),
  );
  const leftover = await send(stack.files, { method: 'GET', path: '/ok/first.txt', headers: bearer(token) });
  report.answer('the good part of a refused upload is not stored', { status: 404, code: 'ERR_NOT_FOUND' }, leftover);

  const hostile = [
    '../' + w.objectsB.file,
    `${w.b.company}/../../${w.b.company}/${w.objectsB.file}`,
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e/x',
    '/',
    '',
    '.',
    'a/./b',
    '..\\x',
    42,
    { $ne: 1 },
  ];
  const many = await send(stack.files, { path: '/delete_many', body: { files: hostile }, headers: bearer(token) });
  const deleted = Object.keys((many.json as { deleted?: object } | undefined)?.deleted ?? {});
  report.effect(
    `delete_many with ${hostile.length} hostile entries`,
    '200, nothing deleted',
    `${many.status}, deleted ${JSON.stringify(deleted)}`,
    many.status === 200 && deleted.length === 0,
    deleted.length > 0,
  );

  const bFile = await send(stack.files, { method: 'GET', path: `/${w.objectsB.file}`, headers: bearer(w.b.user.token) });
  report.effect(
    "B's file afterwards",
    'intact',
    bFile.status === 200 && bFile.text === w.objectsB.fileMarker ? 'intact' : `${bFile.status} ${bFile.text.slice(0, 40)}`,
    bFile.status === 200 && bFile.text === w.objectsB.fileMarker,
  );
}
