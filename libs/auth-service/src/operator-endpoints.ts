import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { WardenError } from '@warden/errors';
import type { AuditTrail, FailureLimiter, FoundedTenant, TenantFounder, TenantInput } from '@warden/identity';
import { optionalString, requiredString } from './request-fields';

export const OPERATOR_TENANTS_PATH = '/operator/tenants';

export interface OperatorRoutesOptions {
  /** secure.auth.operator_secret; the endpoint answers like an unknown one while it is unset. */
  operatorSecret?: string;
  founder: TenantFounder;
  audit: AuditTrail;
  /** Failed attempts per client address. */
  limiter: FailureLimiter;
  logger: Logger;
  /** Throws ERR_SERVICE_UNAVAILABLE while the gateway is not set up. */
  assertReady: () => void;
}

const MAX_BODY_BYTES = 16 * 1024;

/**
 * The operator's own door, outside ClearML's API and never forwarded by the apiserver: founding a
 * company and its first admin. No token opens it, only the dedicated operator secret; failures are
 * rate limited per client and every attempt is audited and logged, without the secret.
 */
export function operatorRoutes(options: OperatorRoutesOptions): Router {
  const { operatorSecret, founder, audit, limiter, logger, assertReady } = options;
  const matches = secretMatcher(operatorSecret);
  const routes = Router();
  routes.post(OPERATOR_TENANTS_PATH, async (req, res, next) => {
    const clientIp = req.ip ?? '';
    const refuse = (error: WardenError) => {
      audit.record({ type: 'tenant.create', outcome: 'failure', client_ip: clientIp, reason: error.code });
      logger.warn({ event: 'operator', action: 'tenant.create', outcome: 'failure', code: error.code, client_ip: clientIp }, 'operator action refused');
      next(error);
    };
    try {
      if (!matches) return refuse(new WardenError('ERR_ENDPOINT_UNKNOWN', `unknown endpoint ${req.method} ${req.path}`));
      assertReady();
      await limiter.assertAllowed(clientIp);
      const presented = bearerOf(req);
      if (!presented || !matches(presented)) {
        await limiter.recordFailure(clientIp);
        return refuse(
          new WardenError(presented ? 'ERR_INVALID_CREDENTIALS' : 'ERR_UNAUTHORIZED', 'send the operator secret as Authorization: Bearer <secret>'),
        );
      }
      // The body of a caller who has not proved the secret is never read.
      const founded = await founder.found(tenantInput(await readJson(req)));
      audit.record({
        type: 'tenant.create',
        outcome: 'success',
        company: founded.company.id,
        user: founded.admin.id,
        username: founded.admin.username,
        client_ip: clientIp,
      });
      logger.info({ event: 'operator', action: 'tenant.create', company: founded.company.id, admin: founded.admin.id, client_ip: clientIp }, 'tenant founded');
      // The answer holds a secret shown once: no cache may keep a copy.
      res.status(201).set('Cache-Control', 'no-store').json(answer(founded));
    } catch (error) {
      if (error instanceof WardenError) return refuse(error);
      next(error);
    }
  });
  return routes;
}

/** Compares in constant time: both sides are keyed hashes of equal length. */
function secretMatcher(secret: string | undefined): ((presented: string) => boolean) | undefined {
  if (!secret) return undefined;
  const key = randomBytes(32);
  const digest = (value: string) => createHmac('sha256', key).update(value, 'utf8').digest();
  const expected = digest(secret);
  return (presented) => timingSafeEqual(digest(presented), expected);
}

function bearerOf(req: Request): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

async function readJson(req: Request): Promise<unknown> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') throw new WardenError('ERR_UNSUPPORTED_ENCODING');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new WardenError('ERR_PAYLOAD_TOO_LARGE');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new WardenError('ERR_INVALID_JSON');
  }
}

function tenantInput(body: unknown): TenantInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new WardenError('ERR_BAD_REQUEST', 'the body must be a JSON object');
  const data = body as Record<string, unknown>;
  const admin = data['admin'];
  if (typeof admin !== 'object' || admin === null || Array.isArray(admin)) {
    throw new WardenError('ERR_BAD_REQUEST', 'admin is required: {username, name?, email?, password?}', { field: 'admin' });
  }
  // Prefixed, so that an error names the field as the caller wrote it: admin.username.
  const fields = Object.fromEntries(Object.entries(admin).map(([key, value]) => [`admin.${key}`, value]));
  return {
    companyName: requiredString(data, 'company_name'),
    companyId: optionalString(data, 'company_id'),
    admin: {
      username: requiredString(fields, 'admin.username'),
      name: optionalString(fields, 'admin.name'),
      email: optionalString(fields, 'admin.email'),
      password: optionalString(fields, 'admin.password'),
    },
  };
}

function answer({ company, admin, credentials }: FoundedTenant) {
  return {
    company: { id: company.id, name: company.name },
    admin: { id: admin.id, username: admin.username, name: admin.name, role: admin.role },
    password_set: credentials === undefined,
    ...(credentials && { credentials: { access_key: credentials.access_key, secret_key: credentials.secret_key } }),
  };
}
