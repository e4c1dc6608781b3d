import type { SqlDriver, SqlExecutor } from '../driver.js';
import type {
  ClientRecord,
  ClientRegistrationRecord,
  ClientRegistrationStore,
  InitialAccessTokenRecord,
  SelfRegistrationOutcome,
} from '../../core/ports.js';
import { clientOrigins } from '../../core/origins.js';
import { CLIENT_COLUMNS, clientValues, type SqlClients, writeOrigins } from './clients.js';

/**
 * Self-registered clients (RFC 7591/7592: client_registrations) and initial access tokens
 * (initial_access_tokens), migration 19.
 */
interface RegistrationRow {
  client_id: string;
  access_token_hash: string;
  metadata: string;
  registered_at: number | string;
  updated_at: number | string;
}

interface InitialAccessTokenRow {
  id: string;
  token_hash: string;
  created_at: number | string;
  expires_at: number | string;
  max_uses: number | string | null;
  uses: number | string;
  revoked_at: number | string | null;
}

const toRegistration = (row: RegistrationRow): ClientRegistrationRecord => ({
  clientId: row.client_id,
  accessTokenHash: row.access_token_hash,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  registeredAt: Number(row.registered_at),
  updatedAt: Number(row.updated_at),
});

const toInitialAccessToken = (row: InitialAccessTokenRow): InitialAccessTokenRecord => ({
  id: row.id,
  tokenHash: row.token_hash,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  maxUses: row.max_uses === null ? null : Number(row.max_uses),
  uses: Number(row.uses),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
});

/** A usable initial access token: not revoked, not expired, not used up. */
const USABLE = 'token_hash = ? AND revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)';

/** Every column but the id and the creation time: what a replacement (RFC 7592 §2.2) rewrites. */
const REPLACED = CLIENT_COLUMNS.filter((column) => column !== 'id' && column !== 'created_at');

export class SqlClientRegistrations implements ClientRegistrationStore {
  constructor(
    private readonly db: SqlDriver,
    private readonly clients: SqlClients,
  ) {}

  async registerClient(
    client: ClientRecord,
    registration: ClientRegistrationRecord,
    limits: { maxClients: number; initialAccessTokenHash: string | null; now: number },
  ): Promise<SelfRegistrationOutcome> {
    const origins = clientOrigins(client);
    const register = async (tx: SqlExecutor): Promise<SelfRegistrationOutcome> => {
      // The count and the insert under one lock, so nodes registering at once cannot pass the
      // limit together (SQLite's BEGIN IMMEDIATE already serialises writers).
      if (this.db.dialect === 'postgres')
        await tx.get("SELECT pg_advisory_xact_lock(hashtext('gatehouse client_registrations'))");
      if (limits.initialAccessTokenHash !== null) {
        const used = await tx.run(`UPDATE initial_access_tokens SET uses = uses + 1 WHERE ${USABLE}`, [
          limits.initialAccessTokenHash,
          limits.now,
        ]);
        if (used === 0) return 'initial_access_token_spent';
      }
      const row = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM client_registrations');
      // Thrown, so the token's use is given back with the rest of the transaction.
      if (Number(row?.n ?? 0) >= limits.maxClients) throw new LimitReached();
      await this.clients.insertClient(tx, client);
      await writeOrigins(tx, client.id, origins);
      await insertRegistration(tx, registration);
      return 'registered';
    };
    try {
      // With origins (a public client's redirect URIs) through changeClients, as createClient:
      // every node's cache of known origins must learn them (CORS preflights).
      return origins.length > 0 ? await this.clients.changeClients(register) : await this.db.transaction(register);
    } catch (error) {
      if (error instanceof LimitReached) return 'limit_reached';
      throw error;
    }
  }

  async findRegistration(clientId: string): Promise<ClientRegistrationRecord | null> {
    const row = await this.db.get<RegistrationRow>('SELECT * FROM client_registrations WHERE client_id = ?', [
      clientId,
    ]);
    return row ? toRegistration(row) : null;
  }

  async replaceClient(client: ClientRecord, registration: ClientRegistrationRecord): Promise<boolean> {
    const values = clientValues(client);
    const replaced = REPLACED.map((column) => values[CLIENT_COLUMNS.indexOf(column)]);
    // Through changeClients: every node's client cache forgets the old record before this returns.
    return this.clients.changeClients(async (tx) => {
      const changed = await tx.run(
        `UPDATE clients SET ${REPLACED.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`,
        [...replaced, client.id],
      );
      if (changed === 0) return false;
      await writeOrigins(tx, client.id, clientOrigins(client));
      await tx.run(
        'UPDATE client_registrations SET access_token_hash = ?, metadata = ?, updated_at = ? WHERE client_id = ?',
        [registration.accessTokenHash, JSON.stringify(registration.metadata), registration.updatedAt, client.id],
      );
      return true;
    });
  }

  async initialAccessTokenUsable(tokenHash: string, now: number): Promise<boolean> {
    return (
      (await this.db.get(`SELECT 1 AS n FROM initial_access_tokens WHERE ${USABLE}`, [tokenHash, now])) !== undefined
    );
  }

  async createInitialAccessToken(token: InitialAccessTokenRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO initial_access_tokens (id, token_hash, created_at, expires_at, max_uses, uses, revoked_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [token.id, token.tokenHash, token.createdAt, token.expiresAt, token.maxUses, token.uses, token.revokedAt],
    );
  }

  async listInitialAccessTokens(): Promise<InitialAccessTokenRecord[]> {
    const rows = await this.db.all<InitialAccessTokenRow>(
      'SELECT * FROM initial_access_tokens ORDER BY created_at, id',
    );
    return rows.map(toInitialAccessToken);
  }

  async revokeInitialAccessToken(id: string, now: number): Promise<boolean> {
    return (
      (await this.db.run('UPDATE initial_access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
        now,
        id,
      ])) > 0
    );
  }
}

class LimitReached extends Error {}

function insertRegistration(tx: SqlExecutor, registration: ClientRegistrationRecord): Promise<number> {
  return tx.run(
    `INSERT INTO client_registrations (client_id, access_token_hash, metadata, registered_at, updated_at)
      VALUES (?, ?, ?, ?, ?)`,
    [
      registration.clientId,
      registration.accessTokenHash,
      JSON.stringify(registration.metadata),
      registration.registeredAt,
      registration.updatedAt,
    ],
  );
}
