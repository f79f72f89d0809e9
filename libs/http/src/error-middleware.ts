import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { SecretScrubber } from '@warden/secrets';
import { fromUnreachableBackend } from './backend-errors';
import { bodyParserError } from './body-errors';
import { errorEnvelope } from './envelope';
import { ERROR_CODE_LOCAL } from './request-log';
import { WardenError, type ErrorCode } from '@warden/errors';

export const unknownEndpoint: RequestHandler = (req, _res, next) => {
  next(new WardenError('ERR_ENDPOINT_UNKNOWN', `unknown endpoint ${req.method} ${req.path}`));
};

// Messages may echo what a client sent, up to the body limit; a reader needs its start, not megabytes.
const MAX_MESSAGE = 2_000;

/** The message cut to its first MAX_MESSAGE characters, saying how many were left out; scrubbed before, so no secret is cut in half. */
function clip(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE)}… (${message.length - MAX_MESSAGE} more characters)`;
}

/**
 * The one place errors become responses: a stable code, the HTTP status, ClearML's envelope.
 * Unexpected errors are logged in full and answered with a generic message; stacks only leave
 * the server in development, scrubbed of secrets.
 */
export function errorMiddleware(options: { logger: Logger; scrubber: SecretScrubber; exposeStacks: boolean }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = error instanceof WardenError ? error : (bodyParserError(error) ?? fromUnreachableBackend(error));
    const wardenError = known ?? new WardenError('ERR_INTERNAL');
    if (!known) (req.log ?? options.logger).error({ err: error }, 'unhandled error');
    const stack = !known && options.exposeStacks && error instanceof Error ? options.scrubber.scrub(error.stack ?? '') : null;
    const code: ErrorCode = wardenError.code;
    const message = clip(options.scrubber.scrub(wardenError.message));
    const retryAfter = wardenError.data['retry_after_sec'];
    if (typeof retryAfter === 'number') res.set('Retry-After', String(Math.ceil(retryAfter)));
    res.locals[ERROR_CODE_LOCAL] = code;
    res.status(wardenError.status).json(errorEnvelope(req, code, message, wardenError.data, stack));
  };
}
