import { randomUUID } from 'node:crypto';
import type { CompanyDoc, CredentialDoc, UserDoc } from './models';
import type { CompanyRecord, CredentialRecord, UserRecord } from './types';

/** ClearML ids are uuid4 hex without dashes. */
export function randomHexId(): string {
  return randomUUID().replace(/-/g, '');
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

export function toCompany(doc: CompanyDoc): CompanyRecord {
  return { id: doc._id, name: doc.name, created: doc.created };
}

// Fields are copied one by one so a hash selected by mistake can never leave the store.
export function toUser(doc: UserDoc, companyName: string): UserRecord {
  return {
    id: doc._id,
    company: doc.company,
    company_name: companyName,
    name: doc.name,
    username: doc.username,
    ...(doc.email !== undefined && { email: doc.email }),
    role: doc.role,
    enabled: doc.enabled,
    source: doc.source,
    created: doc.created,
    ...(doc.must_change_password === true && { must_change_password: true }),
  };
}

export function toCredential(doc: Omit<CredentialDoc, 'secret_hash'>): CredentialRecord {
  return {
    access_key: doc._id,
    user: doc.user,
    company: doc.company,
    ...(doc.label !== undefined && { label: doc.label }),
    ...(doc.system !== undefined && { system: doc.system }),
    created: doc.created,
    ...(doc.last_used !== undefined && { last_used: doc.last_used }),
    ...(doc.last_used_from !== undefined && { last_used_from: doc.last_used_from }),
    ...(doc.revoked !== undefined && { revoked: doc.revoked }),
  };
}
