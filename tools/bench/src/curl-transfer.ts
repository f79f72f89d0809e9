import { execFile } from 'node:child_process';

export interface CurlResult {
  ms: number;
  bytes: number;
}

/**
 * One transfer by curl, a client in C in its own process: the 1 GiB transfers then cost the bench's
 * event loop nothing, and a load generator running beside them is not slowed by its own upload.
 */
function curl(args: string[], headers: Record<string, string>): Promise<CurlResult> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  // No Expect: 100-continue: both servers would answer it, but its round trip measures nothing.
  const all = ['-sS', '-o', '/dev/null', '-H', 'Expect:', ...headerArgs, '-w', '%{http_code} %{time_total} %{size_download} %{size_upload}', ...args];
  return new Promise((resolve, reject) => {
    execFile('curl', all, (error, stdout) => {
      if (error) return reject(new Error(`curl ${args.at(-1)}: ${error.message}`));
      const [status, seconds, down, up] = stdout.trim().split(' ');
      if (!status.startsWith('2')) return reject(new Error(`curl ${args.at(-1)}: HTTP ${status}`));
      resolve({ ms: Number(seconds) * 1000, bytes: Math.max(Number(down), Number(up)) });
    });
  });
}

export const curlDownload = (url: string, headers: Record<string, string> = {}) => curl([url], headers);

/** A ClearML-protocol upload: one multipart part whose field name is the object path. */
export const curlUpload = (baseUrl: string, file: string, remotePath: string, headers: Record<string, string> = {}) =>
  curl(['-F', `${remotePath}=@${file};filename=${remotePath};type=application/octet-stream`, `${baseUrl}/`], headers);
