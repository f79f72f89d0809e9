/**
 * Every error a Warden service returns on purpose has a stable code. The table maps each code,
 * in one place, to its HTTP status and to ClearML's result_code/result_subcode pair.
 */
export const ERROR_TABLE = {
  ERR_BAD_REQUEST: { status: 400, result: [400, 12], message: 'validation error' },
  ERR_INVALID_JSON: { status: 400, result: [400, 12], message: 'request body is not valid JSON' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, result: [400, 12], message: 'request body is too large' },
  ERR_API_VERSION: { status: 400, result: [400, 2], message: 'request path has invalid version' },
  // Object paths and uploads (fileserver, storage). Each refusal names why, so clients can tell them apart.
  ERR_PATH_TRAVERSAL: { status: 400, result: [400, 12], message: 'path leaves its folder (.., an absolute path, a backslash or an encoded separator)' },
  ERR_PATH_INVALID: { status: 400, result: [400, 12], message: 'path is not a valid object path' },
  ERR_PATH_TOO_LONG: { status: 400, result: [400, 12], message: 'path or one of its segments is too long' },
  ERR_PATH_CONFLICT: { status: 409, result: [400, 12], message: 'path collides with an existing file or folder' },
  ERR_RANGE_NOT_SATISFIABLE: { status: 416, result: [400, 12], message: 'requested range is not satisfiable' },
  ERR_TOO_MANY_PARTS: { status: 400, result: [400, 12], message: 'multipart body has too many parts' },
  ERR_MULTIPART_LIMIT: { status: 400, result: [400, 12], message: 'multipart field or part headers are too large' },
  ERR_UPLOAD_INCOMPLETE: { status: 400, result: [400, 12], message: 'upload ended before the multipart body was complete' },
  ERR_UPLOAD_IDLE_TIMEOUT: { status: 408, result: [400, 12], message: 'upload stalled: no data arrived within the idle timeout' },
  ERR_BATCH_TOO_LARGE: { status: 400, result: [400, 12], message: 'batch has more entries than allowed' },
  ERR_UNSUPPORTED_ENCODING: { status: 415, result: [400, 12], message: 'content encoding is not supported' },
  ERR_INVALID_ENCODING: { status: 400, result: [400, 12], message: 'request body does not decode with its Content-Encoding' },
  ERR_BATCH_DELETE_DISABLED: { status: 403, result: [403, 20], message: 'batch delete is turned off on this fileserver' },
  ERR_ENDPOINT_UNKNOWN: { status: 404, result: [400, 1], message: 'endpoint is not supported' },
  ERR_INVALID_ACCESS_KEY: { status: 400, result: [400, 75], message: 'access key not found' },
  ERR_INVALID_USER: { status: 400, result: [400, 300], message: 'invalid user' },
  ERR_NOT_FOUND: { status: 404, result: [400, 10], message: 'not found' },
  ERR_UNAUTHORIZED: { status: 401, result: [401, 20], message: 'unauthorized (missing credentials)' },
  ERR_BAD_AUTH_SCHEME: { status: 401, result: [401, 10], message: 'unauthorized (bad authentication header type)' },
  ERR_MALFORMED_CREDENTIALS: { status: 401, result: [401, 21], message: 'unauthorized (malformed credentials)' },
  ERR_INVALID_CREDENTIALS: { status: 401, result: [401, 22], message: 'unauthorized (invalid credentials)' },
  ERR_CREDENTIALS_REVOKED: { status: 401, result: [401, 22], message: 'unauthorized (credentials revoked)' },
  ERR_USER_DISABLED: { status: 401, result: [401, 22], message: 'unauthorized (user disabled)' },
  ERR_LOGIN_MODE_DISABLED: { status: 401, result: [401, 1], message: 'this login method is turned off' },
  ERR_PASSWORD_POLICY: { status: 400, result: [400, 12], message: 'password does not meet the password policy' },
  ERR_INVALID_OLD_PASSWORD: { status: 400, result: [400, 12], message: 'the current password is wrong' },
  ERR_USERNAME_TAKEN: { status: 409, result: [400, 12], message: 'this username is not available' },
  ERR_PASSWORD_CHANGE_REQUIRED: { status: 403, result: [403, 20], message: 'the password must be changed first: call auth.change_password' },
  // Token checks, one code per reason (named like jose's), all answered as ClearML's invalid_token.
  ERR_JWT_MALFORMED: { status: 401, result: [401, 30], message: 'invalid token (malformed)' },
  ERR_JWT_ALG_NOT_ALLOWED: { status: 401, result: [401, 30], message: 'invalid token (algorithm not allowed)' },
  ERR_JWT_TYPE_INVALID: { status: 401, result: [401, 30], message: 'invalid token (not a JWT: typ header)' },
  ERR_JWS_CRIT_UNSUPPORTED: { status: 401, result: [401, 30], message: 'invalid token (critical header not supported)' },
  ERR_JWKS_NO_MATCHING_KEY: { status: 401, result: [401, 30], message: 'invalid token (unknown signing key)' },
  ERR_JWS_SIGNATURE_INVALID: { status: 401, result: [401, 30], message: 'invalid token (bad signature)' },
  ERR_JWT_EXPIRED: { status: 401, result: [401, 30], message: 'invalid token (expired)' },
  ERR_JWT_NOT_YET_VALID: { status: 401, result: [401, 30], message: 'invalid token (not yet valid)' },
  ERR_JWT_ISSUER_INVALID: { status: 401, result: [401, 30], message: 'invalid token (wrong issuer)' },
  ERR_JWT_AUDIENCE_INVALID: { status: 401, result: [401, 30], message: 'invalid token (wrong audience)' },
  ERR_JWT_CLAIM_INVALID: { status: 401, result: [401, 30], message: 'invalid token (missing or bad claim)' },
  ERR_JWT_REVOKED: { status: 401, result: [401, 31], message: 'token is blocked' },
  // Events service (events.add_batch and the task event queries).
  ERR_BATCH_EMPTY: { status: 400, result: [400, 17], message: 'batch request contains no items' },
  ERR_EVENTS_BATCH_TOO_LARGE: { status: 413, result: [400, 12], message: 'events batch has too many events' },
  ERR_EVENTS_NOT_ADDED: { status: 400, result: [400, 131], message: 'events not added' },
  ERR_INVALID_TASK_ID: { status: 400, result: [400, 101], message: 'invalid task id' },
  ERR_EVENTS_QUERY_REFUSED: { status: 400, result: [400, 12], message: 'the events store refused the query as malformed' },
  ERR_INVALID_SCROLL_ID: { status: 400, result: [400, 1104], message: 'invalid scroll id' },
  // Projects, tasks and models (libs/experiments), with clearml-server's result codes.
  ERR_MISSING_FIELDS: { status: 400, result: [400, 11], message: 'missing required fields' },
  ERR_UNKNOWN_FIELD: { status: 400, result: [400, 12], message: 'validation error: unknown request field' },
  ERR_UNSUPPORTED_FILTER: { status: 400, result: [400, 12], message: 'validation error: this field filter is not supported' },
  ERR_FIELDS_CONFLICT: { status: 400, result: [400, 15], message: 'conflicting fields' },
  ERR_STORED_VALUE: { status: 400, result: [400, 12], message: 'value cannot be stored (nested too deep, or an object key holds a NUL character)' },
  ERR_DOCUMENT_TOO_LARGE: { status: 400, result: [400, 12], message: 'the object would be larger than the database holds (16 MiB)' },
  ERR_INVALID_REGEX: { status: 400, result: [400, 21], message: 'malformed regular expression' },
  ERR_INVALID_TASK_STATUS: { status: 400, result: [400, 110], message: 'invalid task status' },
  ERR_TASK_STATUS_CHANGED: { status: 400, result: [400, 121], message: 'failed changing task status. probably someone changed it before you' },
  ERR_TASK_CANNOT_BE_DELETED: { status: 400, result: [400, 123], message: 'task cannot be deleted' },
  ERR_INVALID_MODEL_ID: { status: 400, result: [400, 201], message: 'invalid model id' },
  ERR_MODEL_IS_READY: { status: 400, result: [400, 203], message: 'model is ready' },
  ERR_MODEL_IN_USE: { status: 400, result: [400, 205], message: 'model is used by tasks' },
  ERR_MODEL_CREATING_TASK_EXISTS: { status: 400, result: [400, 206], message: 'task that created this model exists' },
  ERR_INVALID_QUEUE_ID: { status: 400, result: [400, 701], message: 'invalid queue id' },
  ERR_QUEUE_NOT_EMPTY: { status: 400, result: [400, 702], message: 'queue is not empty' },
  ERR_TASK_NOT_IN_QUEUE: { status: 400, result: [400, 703], message: 'invalid queue id or task not in queue' },
  ERR_TASK_ALREADY_QUEUED: { status: 400, result: [400, 706], message: 'failed adding task to queue since task is already queued' },
  ERR_MULTIPLE_DEFAULT_QUEUES: { status: 400, result: [400, 708], message: 'more than one queue is tagged as the default queue for this company' },
  ERR_QUEUE_EXISTS: { status: 400, result: [400, 801], message: 'a queue with the same name already exists' },
  ERR_TOO_MANY_WORKERS: { status: 400, result: [400, 1002], message: 'worker registration failed: the company has too many registered workers' },
  ERR_INVALID_PROJECT_ID: { status: 400, result: [400, 401], message: 'invalid project id' },
  ERR_PROJECT_HAS_TASKS: { status: 400, result: [400, 402], message: 'project has associated tasks' },
  ERR_PROJECT_HAS_MODELS: { status: 400, result: [400, 405], message: 'project has associated models' },
  ERR_INVALID_PROJECT_NAME: { status: 400, result: [400, 407], message: 'invalid project name' },
  ERR_PROJECT_LOCATION_CHANGE: { status: 400, result: [400, 408], message: 'cannot update project location, use projects.move instead' },
  ERR_PROJECT_PATH_EXCEEDS_MAX: { status: 400, result: [400, 409], message: 'project path exceeds the maximum allowed depth' },
  ERR_PROJECT_EXISTS: { status: 400, result: [400, 801], message: 'project with the same name already exists' },
  // OIDC single sign-on (libs/sso): each refusal its own code; the browser lands on /login?error=<code>.
  ERR_SSO_PROVIDER_UNKNOWN: { status: 404, result: [400, 12], message: 'no single sign-on provider of this name is configured' },
  ERR_SSO_PROVIDER_UNAVAILABLE: {
    status: 503,
    result: [500, 0],
    message: 'the identity provider cannot be reached (its discovery or endpoint is down); try again later',
  },
  ERR_SSO_PROVIDER_TIMEOUT: { status: 504, result: [500, 0], message: 'the identity provider did not answer in time; try again later' },
  ERR_SSO_PROVIDER_RESPONSE: { status: 502, result: [500, 0], message: 'the identity provider answered something that is not a valid OpenID Connect response' },
  ERR_SSO_CLIENT_REJECTED: {
    status: 502,
    result: [500, 0],
    message: "the identity provider refused this server's client id or secret (ask the administrator to check them)",
  },
  ERR_SSO_ACCESS_DENIED: { status: 403, result: [401, 1], message: 'sign-in was cancelled or denied at the identity provider' },
  ERR_SSO_PROVIDER_ERROR: { status: 400, result: [401, 1], message: 'the identity provider returned an error instead of a sign-in' },
  ERR_SSO_PARAMETER_INVALID: { status: 400, result: [400, 12], message: 'sign-in parameters are malformed (repeated or not text)' },
  ERR_SSO_PARAMETER_TOO_LONG: { status: 400, result: [400, 12], message: 'a sign-in parameter is too long' },
  ERR_SSO_RETURN_PATH: { status: 400, result: [400, 12], message: 'the page to return to after sign-in must be a path on this site' },
  ERR_SSO_STATE_MISSING: { status: 400, result: [401, 1], message: 'the sign-in response carries no state: start the sign-in again' },
  ERR_SSO_STATE_UNKNOWN: { status: 400, result: [401, 1], message: 'the sign-in expired or was never started here: start the sign-in again' },
  ERR_SSO_STATE_REPLAYED: { status: 400, result: [401, 1], message: 'this sign-in response was already used: start the sign-in again' },
  ERR_SSO_STATE_FOREIGN: { status: 400, result: [401, 1], message: 'this sign-in was started in another browser: start the sign-in again' },
  ERR_SSO_STATE_PROVIDER: { status: 400, result: [401, 1], message: 'this sign-in response belongs to another identity provider' },
  ERR_SSO_ISSUER_MISMATCH: { status: 400, result: [401, 1], message: 'the sign-in response names another issuer than this provider' },
  ERR_SSO_CODE_MISSING: { status: 400, result: [401, 1], message: 'the sign-in response carries no authorization code' },
  ERR_SSO_CODE_REJECTED: {
    status: 400,
    result: [401, 1],
    message: 'the identity provider refused the authorization code (used, expired, or not issued to this sign-in)',
  },
  ERR_SSO_PKCE_REJECTED: {
    status: 400,
    result: [401, 1],
    message: 'the identity provider refused the PKCE code verifier: the code was not issued to this sign-in',
  },
  ERR_SSO_TOKEN_MISSING: { status: 502, result: [500, 0], message: 'the identity provider answered without an ID token' },
  ERR_SSO_TOKEN_MALFORMED: { status: 401, result: [401, 30], message: "the identity provider's token is malformed" },
  ERR_SSO_TOKEN_UNSIGNED: { status: 401, result: [401, 30], message: "the identity provider's token is unsigned (alg none)" },
  ERR_SSO_TOKEN_ALG: { status: 401, result: [401, 30], message: "the identity provider's token uses an algorithm not allowed (only RS, PS and ES)" },
  ERR_SSO_TOKEN_KID: { status: 401, result: [401, 30], message: "the identity provider's token names a signing key it does not publish" },
  ERR_SSO_TOKEN_SIGNATURE: { status: 401, result: [401, 30], message: "the identity provider's token signature does not verify" },
  ERR_SSO_TOKEN_ISSUER: { status: 401, result: [401, 30], message: 'the token was issued by another issuer than this provider' },
  ERR_SSO_TOKEN_AUDIENCE: { status: 401, result: [401, 30], message: "the token was not issued for this server's client id" },
  ERR_SSO_TOKEN_AZP: { status: 401, result: [401, 30], message: 'the token has several audiences and no authorized party naming this client' },
  ERR_SSO_TOKEN_EXPIRED: { status: 401, result: [401, 30], message: "the identity provider's token has expired" },
  ERR_SSO_TOKEN_IAT: { status: 401, result: [401, 30], message: "the identity provider's token is issued in the future" },
  ERR_SSO_TOKEN_NONCE: { status: 401, result: [401, 30], message: 'the token was not issued for this sign-in (nonce mismatch)' },
  ERR_SSO_TOKEN_CLAIM: { status: 401, result: [401, 30], message: "the identity provider's token lacks a required claim" },
  ERR_SSO_USERINFO_SUBJECT: { status: 401, result: [401, 30], message: 'the userinfo answer is about another subject than the ID token' },
  ERR_SSO_LOGOUT_TOKEN: { status: 400, result: [400, 12], message: 'not a valid back-channel logout token (events claim, sid or sub, no nonce)' },
  ERR_SSO_EMAIL_UNVERIFIED: { status: 403, result: [401, 1], message: "the identity provider has not verified this account's email address" },
  ERR_SSO_SIGNUP_NOT_ALLOWED: {
    status: 403,
    result: [401, 1],
    message: 'no account matches this sign-in and new accounts are not created through this provider: ask an administrator to invite you',
  },
  ERR_SSO_NOT_IN_GROUP: { status: 403, result: [401, 1], message: 'this account is in none of the groups allowed to sign in' },
  ERR_SSO_LAST_ADMIN: {
    status: 409,
    result: [401, 1],
    message:
      "the identity provider no longer makes this account an admin, but it is the company's last admin: make another admin in Warden first, or restore the admin group or role at the provider",
  },
  ERR_FORBIDDEN: { status: 403, result: [403, 20], message: 'forbidden (not allowed for role)' },
  ERR_CSRF: { status: 403, result: [403, 10], message: 'forbidden (missing or wrong CSRF token)' },
  ERR_WEB_LOGIN_DISABLED: { status: 403, result: [403, 20], message: 'web login with a username and password is disabled on this server' },
  ERR_ORIGIN_NOT_ALLOWED: { status: 403, result: [403, 10], message: 'forbidden (origin not allowed)' },
  // Company administration (users, groups, invitations).
  ERR_GROUP_EXISTS: { status: 409, result: [400, 12], message: 'a group with this name already exists in the company' },
  ERR_LAST_ADMIN: { status: 409, result: [400, 12], message: 'the company must keep at least one enabled admin' },
  ERR_SELF_LOCKOUT: { status: 400, result: [400, 12], message: 'an admin cannot disable or demote itself' },
  ERR_INVITATION_INVALID: { status: 404, result: [400, 12], message: 'this invitation link is invalid, used or expired' },
  ERR_TENANT_EXISTS: { status: 409, result: [400, 12], message: 'a company with this id already exists' },
  // Identity-provider connections managed by admins (issue 15).
  ERR_IDP_CONNECTION_UNKNOWN: { status: 404, result: [400, 10], message: 'no identity-provider connection with this id in your company' },
  ERR_IDP_CONNECTION_INACTIVE: { status: 404, result: [400, 10], message: 'this identity-provider connection is not active: an admin turns it on' },
  ERR_IDP_PROTOCOL: { status: 404, result: [400, 10], message: 'this identity-provider connection does not speak the protocol of this address (OIDC or SAML)' },
  ERR_IDP_NAME_TAKEN: { status: 409, result: [400, 12], message: 'another identity-provider connection of this company has this display name' },
  ERR_IDP_FIELD_INVALID: { status: 400, result: [400, 12], message: 'an identity-provider connection field is missing or invalid' },
  ERR_IDP_KEY_PAIR: { status: 400, result: [400, 12], message: 'the request-signing public key (certificate) and private key do not form a valid pair' },
  ERR_SAML_METADATA_INVALID: { status: 400, result: [400, 12], message: 'the IdP metadata file is not a valid SAML 2.0 IdP EntityDescriptor' },
  ERR_SAML_METADATA_DOCTYPE: { status: 400, result: [400, 12], message: 'the IdP metadata file declares a DOCTYPE or entities, which are refused (XXE)' },
  ERR_SAML_METADATA_TOO_LARGE: { status: 400, result: [400, 12], message: 'the IdP metadata file is too large' },
  ERR_SAML_METADATA_NO_CERT: { status: 400, result: [400, 12], message: 'the IdP metadata file has no signing certificate' },
  ERR_SAML_METADATA_CERT_EXPIRED: { status: 400, result: [400, 12], message: 'a signing certificate in the IdP metadata file has expired or is not valid yet' },
  ERR_IDP_METADATA_URL_FORBIDDEN: {
    status: 400,
    result: [400, 12],
    message: 'the IdP metadata URL must be http(s) without credentials, on a host that is not link-local, multicast or unspecified',
  },
  ERR_IDP_METADATA_FETCH: { status: 400, result: [400, 12], message: 'the IdP metadata could not be downloaded from this URL' },
  // SAML sign-ins (the service provider of issue 15): each refusal its own code, none a 500.
  ERR_SAML_RESPONSE_MISSING: { status: 400, result: [401, 1], message: 'the sign-in carries no SAMLResponse' },
  ERR_SAML_RESPONSE_TOO_LARGE: { status: 400, result: [401, 1], message: 'the SAML response is too large' },
  ERR_SAML_RESPONSE_INVALID: { status: 400, result: [401, 1], message: 'the SAML response is malformed' },
  ERR_SAML_SIGNATURE: { status: 401, result: [401, 30], message: "the SAML response's signature does not verify against the IdP's certificate" },
  ERR_SAML_UNSIGNED: { status: 401, result: [401, 30], message: 'the SAML assertion is not signed as this connection requires' },
  ERR_SAML_WRAPPING: {
    status: 401,
    result: [401, 30],
    message: 'the SAML response has a second assertion or response, or a duplicated ID (XML signature wrapping)',
  },
  ERR_SAML_COMMENT: { status: 401, result: [401, 30], message: 'the SAML assertion contains an XML comment, which could split a signed value' },
  ERR_SAML_UNSOLICITED: {
    status: 400,
    result: [401, 1],
    message: 'this SAML response answers no sign-in this server started (or one already used): start the sign-in again',
  },
  ERR_SAML_AUDIENCE: { status: 401, result: [401, 30], message: 'the SAML assertion is for another audience than this server' },
  ERR_SAML_RECIPIENT: { status: 401, result: [401, 30], message: "the SAML response is addressed to another recipient than this connection's ACS URL" },
  ERR_SAML_EXPIRED: { status: 401, result: [401, 30], message: 'the SAML assertion has expired (NotOnOrAfter passed)' },
  ERR_SAML_NOT_YET_VALID: { status: 401, result: [401, 30], message: 'the SAML assertion is not valid yet (NotBefore)' },
  ERR_SAML_REPLAYED: { status: 400, result: [401, 1], message: 'this SAML assertion was already used: start the sign-in again' },
  ERR_SAML_ISSUER: { status: 401, result: [401, 30], message: "the SAML response names another issuer than this connection's IdP" },
  ERR_SAML_STATUS: { status: 403, result: [401, 1], message: 'the IdP answered with a failure status instead of a sign-in' },
  ERR_RATE_LIMITED: { status: 429, result: [429, 0], message: 'too many requests' },
  ERR_SERVICE_UNAVAILABLE: { status: 503, result: [500, 0], message: 'a backing service is unavailable' },
  // The fileserver's object store (S3) failed mid-request: nothing was stored; the client may retry.
  ERR_STORAGE_UNAVAILABLE: { status: 503, result: [500, 0], message: 'object storage is unavailable; nothing was stored, try again later' },
  // The fileserver's disk (or its quota) is full: nothing was stored; an operator must make room.
  ERR_STORAGE_FULL: { status: 507, result: [500, 0], message: "the fileserver's storage is full; nothing was stored" },
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

export function isWardenError(error: unknown): error is WardenError {
  return error instanceof WardenError;
}
