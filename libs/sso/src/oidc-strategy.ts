import { createHash } from 'node:crypto';
import type { Request } from 'express';
import OpenIDConnectStrategy from 'passport-openidconnect';
import { WardenError } from '@warden/errors';
import type { OidcClient, SignInResult } from './oidc-client';
import { randomToken, type SignInState, type SignInStates } from './state-store';

/** What the start route hands the strategy for one sign-in. */
export interface StartOptions {
  callbackURL: string;
  state: { returnPath: string; binding: string; verifier?: string; nonce: string; test?: boolean };
}

/** What the callback route hands it: the browser's binding cookie and the exact redirect URI. */
export interface CallbackOptions {
  callbackURL: string;
  binding?: string;
}

export interface CallbackSuccess {
  result: SignInResult;
  state: SignInState;
}

const MAX_PARAMETER = 2048;

/**
 * passport-openidconnect 0.1.x, kept for building the authorization request, with what it lacks:
 * PKCE and a nonce of our own in the request, and a Redis state store bound to the browser. Its
 * callback half is replaced: it decodes the ID token without checking the signature, calls the token
 * and userinfo endpoints without a timeout (through `oauth`), cannot send a per-request code_verifier
 * without mutating its shared OAuth2 client, and a userinfo answer that is not JSON makes it call an
 * undefined `done` inside a socket callback, which would take the gateway process down. The callback
 * is OidcClient's: timeouts, every token check, each failure with its own code.
 */
export class WardenOidcStrategy extends OpenIDConnectStrategy {
  constructor(
    private readonly client: OidcClient,
    states: SignInStates,
  ) {
    const endpoints = client.endpoints;
    super(
      {
        issuer: endpoints.issuer,
        authorizationURL: endpoints.authorizationUrl,
        tokenURL: endpoints.tokenUrl,
        // Unused: the callback half (and so userinfo) is OidcClient's.
        userInfoURL: endpoints.userinfoUrl ?? '',
        clientID: client.settings.clientId,
        clientSecret: client.settings.clientSecret ?? '',
        callbackURL: '',
        scope: client.settings.scope.split(' ').filter((s) => s !== 'openid'),
        store: stateStoreFor(client.settings.name, states),
      },
      () => undefined,
    );
    this.name = `oidc-${client.settings.name}`;
    this.states = states;
  }

  private readonly states: SignInStates;

  override authorizationParams(options: StartOptions): object {
    const { verifier, nonce } = options.state;
    const pkce = this.client.settings.pkce;
    const challenge = verifier && (pkce === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier);
    return { nonce, ...(challenge && { code_challenge: challenge, code_challenge_method: pkce }) };
  }

  override authenticate(req: Request, options?: StartOptions | CallbackOptions): void {
    if (options && 'state' in options) return super.authenticate(req, options);
    this.finish(req, options ?? { callbackURL: '' }).then(
      (success) => this.success(success),
      (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private async finish(req: Request, options: CallbackOptions): Promise<CallbackSuccess> {
    const query = callbackParameters(req);
    const state = await takeCallbackState(this.client, this.states, query, options.binding);
    return { result: await finishCallback(this.client, state, query, options.callbackURL), state };
  }
}

/** The state comes first: an error or a code means nothing unless this browser started this sign-in. */
export async function takeCallbackState(
  client: OidcClient,
  states: SignInStates,
  query: Record<string, string | undefined>,
  binding: string | undefined,
): Promise<SignInState> {
  const state = await states.take(query['state'], binding);
  if (state.provider !== client.settings.name) throw new WardenError('ERR_SSO_STATE_PROVIDER');
  return state;
}

/** The provider's answer to a sign-in this browser started: its error, or the code exchanged and checked. */
export async function finishCallback(
  client: OidcClient,
  state: SignInState,
  query: Record<string, string | undefined>,
  callbackURL: string,
): Promise<SignInResult> {
  // RFC 9207: a provider that names itself in the response must be the one this sign-in went to.
  if (query['iss'] !== undefined && !client.trust.issuerFromToken && query['iss'] !== client.endpoints.issuer) throw new WardenError('ERR_SSO_ISSUER_MISMATCH');
  if (query['error'] === 'access_denied') throw new WardenError('ERR_SSO_ACCESS_DENIED');
  if (query['error'] !== undefined) throw new WardenError('ERR_SSO_PROVIDER_ERROR', `the identity provider answered ${query['error'].slice(0, 64)}`);
  if (!query['code']) throw new WardenError('ERR_SSO_CODE_MISSING');
  return client.finishSignIn({ code: query['code'], verifier: state.verifier, redirectUri: callbackURL, nonce: state.nonce });
}

/** Each parameter at most once, as text of a sane length: anything else is refused before any lookup. */
export function callbackParameters(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value !== 'string') throw new WardenError('ERR_SSO_PARAMETER_INVALID', `parameter ${key.slice(0, 32)} is repeated or not text`);
    if (value.length > MAX_PARAMETER)
      throw new WardenError('ERR_SSO_PARAMETER_TOO_LONG', `parameter ${key.slice(0, 32)} is longer than ${MAX_PARAMETER} characters`);
    out[key] = value;
  }
  return out;
}

/** passport-openidconnect's state-store interface over SignInStates (only `store` is used: the callback is ours). */
function stateStoreFor(provider: string, states: SignInStates) {
  return {
    store(_req: Request, ctx: { nonce?: string }, appState: StartOptions['state'], _meta: unknown, cb: (err: Error | null, handle?: string) => void) {
      const nonce = ctx.nonce ?? appState.nonce;
      const { verifier, returnPath, binding, test } = appState;
      states.save({ provider, nonce, verifier, returnPath, binding, ...(test && { test }) }).then(
        (handle) => cb(null, handle),
        (error: unknown) => cb(error instanceof Error ? error : new Error(String(error))),
      );
    },
    verify(_req: Request, _handle: string, cb: (err: Error | null, ctx?: false) => void) {
      cb(null, false);
    },
  };
}

/** A fresh nonce and (unless the provider's pkce is none) a PKCE verifier for one sign-in. */
export function signInSecrets(pkce: 'S256' | 'plain' | 'none'): { nonce: string; verifier?: string } {
  return { nonce: randomToken(), ...(pkce !== 'none' && { verifier: randomToken() }) };
}
