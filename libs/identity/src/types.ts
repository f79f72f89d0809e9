export type Role = 'user' | 'admin' | 'system';

export interface CompanyRecord {
  id: string;
  name: string;
  created: Date;
}

export interface UserRecord {
  id: string;
  company: string;
  company_name: string;
  name: string;
  username: string;
  email?: string;
  role: Role;
  enabled: boolean;
  source: 'local' | 'fixed' | 'system' | 'sso';
  created: Date;
  /** Present after an admin's reset until the user changes its password. */
  must_change_password?: true;
}

/** Never holds the secret or its hash. */
export interface CredentialRecord {
  access_key: string;
  user: string;
  company: string;
  label?: string;
  system?: string;
  created: Date;
  last_used?: Date;
  last_used_from?: string;
  revoked?: Date;
}

/** The only place a secret key is ever returned: once, at creation. */
export interface NewCredentials {
  access_key: string;
  secret_key: string;
  record: CredentialRecord;
}

export interface UserInput {
  company: string;
  username: string;
  name?: string;
  email?: string;
  role?: Role;
  password?: string;
  source?: UserRecord['source'];
  id?: string;
}
