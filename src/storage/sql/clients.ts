import { ClientCache } from '../client-cache.js';
import type { SqlDriver, SqlExecutor } from '../driver.js';
import type { ClientAuthMethod, ClientOidcSettings, JsonWebKeySet } from '../../core/ports.js';
import { registeredAuthMethod } from '../../core/client-methods.js';
import { clientOrigins } from '../../core/origins.js';
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
  allowed_origins: string | null;
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
  ...(row.allowed_origins === null ? {} : { allowedOrigins: JSON.parse(row.allowed_origins) as string[] }),
  createdAt: row.created_at,
  authMethod: row.auth_method as ClientAuthMethod,
  // Only what a client has: most have no keys and no encrypted secret.
  ...(row.jwks === null ? {} : { jwks: JSON.parse(row.jwks) as JsonWebKeySet }),
  ...(row.jwks_uri === null ? {} : { jwksUri: row.jwks_uri }),
  ...(row.secret_encrypted === null ? {} : { secretEncrypted: row.secret_encrypted }),
  ...(row.oidc === null ? {} : { oidc: JSON.parse(row.oidc) as ClientOidcSettings }),
});

/** The columns of a client row, in the order clientValues gives them. */
export const CLIENT_COLUMNS = [
  'id',
  'name',
  'secret_hash',
  'is_public',
  'redirect_uris',
  'grant_types',
  'scopes',
  'trusted',
  'can_introspect',
  'allowed_resources',
  'created_at',
  'exchange_audiences',
  'may_impersonate',
  'auth_method',
  'jwks',
  'jwks_uri',
  'secret_encrypted',
  'oidc',
  'allowed_origins',
] as const;

/** A client record as the values of CLIENT_COLUMNS (an insert, or a whole-row update). */
export function clientValues(c: ClientRecord): unknown[] {
  return [
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
    c.allowedOrigins?.length ? JSON.stringify(c.allowedOrigins) : null,
  ];
}

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

  /**
   * The client and its origins (core/origins.ts: explicit, and a public client's redirect URIs')
   * in one transaction. With origins it goes through changeClients: a store that remembered the
   * origin as unknown (a preflight before the client existed) must not go on refusing it.
   */
  async createClient(c: ClientRecord): Promise<void> {
    const origins = clientOrigins(c);
    const write = async (tx: SqlExecutor) => {
      await this.insertClient(tx, c);
      await writeOrigins(tx, c.id, origins);
    };
    if (origins.length > 0) await this.changeClients(write);
    else await write(this.db);
  }

  /**
   * Whether any client may be called from `origin` (a preflight, the JWKS, the metadata), from
   * memory when the client cache is on: answered by the index on client_origins.origin otherwise.
   */
  async originRegistered(origin: string): Promise<boolean> {
    if (origin.length > 255) return false;
    const read = async () =>
      (await this.db.get('SELECT 1 AS n FROM client_origins WHERE origin = ? LIMIT 1', [origin])) !== undefined;
    return this.cache ? this.cache.knowsOrigin(origin, read) : read();
  }

  /** Inserts the row (not its origins: writeOrigins) inside `tx`. */
  async insertClient(tx: SqlExecutor, c: ClientRecord): Promise<void> {
    await tx.run(
      `INSERT INTO clients (${CLIENT_COLUMNS.join(', ')}) VALUES (${CLIENT_COLUMNS.map(() => '?').join(', ')})`,
      clientValues(c),
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

  /**
   * What `client update` may change, and the client's origins with it (a public client's
   * redirect URIs count as its origins), in one transaction through changeClients.
   */
  async updateClient(c: ClientRecord): Promise<boolean> {
    const sql = `UPDATE clients SET name = ?, redirect_uris = ?, grant_types = ?, scopes = ?, trusted = ?,
      can_introspect = ?, oidc = ?, allowed_origins = ? WHERE id = ?`;
    const changed = await this.changeClients(async (tx) => {
      const rows = await tx.run(sql, [
        c.name,
        JSON.stringify(c.redirectUris),
        JSON.stringify(c.grantTypes),
        c.scopes === null ? null : JSON.stringify(c.scopes),
        c.trusted,
        c.canIntrospect,
        c.oidc && Object.keys(c.oidc).length > 0 ? JSON.stringify(c.oidc) : null,
        c.allowedOrigins?.length ? JSON.stringify(c.allowedOrigins) : null,
        c.id,
      ]);
      if (rows > 0) await writeOrigins(tx, c.id, clientOrigins(c));
      return rows;
    });
    return changed > 0;
  }
}

/**
 * A client's rows in client_origins, replaced by `origins` (call inside the transaction that
 * writes the client: createClient, updateClient).
 */
export async function writeOrigins(tx: SqlExecutor, clientId: string, origins: readonly string[]): Promise<void> {
  await tx.run('DELETE FROM client_origins WHERE client_id = ?', [clientId]);
  for (const origin of origins)
    await tx.run('INSERT INTO client_origins (client_id, origin) VALUES (?, ?)', [clientId, origin]);
}
