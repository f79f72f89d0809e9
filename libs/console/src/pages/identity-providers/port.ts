/**
 * What the Identity Providers page needs from the gateway's connection code (libs/sso implements it
 * with the same ConnectionAdmin the `identity_providers.*` endpoints call; the console cannot import
 * libs/sso, which builds on this lib). Every call checks the actor is an admin of its company.
 */
export type IdpProtocol = 'oidc' | 'saml';

export interface IdpActor {
  user: string;
  company: string;
  clientIp?: string;
}

/** A connection as the API answers it: configuration, derived URLs, `*_set` flags, never a secret. */
export interface IdpConnection {
  id: string;
  protocol: IdpProtocol;
  provider: string;
  active: boolean;
  display_name: string;
  last_update: Date;
  [field: string]: unknown;
}

/** A provider preset of a protocol, in the seed's order: its id, its name on the page, its defaults. */
export interface IdpPreset {
  id: string;
  label: string;
  defaults: Record<string, unknown>;
}

export interface IdentityProviders {
  list(actor: IdpActor): Promise<IdpConnection[]>;
  get(actor: IdpActor, id: string): Promise<IdpConnection>;
  create(actor: IdpActor, data: Record<string, unknown>): Promise<IdpConnection>;
  update(actor: IdpActor, data: Record<string, unknown>): Promise<IdpConnection>;
  setActive(actor: IdpActor, id: string, active: boolean): Promise<IdpConnection>;
  remove(actor: IdpActor, id: string): Promise<unknown>;
  presets: Record<IdpProtocol, readonly IdpPreset[]>;
  /** Downloads an IdP's metadata from a URL an admin gave (guarded against SSRF by the implementation). */
  fetchMetadata(url: string): Promise<string>;
  /** The operator's env-configured OIDC providers, listed read-only beside the connections. */
  envProviders(): readonly { name: string; displayName: string }[];
}
