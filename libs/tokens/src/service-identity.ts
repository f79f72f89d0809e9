import { WardenError } from '@warden/errors';
import type { Identity } from './claims';

/**
 * A service identity (role `system`: the apiserver's credentials towards the gateway) may log in
 * but holds no rights in any tenant: no data, no files, no users, credentials or companies.
 * Every endpoint that acts for a caller refuses it here.
 */
export function assertTenantMember(identity: Identity): void {
  if (identity.role === 'system') throw new WardenError('ERR_FORBIDDEN', 'a service identity has no rights in any tenant');
}
