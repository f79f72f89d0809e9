export type { StoredSigningKey } from './signing-key';
export type { SigningKeyStore } from './signing-key-store';
export { KeyRing, type KeyRingOptions } from './key-ring';
export { RingKeySource, type RingKeySourceOptions } from './ring-key-source';
export { TokenIssuer, type IssueInput, type IssuerOptions } from './token-issuer';
