import { SecretScrubber } from '@warden/secrets';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';
import type { ClientConfig } from './client-config';
import { downloadFile, type DownloadResult } from './download';
import { unwrapEnvelope, unwrapFileserver } from './envelope';
import { readBody, send } from './http-send';
import { normaliseRemotePath, remoteUrl } from './remote-path';
import { REAL_CLOCK, withRetry, type RetryClock } from './retry';
import { SdkError, isSdkError } from './sdk-error';
import { TlsPolicy, type ClientTls } from './tls-policy';
import type { ClientRetryEvent, Session, TransferOptions } from './session';
import { uploadFile, uploadFolder, type FolderUploadOptions, type UploadedFile } from './upload';

export interface WardenClientOptions {
  config: Pick<ClientConfig, 'apiHost' | 'filesHost' | 'accessKey' | 'secretKey'>;
  retry?: Partial<RetryPolicy>;
  clock?: RetryClock;
  idleTimeoutMs?: number;
  onRetry?: (event: ClientRetryEvent) => void;
  /** https: a private CA, the expected certificate name, no verification, or trust on first use. */
  tls?: ClientTls;
}

const API = 'api server';
const FILES = 'fileserver';

/** A ClearML-protocol client: logs in with an access key pair and keeps the token in memory only. */
export class WardenClient implements Session {
  readonly filesHost: string;
  readonly idleTimeoutMs: number;
  readonly tls: TlsPolicy;
  private readonly apiHost: string;
  private readonly basicAuth: string;
  private readonly policy: RetryPolicy;
  private readonly clock: RetryClock;
  private readonly scrubber = new SecretScrubber();
  private token?: string;

  constructor(private readonly options: WardenClientOptions) {
    const { config } = options;
    this.apiHost = config.apiHost.replace(/\/+$/, '');
    this.filesHost = config.filesHost.replace(/\/+$/, '');
    this.basicAuth = Buffer.from(`${config.accessKey}:${config.secretKey}`).toString('base64');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.clock = options.clock ?? REAL_CLOCK;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.tls = new TlsPolicy(options.tls);
    this.scrubber.add(config.secretKey);
    this.scrubber.add(this.basicAuth);
  }

  get loggedIn(): boolean {
    return this.token !== undefined;
  }

  async login(signal?: AbortSignal): Promise<void> {
    this.token = undefined;
    const data = await this.retrying(API, signal, () => this.post<{ token?: unknown }>('auth.login', {}, `Basic ${this.basicAuth}`, signal)).catch(
      (error: unknown) => {
        if (!isSdkError(error) || (error.status !== 401 && error.status !== 403)) throw error;
        throw error.withMessage(`login refused: ${refusalReason(error.serverMessage)}`);
      },
    );
    if (typeof data?.token !== 'string' || !data.token) throw new SdkError('ERR_BAD_RESPONSE', `${API} answered auth.login without a token`);
    this.token = data.token;
    this.scrubber.add(data.token);
  }

  /** Calls an API endpoint (`users.get_current_user`) and returns the envelope's `data`. */
  request<T>(endpoint: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.authorized(signal, (authorization) => this.retrying(API, signal, () => this.post<T>(endpoint, body, authorization, signal)));
  }

  uploadFile(localPath: string, remotePath: string, options: TransferOptions = {}): Promise<UploadedFile> {
    return uploadFile(this, localPath, remotePath, options);
  }

  uploadFolder(localDir: string, remotePrefix: string, options: FolderUploadOptions = {}): Promise<UploadedFile[]> {
    return uploadFolder(this, localDir, remotePrefix, options);
  }

  download(remotePath: string, localPath: string, options: TransferOptions = {}): Promise<DownloadResult> {
    return downloadFile(this, remotePath, localPath, options);
  }

  async delete(remotePath: string, signal?: AbortSignal): Promise<void> {
    const url = remoteUrl(this.filesHost, normaliseRemotePath(remotePath));
    await this.authorized(signal, (authorization) =>
      this.retrying(FILES, signal, async () => {
        const response = await send({
          method: 'DELETE',
          url,
          target: FILES,
          headers: { Authorization: authorization },
          signal,
          idleTimeoutMs: this.idleTimeoutMs,
          tls: this.tls,
        });
        const body = await readBody(response, FILES, url);
        return unwrapFileserver({ status: response.status, headers: response.headers, body }, FILES, this.scrub);
      }),
    );
  }

  async deleteMany(remotePaths: string[], signal?: AbortSignal): Promise<unknown> {
    const files = remotePaths.map(normaliseRemotePath);
    const url = `${this.filesHost}/delete_many`;
    const payload = Buffer.from(JSON.stringify({ files }));
    return this.authorized(signal, (authorization) =>
      this.retrying(FILES, signal, async () => {
        const headers = { Authorization: authorization, 'Content-Type': 'application/json', 'Content-Length': payload.length };
        const response = await send({ method: 'POST', url, target: FILES, headers, body: payload, signal, idleTimeoutMs: this.idleTimeoutMs, tls: this.tls });
        const body = await readBody(response, FILES, url);
        return unwrapFileserver({ status: response.status, headers: response.headers, body }, FILES, this.scrub);
      }),
    );
  }

  async authorized<T>(signal: AbortSignal | undefined, perform: (authorization: string) => Promise<T>): Promise<T> {
    if (!this.token) await this.login(signal);
    try {
      return await perform(`Bearer ${this.token}`);
    } catch (error) {
      // Expired or revoked: one fresh login, then a second 401 is final.
      if (!isSdkError(error) || error.status !== 401) throw error;
      await this.login(signal);
      return perform(`Bearer ${this.token}`);
    }
  }

  retrying<T>(target: string, signal: AbortSignal | undefined, operation: (attempt: number) => Promise<T>): Promise<T> {
    const onRetry = this.options.onRetry;
    return withRetry(operation, { policy: this.policy, clock: this.clock, signal, onRetry: onRetry && ((event) => onRetry({ ...event, target })) });
  }

  readonly scrub = (text: string): string => this.scrubber.scrub(text);

  private async post<T>(endpoint: string, payload: unknown, authorization: string, signal?: AbortSignal): Promise<T> {
    const url = `${this.apiHost}/${endpoint}`;
    const body = Buffer.from(JSON.stringify(payload));
    const headers = { Authorization: authorization, 'Content-Type': 'application/json', 'Content-Length': body.length };
    const response = await send({ method: 'POST', url, target: API, headers, body, signal, idleTimeoutMs: this.idleTimeoutMs, tls: this.tls });
    const answer = { status: response.status, headers: response.headers, body: await readBody(response, API, url) };
    return unwrapEnvelope<T>(answer, API, this.scrub);
  }
}

/** "unauthorized (invalid credentials)" reads better as "invalid credentials" after "login refused:". */
function refusalReason(serverMessage: string | undefined): string {
  if (!serverMessage) return 'no reason given';
  return /^unauthorized \((.+)\)$/.exec(serverMessage)?.[1] ?? serverMessage;
}
