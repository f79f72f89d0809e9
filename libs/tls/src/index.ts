export { CredentialReloader, type ReloaderOptions } from './credential-reloader';
export { EXPIRY_WARNING_DAYS, expiryWarning } from './expiry';
export { fetchJson, type FetchJsonOptions } from './fetch-json';
export { internalAgent, readCaFile, refuseSkipVerify, selfAgent, trustOptions, type ClientTrust } from './client-trust';
export { parseCertificates } from './pem';
export { PeerLimiter } from './peer-limiter';
export { loadServerCredentials, type CredentialFiles, type ServerCredentials } from './server-credentials';
export { HANDSHAKE_TIMEOUT_MS, MIN_TLS_VERSION, MODERN_CIPHERS, secureContextOptions, serverTlsOptions } from './server-options';
