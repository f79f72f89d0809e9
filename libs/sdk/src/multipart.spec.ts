import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { multipartFileBody } from './multipart';
import { SdkError } from './sdk-error';

function tempFile(content: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'warden-mp-')), 'data.bin');
  writeFileSync(path, content);
  return path;
}

async function collect(body: ReturnType<typeof multipartFileBody>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses the bytes back the way the fileserver does. */
function parse(contentType: string, bytes: Buffer): Promise<Array<{ field: string; filename: string; content: Buffer }>> {
  return new Promise((resolve, reject) => {
    const files: Array<{ field: string; filename: string; content: Buffer }> = [];
    const parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8' });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => files.push({ field, filename: info.filename ?? '', content: Buffer.concat(chunks) }));
    });
    parser.on('close', () => resolve(files));
    parser.on('error', reject);
    parser.end(bytes);
  });
}

describe('multipartFileBody', () => {
  it('frames one file so busboy reads back the field name, filename and exact bytes', async () => {
    const content = randomBytes(300_000);
    // A body that ends in CRLF and holds boundary-like text must not confuse the framing.
    content.write('\r\n------warden-', 1000);
    const body = multipartFileBody({
      fieldName: 'project/task.abc/artifacts/data.bin',
      fileName: 'data.bin',
      filePath: tempFile(content),
      size: content.length,
    });
    const bytes = await collect(body);
    expect(bytes.length).toBe(body.contentLength);
    expect(body.contentType).toMatch(/^multipart\/form-data; boundary=----warden-[0-9a-f]{32}$/);
    const files = await parse(body.contentType, bytes);
    expect(files).toHaveLength(1);
    expect(files[0].field).toBe('project/task.abc/artifacts/data.bin');
    expect(files[0].filename).toBe('data.bin');
    expect(files[0].content.equals(content)).toBe(true);
  });

  it('opens a fresh stream each time, for retries', async () => {
    const content = Buffer.from('hello');
    const body = multipartFileBody({ fieldName: 'a/b.txt', fileName: 'b.txt', filePath: tempFile(content), size: content.length, boundary: 'XYZ' });
    const first = await text(body.open());
    const second = await text(body.open());
    expect(first).toBe(second);
    expect(first).toBe(
      '--XYZ\r\nContent-Disposition: form-data; name="a/b.txt"; filename="b.txt"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--XYZ--\r\n',
    );
  });

  it('reports file bytes as they are read', async () => {
    const content = randomBytes(200_000);
    const body = multipartFileBody({ fieldName: 'x', fileName: 'x', filePath: tempFile(content), size: content.length });
    let seen = 0;
    for await (const _chunk of body.open((bytes) => (seen += bytes))) void _chunk;
    expect(seen).toBe(content.length);
  });

  it('fails rather than send a body whose length does not match Content-Length', async () => {
    const path = tempFile(Buffer.from('12345'));
    const body = multipartFileBody({ fieldName: 'x', fileName: 'x', filePath: path, size: 3 });
    await expect(collect(body)).rejects.toThrow(SdkError);
    const grown = multipartFileBody({ fieldName: 'x', fileName: 'x', filePath: path, size: 10 });
    await expect(collect(grown)).rejects.toThrow('changed size');
  });

  it('refuses names that would break the header', () => {
    expect(() => multipartFileBody({ fieldName: 'a"b', fileName: 'x', filePath: '/dev/null', size: 0 })).toThrow(SdkError);
  });
});
