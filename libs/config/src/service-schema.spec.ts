import { z } from 'zod';
import { ConfigError } from './errors';
import { resolveConfig } from './resolve';
import { isAddressOrCidr, serviceDefaults, serviceSchema } from './service-schema';

describe('trusted proxies', () => {
  it.each(['10.0.0.5', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::1/128', '127.0.0.1/32'])('accepts %s', (entry) => {
    expect(isAddressOrCidr(entry)).toBe(true);
  });

  it.each(['loopback', 'uniquelocal', '10.0.0.0/33', '::/129', '10.0.0.1/8/8', '10.0.0.0/', '10.0.0.0/+8', 'proxy.internal', '', '10.0.0.0/255.0.0.0'])(
    'refuses %s',
    (entry) => {
      expect(isAddressOrCidr(entry)).toBe(false);
    },
  );

  it('trusts no proxy by default', () => {
    expect(serviceDefaults(8008)['trusted_proxies']).toEqual([]);
  });

  it('stops start-up on a named set, saying what to write instead', () => {
    const config = resolveConfig({
      app: 'apiserver',
      defaults: { apiserver: serviceDefaults(8008) },
      env: { CLEARML_CONFIG_DIR: '/nonexistent-warden-config', CLEARML__APISERVER__TRUSTED_PROXIES: '["10.0.0.0/8", "loopback"]' },
      cwd: '/',
    });
    let error: unknown;
    try {
      config.validate(z.object({ apiserver: serviceSchema() }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("apiserver.trusted_proxies.1: 'loopback' is not an IP address or CIDR block");
    expect((error as Error).message).toContain('CLEARML__APISERVER__TRUSTED_PROXIES');
  });
});
