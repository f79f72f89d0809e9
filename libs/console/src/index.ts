export { createConsole, type ConsoleOptions } from './create-console';
export { consoleSettingsSchema, publicHosts, type ConsoleSettings, type PublicHosts } from './settings';
export type { ConsoleContext, SsoProvider } from './context';
export { CONSOLE_CSP, webPageHeaders } from './headers';
export type { IdentityProviders, IdpActor, IdpConnection, IdpPreset, IdpProtocol } from './pages/identity-providers/port';
export { html, type Html } from './html';
export { readSession, loginRedirect, type SessionOptions } from './session';
