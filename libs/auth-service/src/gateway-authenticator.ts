import type { Request } from 'express';
import { basicCredentials, tokenAuthenticator, type TokenAuth, type TokenAuthenticatorOptions } from '@warden/http';

export interface GatewayCaller {
  token?: TokenAuth;
  basic?: { id: string; secret: string };
}

// Endpoints that change nothing may be called by cookie without a CSRF header.
const READ_ONLY = /(^|\/)(login\.supported_modes|users\.get_current_user|auth\.get_credentials)$/i;
// All that a token from a password login after an admin's reset may do.
const PASSWORD_CHANGE_CALLS = /(^|\/)(auth\.change_password|auth\.logout|login\.\w+|users\.get_current_user)$/i;

/**
 * The gateway's authenticator: 'login' takes Basic credentials (key:secret or username:password)
 * or, to renew, a token; every other mode is the shared token check.
 */
export function gatewayAuthenticator(options: Omit<TokenAuthenticatorOptions, 'csrfExempt'>) {
  const byToken = tokenAuthenticator({
    ...options,
    csrfExempt: (req) => READ_ONLY.test(req.path),
    passwordChangeCalls: (req) => PASSWORD_CHANGE_CALLS.test(req.path),
  });
  return async (req: Request, mode: string): Promise<GatewayCaller> => {
    if (mode === 'login') {
      const basic = basicCredentials(req);
      if (basic) return { basic };
    }
    const token = await byToken(req, mode === 'login' ? 'token' : mode);
    return { token };
  };
}
