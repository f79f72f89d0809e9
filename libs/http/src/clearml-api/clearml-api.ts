import '../request-context';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { WardenError } from '@warden/errors';
import { successEnvelope } from '../envelope';
import { CLEARML_API_VERSION, compareVersions } from './api-version';

/** One ClearML API call as a handler sees it: the merged request data and who is calling. */
export interface ApiCall<A> {
  endpoint: string;
  /** The version the client asked for, or the server's when the path names none. */
  version: string;
  data: Record<string, unknown>;
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
  maxBodyBytes?: number;
}

interface Endpoint<A> {
  handler: EndpointHandler<A>;
  auth: string;
  minVersion?: string;
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
    const json = express.json({ limit: options.maxBodyBytes ?? 1024 * 1024, type: () => true });
    this.router.use(this.dispatch(json));
  }

  /** Registers `service.action`; `auth` is handed to the authenticator (e.g. 'token', 'basic', 'none'). */
  endpoint(name: string, options: { auth: string; minVersion?: string }, handler: EndpointHandler<A>): this {
    this.endpoints.set(name.toLowerCase(), { handler, ...options });
    return this;
  }

  private dispatch(json: RequestHandler): RequestHandler {
    return (req, res, next) => {
      const match = ENDPOINT_PATH.exec(req.path);
      if (!match) return next();
      const [, requested, name] = match;
      const endpoint = this.endpoints.get(name.toLowerCase());
      if (!endpoint) return next();
      req.app.locals.apiVersion = CLEARML_API_VERSION;
      if (requested && compareVersions(requested, CLEARML_API_VERSION) > 0) {
        return next(new WardenError('ERR_API_VERSION', `version ${requested} is newer than the server's ${CLEARML_API_VERSION}`));
      }
      const version = requested ?? CLEARML_API_VERSION;
      if (endpoint.minVersion && compareVersions(version, endpoint.minVersion) < 0) {
        return next(new WardenError('ERR_ENDPOINT_UNKNOWN', `${name} needs version ${endpoint.minVersion} or later`));
      }
      json(req, res, (error?: unknown) => {
        if (error) return next(error);
        this.run(endpoint, name, version, req, res).catch(next);
      });
    };
  }

  private async run(endpoint: Endpoint<A>, name: string, version: string, req: Request, res: Response): Promise<void> {
    const data = requestData(req);
    const auth = await this.options.authenticate(req, endpoint.auth);
    const result = await endpoint.handler({ endpoint: name, version, data, auth, req, res });
    res.json(successEnvelope(req, result ?? {}));
  }
}

function requestData(req: Request): Record<string, unknown> {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WardenError('ERR_BAD_REQUEST', 'request body must be a JSON object');
  }
  // Query parameters fill in what the body does not say, as ClearML does for GET calls.
  return { ...(req.query as Record<string, unknown>), ...(body as Record<string, unknown>) };
}
