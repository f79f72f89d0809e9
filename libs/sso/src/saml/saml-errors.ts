import { WardenError, type ErrorCode } from '@warden/errors';

// node-saml's refusals are plain Errors; their messages are its stable interface (v5), read once here.
const BY_MESSAGE: [RegExp, ErrorCode][] = [
  [/InResponseTo/i, 'ERR_SAML_UNSOLICITED'],
  [/audience/i, 'ERR_SAML_AUDIENCE'],
  [/not yet valid/i, 'ERR_SAML_NOT_YET_VALID'],
  [/expired|subject confirmation/i, 'ERR_SAML_EXPIRED'],
  [/issuer/i, 'ERR_SAML_ISSUER'],
  [/status code|SamlStatusError/i, 'ERR_SAML_STATUS'],
  [/signature|signed/i, 'ERR_SAML_SIGNATURE'],
];

/** A refusal from node-saml as one of our codes; anything unrecognised is a malformed response, never a 500. */
export function samlRefusal(error: unknown): WardenError {
  if (error instanceof WardenError) return error;
  const message = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  const code = BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? 'ERR_SAML_RESPONSE_INVALID';
  // A failure status is the IdP's own word (Test Provider shows it as it came); the rest are node-saml's.
  return new WardenError(code, code === 'ERR_SAML_STATUS' ? message.slice(0, 500) : undefined);
}
