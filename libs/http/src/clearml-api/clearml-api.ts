import '../request-context';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { WardenError } from '@warden/errors';
import { successEnvelope } from '../envelope';
import { CLEARML_API_VERSION, compareVersions } from './api-version';
import { JSON_LINES_MAX_BODY_BYTES, bodyReader, type BodyKind, type CallInput } from './request-body';

/** One ClearML API call as a handler sees it: the merged request data and who is calling. */
export interface ApiCall<A> {
  endpoint: string;
  /** The version the client asked for, or the server's when the path names none. */
  version: string;
  data: Record<string, unknown>;
  /**
   * A batch endpoint's items: one per json-lines line, or the JSON body as the only one. Always
   * empty for other endpoints.
   */
  items: Record<string, unknown>[];
  auth: A;
  req: Request;
  res: Response;
}

export type EndpointHandler<A> = (call: ApiCall<A>) => Promise<unknown> | unknown;

/**
 * How a service authenticates a call before its handler runs; `mode` is the endpoint's own.
 * Throws a WardenError to refuse.
 */
export type Authenticator<A> = (req: Request, mode: string) => Promise<A>;

export interface ClearmlApiOptions<A> {
  authenticate: Authenticator<A>;
  /** The body limit of JSON endpoints that set none; 1 MiB by default. */
  maxBodyBytes?: number;
}

export interface EndpointOptions {
  /** Handed to the authenticator (e.g. 'token', 'basic', 'none'). */
  auth: string;
  minVersion?: string;
  /** 'json-lines' for batch endpoints; 'json' by default. */
  body?: BodyKind;
  /** Defaults to the API's limit for JSON and to 16 MiB for json-lines. */
  maxBodyBytes?: number;
}

interface Endpoint<A> {
  handler: EndpointHandler<A>;
  auth: string;
  minVersion?: string;
  readBody: (req: Request, res: Response) => Promise<CallInput>;
}

// `/service.action` or `/v2.13/service.action`, as the ClearML SDK and web UI address the API.
const ENDPOINT_PATH = /^\/(?:v(\d+\.\d+)\/)?([a-z][\w]*\.[a-z][\w]*)$/i;

/**
 * The ClearML REST mechanics shared by the gateway and the apiserver: versioned paths, GET with a
 * JSON body (the SDK's habit) or POST, query parameters merged into the data, and the
 * `{meta, data}` envelope on every answer.
 */
export class ClearmlApi<A> {
  readonly router: Router = Router();
  private readonly endpoints = new Map<string, Endpoint<A>>();

  constructor(private readonly options: ClearmlApiOptions<A>) {
    this.router.use(this.dispatch());
  }

  /** Every registered `service.action`, lower-case: what the service answers (tests drive each one). */
  endpointNames(): string[] {
    return [...this.endpoints.keys()];
  }

  /** Registers `service.action`. */
  endpoint(name: string, options: EndpointOptions, handler: EndpointHandler<A>): this {
    const { auth, minVersion, body = 'json' } = options;
    const limit = options.maxBodyBytes ?? (body === 'json-lines' ? JSON_LINES_MAX_BODY_BYTES : (this.options.maxBodyBytes ?? 1024 * 1024));
    this.endpoints.set(name.toLowerCase(), { handler, auth, minVersion, readBody: bodyReader(name, body, limit) });
    return this;
  }

  private dispatch(): RequestHandler {
    return (req, res, next) => {
      const match = ENDPOINT_PATH.exec(req.path);
      if (!match) return next();
      const [, requested, name] = match;
      const endpoint = this.endpoints.get(name.toLowerCase());
      if (!endpoint) return next();
      // Registered names only, so the metrics' route label stays bounded.
      res.locals['route'] = name.toLowerCase();
      req.app.locals.apiVersion = CLEARML_API_VERSION;
      if (requested && compareVersions(requested, CLEARML_API_VERSION) > 0) {
        return next(new WardenError('ERR_API_VERSION', `version ${requested} is newer than the server's ${CLEARML_API_VERSION}`));
      }
      const version = requested ?? CLEARML_API_VERSION;
      if (endpoint.minVersion && compareVersions(version, endpoint.minVersion) < 0) {
        return next(new WardenError('ERR_ENDPOINT_UNKNOWN', `${name} needs version ${endpoint.minVersion} or later`));
      }
      this.run(endpoint, name, version, req, res).catch(next);
    };
  }

  private async run(endpoint: Endpoint<A>, name: string, version: string, req: Request, res: Response): Promise<void> {
    // Authenticators read headers only: refusing before the body is buffered keeps anonymous
    // callers from making the server hold batch-sized bodies.
    const auth = await this.options.authenticate(req, endpoint.auth);
    const { data, items } = await endpoint.readBody(req, res);
    const result = await endpoint.handler({ endpoint: name, version, data, items, auth, req, res });
    res.json(successEnvelope(req, result ?? {}));
  }
}
