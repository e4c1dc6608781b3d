import { ClientCache } from '../client-cache.js';
import type { SqlDriver, SqlExecutor } from '../driver.js';
import type { ClientAuthMethod, ClientOidcSettings, JsonWebKeySet } from '../../core/ports.js';
import { registeredAuthMethod } from '../../core/client-methods.js';
import type { ClientRecord, ClientStore } from '../store.js';

/** Registered clients (ClientStore), answered from memory when the client cache is on. */

/* SQLite booleans come back as 0/1. */
interface ClientRow {
  id: string;
  name: string;
  secret_hash: string | null;
  is_public: boolean | number;
  redirect_uris: string;
  grant_types: string;
  scopes: string | null;
  trusted: boolean | number;
  can_introspect: boolean | number;
  allowed_resources: string | null;
  exchange_audiences: string | null;
  may_impersonate: boolean | number;
  created_at: number;
  auth_method: string;
  jwks: string | null;
  jwks_uri: string | null;
  secret_encrypted: string | null;
  oidc: string | null;
}

const toClient = (row: ClientRow): ClientRecord => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  isPublic: Boolean(row.is_public),
  redirectUris: JSON.parse(row.redirect_uris) as string[],
  grantTypes: JSON.parse(row.grant_types) as string[],
  scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]),
  trusted: Boolean(row.trusted),
  canIntrospect: Boolean(row.can_introspect),
  allowedResources: row.allowed_resources === null ? null : (JSON.parse(row.allowed_resources) as string[]),
  // The token exchange policy is absent unless set, as in a record registered without it.
  ...(row.exchange_audiences === null ? {} : { exchangeAudiences: JSON.parse(row.exchange_audiences) as string[] }),
  ...(row.may_impersonate ? { mayImpersonate: true } : {}),
  createdAt: row.created_at,
  authMethod: row.auth_method as ClientAuthMethod,
  // Only what a client has: most have no keys and no encrypted secret.
  ...(row.jwks === null ? {} : { jwks: JSON.parse(row.jwks) as JsonWebKeySet }),
  ...(row.jwks_uri === null ? {} : { jwksUri: row.jwks_uri }),
  ...(row.secret_encrypted === null ? {} : { secretEncrypted: row.secret_encrypted }),
  ...(row.oidc === null ? {} : { oidc: JSON.parse(row.oidc) as ClientOidcSettings }),
});

export class SqlClients implements ClientStore {
  private readonly cache: ClientCache | null;

  /** `clientCache` (default on): keep client records in memory, see ClientCache. */
  constructor(
    private readonly db: SqlDriver,
    options: { clientCache?: boolean } = {},
  ) {
    this.cache = options.clientCache === false ? null : new ClientCache(db.watchClients());
  }

  /** Client lookups answered from memory so far (0 without a client cache). */
  get cacheHits(): number {
    return this.cache?.hits ?? 0;
  }

  async close(): Promise<void> {
    await this.cache?.close();
  }

  async findClient(id: string): Promise<ClientRecord | null> {
    return this.cache ? this.cache.find(id, () => this.readClient(id)) : this.readClient(id);
  }

  private async readClient(id: string): Promise<ClientRecord | null> {
    const row = await this.db.get<ClientRow>('SELECT * FROM clients WHERE id = ?', [id]);
    return row ? toClient(row) : null;
  }

  /**
   * Every change to an existing client goes through here: it commits only once no store
   * instance anywhere can answer from a cache filled before it (`rotate-secret` and `delete`
   * take effect at once on every node).
   */
  async changeClients<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.cache?.invalidate();
    try {
      return await this.db.changeClients(fn);
    } finally {
      this.cache?.invalidate();
    }
  }

  async createClient(c: ClientRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect,
        allowed_resources, created_at, exchange_audiences, may_impersonate, auth_method, jwks, jwks_uri, secret_encrypted, oidc)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        c.id,
        c.name,
        c.secretHash,
        c.isPublic,
        JSON.stringify(c.redirectUris),
        JSON.stringify(c.grantTypes),
        c.scopes === null ? null : JSON.stringify(c.scopes),
        c.trusted,
        c.canIntrospect,
        c.allowedResources === null ? null : JSON.stringify(c.allowedResources),
        c.createdAt,
        c.exchangeAudiences?.length ? JSON.stringify(c.exchangeAudiences) : null,
        c.mayImpersonate ?? false,
        registeredAuthMethod(c),
        c.jwks === undefined ? null : JSON.stringify(c.jwks),
        c.jwksUri ?? null,
        c.secretEncrypted ?? null,
        c.oidc && Object.keys(c.oidc).length > 0 ? JSON.stringify(c.oidc) : null,
      ],
    );
  }

  async listClients(): Promise<ClientRecord[]> {
    return (await this.db.all<ClientRow>('SELECT * FROM clients ORDER BY created_at, id')).map(toClient);
  }

  async deleteClient(id: string): Promise<boolean> {
    // Tokens and codes go with it (ON DELETE CASCADE).
    return (await this.changeClients((tx) => tx.run('DELETE FROM clients WHERE id = ?', [id]))) > 0;
  }

  async updateClientSecret(id: string, secretHash: string, secretEncrypted?: string): Promise<boolean> {
    return (
      (await this.changeClients((tx) =>
        tx.run('UPDATE clients SET secret_hash = ?, secret_encrypted = ? WHERE id = ? AND is_public = ?', [
          secretHash,
          secretEncrypted ?? null,
          id,
          false,
        ]),
      )) > 0
    );
  }

  async updateClient(c: ClientRecord): Promise<boolean> {
    const sql = `UPDATE clients SET name = ?, redirect_uris = ?, grant_types = ?, scopes = ?, trusted = ?,
      can_introspect = ?, oidc = ? WHERE id = ?`;
    const changed = await this.changeClients((tx) =>
      tx.run(sql, [
        c.name,
        JSON.stringify(c.redirectUris),
        JSON.stringify(c.grantTypes),
        c.scopes === null ? null : JSON.stringify(c.scopes),
        c.trusted,
        c.canIntrospect,
        c.oidc && Object.keys(c.oidc).length > 0 ? JSON.stringify(c.oidc) : null,
        c.id,
      ]),
    );
    return changed > 0;
  }
}
