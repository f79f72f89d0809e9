import type { HarnessProvider } from './sso-harness';
import { TestProvider } from './test-provider';

/**
 * The in-process providers the sign-in specs (login, hostile) play against: a Keycloak-like RS256 issuer,
 * an ES256 one, and three the specs configure for one feature each (strict claims, userinfo, timeout).
 */
export class ProviderSet {
  readonly kc = new TestProvider({ alg: 'RS256' });
  readonly other = new TestProvider({ alg: 'ES256' });
  readonly strict = new TestProvider();
  readonly info = new TestProvider();
  readonly slow = new TestProvider();
  readonly all = [this.kc, this.other, this.strict, this.info, this.slow];

  async start(): Promise<void> {
    await Promise.all(this.all.map((p) => p.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
  }

  /** Providers configured alike in every sign-in spec: claims from userinfo, a 0.5 s timeout, a wrong client secret, an issuer nobody answers for. */
  commonEntries(defaultCompany: string): HarnessProvider[] {
    return [
      { name: 'info', provider: this.info, defaultCompany, config: { get_info_from_access_token: false } },
      { name: 'slow', provider: this.slow, defaultCompany, config: { timeout_sec: 0.5 } },
      { name: 'badsecret', provider: this.kc, defaultCompany, clientSecret: 'not-the-secret-the-provider-generated' },
      { name: 'down', provider: { issuer: 'http://127.0.0.1:9/realms/none', clientId: 'x', clientSecret: 'y' } as TestProvider },
    ];
  }
}
