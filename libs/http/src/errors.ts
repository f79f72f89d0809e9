/**
 * Every error a Warden service returns on purpose has a stable code. The table maps each code,
 * in one place, to its HTTP status and to ClearML's result_code/result_subcode pair.
 */
export const ERROR_TABLE = {
  ERR_BAD_REQUEST: { status: 400, result: [400, 12], message: 'validation error' },
  ERR_INVALID_JSON: { status: 400, result: [400, 12], message: 'request body is not valid JSON' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, result: [400, 12], message: 'request body is too large' },
  ERR_ENDPOINT_UNKNOWN: { status: 404, result: [400, 1], message: 'endpoint is not supported' },
  ERR_NOT_FOUND: { status: 404, result: [400, 10], message: 'not found' },
  ERR_UNAUTHORIZED: { status: 401, result: [401, 20], message: 'unauthorized (missing credentials)' },
  ERR_INVALID_CREDENTIALS: { status: 401, result: [401, 22], message: 'unauthorized (invalid credentials)' },
  ERR_FORBIDDEN: { status: 403, result: [403, 20], message: 'forbidden (not allowed for role)' },
  ERR_RATE_LIMITED: { status: 429, result: [429, 0], message: 'too many requests' },
  ERR_SERVICE_UNAVAILABLE: { status: 503, result: [500, 0], message: 'a backing service is unavailable' },
  ERR_INTERNAL: { status: 500, result: [500, 1], message: 'internal server error' },
} as const satisfies Record<string, { status: number; result: readonly [number, number]; message: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, data: Record<string, unknown> = {}) {
    super(message ?? ERROR_TABLE[code].message);
    this.name = 'WardenError';
    this.code = code;
    this.data = data;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}
