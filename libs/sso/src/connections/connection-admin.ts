import { X509Certificate, createPrivateKey } from 'node:crypto';
import { WardenError } from '@warden/errors';
import type { AuditEvent, AuditEventType, CompanyAdmin } from '@warden/identity';
import type { SamlConfig } from './connection-fields';
import { checkedConfig, overlay, presetFor, protocolOf, providerOf, splitInput, type SecretInput } from './connection-input';
import { nameKey, type ConnectionDoc, type ConnectionStore } from './connection-store';
import { parseIdpMetadata } from './idp-metadata';

export interface ConnectionActor {
  user: string;
  company: string;
  clientIp?: string;
}

export interface ConnectionAdminOptions {
  store: ConnectionStore;
  admin: Pick<CompanyAdmin, 'isAdmin'>;
  audit: { record(event: AuditEvent): void };
  /** After every change written: every replica re-reads the connections (ConnectionDirectory). */
  onChange?: () => Promise<void>;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Where the provider sends users back, derived from the web app URL (the seed's Callback / ACS URL). */
export function connectionUrls(doc: Pick<ConnectionDoc, '_id' | 'protocol' | 'config'>): Record<string, string> {
  const base = `${trimSlash(doc.config.web_app_url)}/sso/${doc._id}`;
  return doc.protocol === 'oidc' ? { callback_url: `${base}/callback` } : { acs_url: `${base}/acs`, sp_metadata_url: `${base}/metadata` };
}

/** A connection as answered: configuration and derived URLs; of the secrets only whether they are set. */
export function connectionView(doc: ConnectionDoc) {
  const secretFlag = doc.protocol === 'oidc' ? { client_secret_set: Boolean(doc.sealed_secret) } : { private_key_set: Boolean(doc.sealed_secret) };
  const idp = doc.idp && {
    entity_id: doc.idp.entity_id,
    sso_url: doc.idp.sso_url,
    sso_binding: doc.idp.sso_binding,
    certs_valid_until: doc.idp.certs_valid_until,
  };
  return {
    id: doc._id,
    protocol: doc.protocol,
    provider: doc.provider,
    active: doc.active,
    ...doc.config,
    ...connectionUrls(doc),
    ...secretFlag,
    ...(idp && { idp }),
    created: doc.created,
    last_update: doc.last_update,
  };
}

function checkKeyPair(publicKey: string, privateKey: string): void {
  try {
    const cert = new X509Certificate(publicKey);
    if (cert.checkPrivateKey(createPrivateKey(privateKey))) return;
  } catch {
    // Either one does not parse: the same refusal.
  }
  throw new WardenError('ERR_IDP_KEY_PAIR');
}

/**
 * The admin operations on identity-provider connections: every call checks the actor is an admin of
 * its company (read from the store, not the token), stays inside that company, validates the whole
 * connection before writing, and is audited. Secrets go in sealed and never come out of here.
 */
export class ConnectionAdmin {
  constructor(private readonly options: ConnectionAdminOptions) {}

  async list(actor: ConnectionActor) {
    await this.assertAdmin(actor);
    return (await this.options.store.list(actor.company)).map(connectionView);
  }

  async get(actor: ConnectionActor, id: unknown) {
    await this.assertAdmin(actor);
    return connectionView(await this.options.store.get(actor.company, id));
  }

  async create(actor: ConnectionActor, data: Record<string, unknown>) {
    const saved = await this.guarded(actor, 'idp.create', undefined, async () => {
      const protocol = protocolOf(data['protocol']);
      const provider = providerOf(protocol, data['provider']);
      const { fields, secrets } = splitInput(data);
      const config = checkedConfig(protocol, overlay(presetFor(protocol, provider), fields));
      const now = new Date();
      const id = this.options.store.newId();
      const doc: ConnectionDoc = {
        _id: id,
        company: actor.company,
        protocol,
        provider,
        display_name: config.display_name,
        name_key: nameKey(config.display_name),
        active: false,
        config,
        created: now,
        created_by: actor.user,
        last_update: now,
      };
      this.applySecrets(doc, secrets, true);
      await this.options.store.create(doc);
      return doc;
    });
    return connectionView(saved);
  }

  async update(actor: ConnectionActor, data: Record<string, unknown>) {
    const saved = await this.guarded(actor, 'idp.update', data['id'], async () => {
      const current = await this.options.store.get(actor.company, data['id']);
      if (data['protocol'] !== undefined && data['protocol'] !== current.protocol) {
        throw new WardenError('ERR_IDP_FIELD_INVALID', 'a connection keeps its protocol: create a new connection instead', { field: 'protocol' });
      }
      const provider = data['provider'] === undefined ? current.provider : providerOf(current.protocol, data['provider']);
      const { fields, secrets } = splitInput(data);
      const config = checkedConfig(current.protocol, overlay(current.config, fields));
      const doc: ConnectionDoc = {
        ...current,
        provider,
        config,
        display_name: config.display_name,
        name_key: nameKey(config.display_name),
        last_update: new Date(),
      };
      this.applySecrets(doc, secrets, false);
      await this.options.store.replace(doc);
      return doc;
    });
    return connectionView(saved);
  }

  async setActive(actor: ConnectionActor, id: unknown, active: unknown) {
    if (typeof active !== 'boolean') throw new WardenError('ERR_IDP_FIELD_INVALID', 'active must be true or false', { field: 'active' });
    const saved = await this.guarded(actor, 'idp.activate', id, async () => {
      const doc = await this.options.store.get(actor.company, id);
      await this.options.store.setActive(actor.company, doc._id, active);
      return { ...doc, active };
    });
    return connectionView(saved);
  }

  async remove(actor: ConnectionActor, id: unknown) {
    await this.guarded(actor, 'idp.delete', id, async () => {
      const doc = await this.options.store.get(actor.company, id);
      await this.options.store.remove(actor.company, doc._id);
      return doc;
    });
    return { deleted: 1 };
  }

  /** Runs a change as an admin, auditing its outcome (a refusal with its code); nothing is written on refusal. */
  private async guarded(actor: ConnectionActor, type: AuditEventType, id: unknown, change: () => Promise<ConnectionDoc>): Promise<ConnectionDoc> {
    const event = { type, actor: actor.user, company: actor.company, client_ip: actor.clientIp };
    try {
      await this.assertAdmin(actor);
      const doc = await change();
      const detail =
        type === 'idp.activate' ? `${doc._id} ${doc.display_name} active=${doc.active}` : `${doc._id} ${doc.display_name} (${doc.protocol}/${doc.provider})`;
      this.options.audit.record({ ...event, outcome: 'success', detail });
      await this.options.onChange?.();
      return doc;
    } catch (error) {
      const reason = error instanceof WardenError ? error.code : 'ERR_INTERNAL';
      this.options.audit.record({ ...event, outcome: 'failure', reason, detail: typeof id === 'string' ? id.slice(0, 64) : undefined });
      throw error;
    }
  }

  private async assertAdmin(actor: ConnectionActor): Promise<void> {
    if (!(await this.options.admin.isAdmin(actor))) throw new WardenError('ERR_FORBIDDEN', 'only an admin of this company manages identity providers');
  }

  /** Seals the secret and reads the metadata; creating requires what the protocol needs. */
  private applySecrets(doc: ConnectionDoc, secrets: SecretInput, creating: boolean): void {
    const wrong = doc.protocol === 'oidc' ? (['private_key', 'idp_metadata'] as const) : (['client_secret'] as const);
    const stray = wrong.find((key) => secrets[key] !== undefined);
    if (stray) throw new WardenError('ERR_IDP_FIELD_INVALID', `${stray} is not a field of ${doc.protocol} connections`, { field: stray });
    if (doc.protocol === 'oidc') return this.oidcSecret(doc, secrets, creating);
    this.samlSecrets(doc, doc.config as SamlConfig, secrets, creating);
  }

  private oidcSecret(doc: ConnectionDoc, secrets: SecretInput, creating: boolean): void {
    if (secrets.client_secret) doc.sealed_secret = this.options.store.seal(doc._id, secrets.client_secret);
    else if (creating) throw new WardenError('ERR_IDP_FIELD_INVALID', 'client_secret is required', { field: 'client_secret' });
  }

  private samlSecrets(doc: ConnectionDoc, config: SamlConfig, secrets: SecretInput, creating: boolean): void {
    if (secrets.idp_metadata !== undefined) doc.idp = parseIdpMetadata(secrets.idp_metadata);
    else if (creating) throw new WardenError('ERR_IDP_FIELD_INVALID', 'idp_metadata is required (the IdP metadata file)', { field: 'idp_metadata' });
    const privateKey = secrets.private_key ?? (config.sign_requests.enabled ? this.options.store.openSecret(doc) : undefined);
    if (config.sign_requests.enabled) {
      if (!privateKey) throw new WardenError('ERR_IDP_FIELD_INVALID', 'sign_requests needs private_key', { field: 'private_key' });
      checkKeyPair(config.sign_requests.public_key!, privateKey);
    }
    if (secrets.private_key) doc.sealed_secret = this.options.store.seal(doc._id, secrets.private_key);
  }
}
