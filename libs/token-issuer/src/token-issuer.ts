import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TOKEN_TYPE, type Identity, type TokenClaims, type TokenFamily } from '@warden/tokens';
import type { KeyRing } from './key-ring';

export interface IssuerOptions {
  keyRing: KeyRing;
  issuer: string;
  apiVersion: string;
  serverVersion: string;
  featureSet: string;
  now?: () => number;
}

export interface IssueInput {
  identity: Identity;
  audience: string[];
  expiresInSec: number;
  sessionId?: string;
  /** The login this token renews; a new family starts when absent. */
  family?: TokenFamily;
  auth: TokenClaims['auth'];
}

export class TokenIssuer {
  private readonly options: IssuerOptions;
  private readonly now: () => number;

  constructor(options: IssuerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  issue(input: IssueInput): { token: string; claims: TokenClaims } {
    if (input.audience.length === 0) throw new Error('a token needs at least one audience');
    // Retired keys stay published only for maxTokenLifetimeSec, so a longer token would outlive its key.
    if (!Number.isInteger(input.expiresInSec) || input.expiresInSec <= 0 || input.expiresInSec > this.options.keyRing.maxTokenLifetimeSec) {
      throw new Error(`expiresInSec must be a whole number of seconds in 1..${this.options.keyRing.maxTokenLifetimeSec}`);
    }
    const key = this.options.keyRing.active();
    const iat = Math.floor(this.now() / 1000);
    const jti = randomUUID();
    const claims: TokenClaims = {
      iss: this.options.issuer,
      aud: input.audience.length === 1 ? input.audience[0] : [...input.audience],
      sub: input.identity.user,
      jti,
      session_id: input.sessionId ?? jti,
      fam: input.family?.id ?? randomUUID(),
      auth_time: input.family?.startedAt ?? iat,
      iat,
      nbf: iat,
      exp: iat + input.expiresInSec,
      identity: { ...input.identity },
      api_version: this.options.apiVersion,
      server_version: this.options.serverVersion,
      feature_set: this.options.featureSet,
      auth: { ...input.auth },
    };
    const token = jwt.sign({ ...claims }, key.privateKey, { algorithm: key.alg, keyid: key.kid, header: { alg: key.alg, kid: key.kid, typ: TOKEN_TYPE } });
    return { token, claims };
  }
}
