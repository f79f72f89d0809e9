import type { Connection } from 'mongoose';
import { WardenError } from '@warden/errors';
import type { IdentityStore } from './identity-store';
import { identityModels, type IdentityModels } from './models';
import { isDuplicateKey, randomHexId, toCompany } from './records';
import type { CompanyRecord, NewCredentials, UserRecord } from './types';

export interface TenantInput {
  companyName: string;
  /** ClearML's id form (32 lowercase hex); a fresh one when omitted. */
  companyId?: string;
  admin: { username: string; name?: string; email?: string; password?: string };
}

export interface FoundedTenant {
  company: CompanyRecord;
  admin: UserRecord;
  /** Only when no password was given: the admin's first API key pair, shown this once. */
  credentials?: NewCredentials;
}

const COMPANY_ID = /^[0-9a-f]{32}$/;
const MAX_COMPANY_NAME = 256;

/**
 * Founds a company and its first admin: the operator's action, never a service identity's. A
 * company that exists is refused, not joined, so the action cannot plant an admin in a tenant.
 * Without transactions (FerretDB) a failed admin creation removes the company it just made.
 */
export class TenantFounder {
  private readonly models: IdentityModels;

  constructor(
    private readonly store: IdentityStore,
    connection: Connection,
  ) {
    this.models = identityModels(connection);
  }

  async found(input: TenantInput): Promise<FoundedTenant> {
    const name = validCompanyName(input.companyName);
    const id = input.companyId ?? randomHexId();
    if (!COMPANY_ID.test(id)) throw new WardenError('ERR_BAD_REQUEST', 'company_id must be 32 lowercase hex characters', { field: 'company_id' });
    if (await this.store.findUserByUsername(input.admin.username)) {
      throw new WardenError('ERR_USERNAME_TAKEN', undefined, { field: 'admin.username' });
    }
    const company = await this.createCompany(id, name);
    try {
      const admin = await this.store.createUser({ ...input.admin, company: id, role: 'admin', source: 'local' });
      const credentials = input.admin.password === undefined ? await this.store.createCredentials(admin.id, { label: 'founding admin' }) : undefined;
      return { company, admin, ...(credentials && { credentials }) };
    } catch (error) {
      await this.removeFounding(id);
      throw error;
    }
  }

  private async createCompany(id: string, name: string): Promise<CompanyRecord> {
    try {
      return toCompany((await this.models.companies.create({ _id: id, name, created: new Date() })).toObject());
    } catch (error) {
      if (isDuplicateKey(error)) throw new WardenError('ERR_TENANT_EXISTS', `company ${id} already exists`, { field: 'company_id' });
      throw error;
    }
  }

  private async removeFounding(id: string): Promise<void> {
    await this.models.credentials.deleteMany({ company: id });
    await this.models.users.deleteMany({ company: id });
    await this.models.companies.deleteOne({ _id: id });
  }
}

function validCompanyName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > MAX_COMPANY_NAME || /[\p{Cc}]/u.test(trimmed)) {
    throw new WardenError('ERR_BAD_REQUEST', 'company_name must be 1-256 printable characters', { field: 'company_name' });
  }
  return trimmed;
}
