/**
 * Versioned, forward-only migrations. The DDL is written in the subset both engines accept
 * (BIGINT epoch seconds, BOOLEAN, TEXT with JSON arrays), so one list serves SQLite and PostgreSQL.
 * Never edit a released migration: add the next version.
 */
import type { SqlExecutor } from '../driver.js';
import type { Migration } from './migration.js';
import { browserAppMigrations } from './browser-apps.js';
import { clientRegistrationMigrations } from './client-registration.js';
import { openIdConnectMigrations } from './openid-connect.js';

export type { Migration } from './migration.js';

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'clients, users, tokens and codes',
    sql: `
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT,
  is_public BOOLEAN NOT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  scopes TEXT,
  created_at BIGINT NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  username_canonical TEXT NOT NULL,
  email TEXT NOT NULL,
  email_canonical TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  enabled BOOLEAN NOT NULL,
  roles TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT users_username_canonical_key UNIQUE (username_canonical),
  CONSTRAINT users_email_canonical_key UNIQUE (email_canonical)
);

CREATE TABLE access_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
-- Access tokens are the hottest insert: only the indexes lookups and clean-up need. Deleting a
-- client or user (rare, administrative) scans this table for the cascade instead. Every rotation
-- revokes the family's live access tokens: the partial index holds only those, so the cost does
-- not grow with the number of tokens a family ever had.
CREATE INDEX access_tokens_live_family_idx ON access_tokens (family_id) WHERE revoked_at IS NULL;
CREATE INDEX access_tokens_expires_idx ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  parent_hash TEXT,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_hash);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_client_idx ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE authorization_codes (
  code_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  code_challenge TEXT,
  code_challenge_method TEXT,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT
);
CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_client_idx ON authorization_codes (client_id);
CREATE INDEX authorization_codes_user_idx ON authorization_codes (user_id);
`,
  },
  {
    version: 2,
    name: 'browser sign-in: sessions, consents, trusted clients',
    sql: `
ALTER TABLE clients ADD COLUMN trusted BOOLEAN NOT NULL DEFAULT FALSE;
-- Codes issued before this migration all came with an explicit redirect_uri.
ALTER TABLE authorization_codes ADD COLUMN redirect_uri_given BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- One row per user and client: the union of the scopes the user has allowed it.
CREATE TABLE consents (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client_idx ON consents (client_id);
`,
  },
  {
    version: 3,
    name: 'protecting APIs: signing keys, token ids, introspecting clients',
    sql: `
ALTER TABLE clients ADD COLUMN can_introspect BOOLEAN NOT NULL DEFAULT FALSE;
-- Tokens issued before this migration have no id; introspection leaves jti out for them.
ALTER TABLE access_tokens ADD COLUMN jti TEXT;

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  algorithm TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_key_encrypted TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT,
  publish_until BIGINT
);
`,
  },
  {
    version: 4,
    name: 'brute-force throttling',
    sql: `
-- Failed attempts per key ('login:…', 'ip:…', 'client:…'), shared by every node.
CREATE TABLE throttles (
  throttle_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL
);
CREATE INDEX throttles_last_failure_idx ON throttles (last_failure_at);
`,
  },
  {
    version: 5,
    name: 'user accounts: e-mail confirmation, reset links',
    sql: `
-- Self-registered accounts wait here (and are not enabled) until the e-mailed link is followed.
ALTER TABLE users ADD COLUMN awaiting_confirmation BOOLEAN NOT NULL DEFAULT FALSE;

-- Confirmation and reset links: single-use, expiring, stored by hash.
CREATE TABLE account_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires_idx ON account_tokens (expires_at);

-- A password reset revokes every live token of the user, and the account page lists the apps
-- holding them. Only users' live tokens are indexed, so client_credentials inserts pay nothing.
CREATE INDEX access_tokens_live_user_idx ON access_tokens (user_id) WHERE user_id IS NOT NULL AND revoked_at IS NULL;
`,
  },
  {
    version: 6,
    name: 'audit log',
    sql: `
-- Security events (src/audit/events.ts). No foreign keys: the record outlives the user or
-- client it names. The id is a UUIDv7 that each node makes in order, so a node's events of one
-- second keep their order.
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  user_id TEXT,
  username TEXT,
  client_id TEXT,
  address TEXT,
  details TEXT
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_user_idx ON audit_events (user_id, at) WHERE user_id IS NOT NULL;
CREATE INDEX audit_events_client_idx ON audit_events (client_id, at) WHERE client_id IS NOT NULL;
`,
  },
  {
    version: 7,
    name: 'pending authorization requests',
    sql: `
-- An authorization request kept on the server while the browser signs in or answers the consent
-- page: forms and links carry only an opaque id (stored as its SHA-256), never the request.
-- On the consent page (session_hash set) it is bound to the session and the form's CSRF token
-- (csrf_hash) and single-use; across sign-in (session_hash NULL) to the browser's CSRF cookie
-- secret (csrf_hash), short-lived, and bounded per browser and per address (address_key).
CREATE TABLE pending_authorizations (
  id_hash TEXT PRIMARY KEY,
  session_hash TEXT REFERENCES sessions (id_hash) ON DELETE CASCADE,
  csrf_hash TEXT NOT NULL,
  address_key TEXT,
  client_id TEXT NOT NULL,
  params TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX pending_authorizations_session_idx ON pending_authorizations (session_hash, created_at);
CREATE INDEX pending_authorizations_browser_idx ON pending_authorizations (csrf_hash, created_at);
CREATE INDEX pending_authorizations_address_idx ON pending_authorizations (address_key, created_at);
CREATE INDEX pending_authorizations_expires_idx ON pending_authorizations (expires_at);
`,
  },
  {
    version: 8,
    name: 'trusted devices: device cookies and known accounts of confidential clients',
    sql: `
-- OWASP's device cookies: a browser (or a confidential client) that signed in to an account
-- before. Its attempts on that account count against its own budget, not the address's.
-- Browser rows are bounded per user (the newest few); client rows by the registered clients.
CREATE TABLE trusted_devices (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id TEXT REFERENCES clients (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_user_idx ON trusted_devices (user_id, created_at);
CREATE INDEX trusted_devices_client_idx ON trusted_devices (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX trusted_devices_expires_idx ON trusted_devices (expires_at);
`,
  },
  {
    version: 9,
    name: 'e-mail changes wait for the new address to be confirmed',
    sql: `
-- A 'change_email' link carries the address it confirms: the account's e-mail changes to it
-- only when the link is followed (NULL for the other purposes).
ALTER TABLE account_tokens ADD COLUMN new_email TEXT;
`,
  },
  {
    version: 10,
    name: 'refresh token families: absolute lifetime, grace replays',
    sql: `
-- When the family's first token was issued: a family ends at this + refresh_token_absolute_lifetime,
-- however often it rotates. Every token of a family carries it (copied on rotation).
ALTER TABLE refresh_tokens ADD COLUMN family_started_at BIGINT;
-- Set when a grace replay of its parent revoked this (unused) token: presenting it later is reuse.
ALTER TABLE refresh_tokens ADD COLUMN superseded_at BIGINT;
-- Families that exist already start at their oldest token still stored (earlier ones may have
-- been cleaned up after expiring, so this is never earlier than the real start).
UPDATE refresh_tokens SET family_started_at = (SELECT MIN(f.issued_at) FROM refresh_tokens f WHERE f.family_id = refresh_tokens.family_id);
`,
  },
  {
    version: 11,
    name: 'counted audit rows',
    sql: `
-- Failed sign-ins and client authentications are kept as one row per source and window
-- (src/audit/failure-counts.ts): count is how many, last_at the time of the last one. A row
-- that is one event keeps count 1 and last_at NULL.
ALTER TABLE audit_events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN last_at BIGINT;
`,
  },
  {
    version: 12,
    name: 'device authorizations (RFC 8628)',
    sql: `
-- A device authorization: the device_code (code_hash, tokenKey) and the user code (user_code_hash,
-- SHA-256 of its normalised form) only as hashes. status is pending until the user answers on the
-- verification page (approved or denied, by user_id); redeemed_at is set once, by the one poll
-- that gets the tokens. poll_interval grows by 5 s with every slow_down (RFC 8628 §3.5).
CREATE TABLE device_codes (
  code_hash TEXT PRIMARY KEY,
  user_code_hash TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  poll_interval INTEGER NOT NULL,
  last_polled_at BIGINT,
  status TEXT NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  decided_at BIGINT,
  redeemed_at BIGINT
);
CREATE INDEX device_codes_user_code_idx ON device_codes (user_code_hash);
CREATE INDEX device_codes_client_idx ON device_codes (client_id, status, expires_at);
CREATE INDEX device_codes_expires_idx ON device_codes (expires_at);
`,
  },
  {
    version: 13,
    name: 'client authentication with JWTs, single-use assertion ids',
    sql: `
-- How a client authenticates, fixed at registration: client_secret_basic (either secret method,
-- as before), private_key_jwt, client_secret_jwt or none (public clients).
ALTER TABLE clients ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'client_secret_basic';
UPDATE clients SET auth_method = 'none' WHERE is_public = TRUE;
-- private_key_jwt: the client's public keys inline (a JWKS as JSON) or where it publishes them.
ALTER TABLE clients ADD COLUMN jwks TEXT;
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;
-- client_secret_jwt: the secret encrypted with key_encryption_key (an HMAC needs the secret itself).
ALTER TABLE clients ADD COLUMN secret_encrypted TEXT;

-- RFC 7523 jti of client assertions and jwt-bearer grants already used, until their exp: a replay is
-- refused on every node. jti_hash is SHA-256 of who vouched for it (client or issuer) and the jti.
CREATE TABLE used_assertion_ids (
  jti_hash TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX used_assertion_ids_expires_idx ON used_assertion_ids (expires_at);
`,
  },
  {
    version: 14,
    name: 'token exchange (RFC 8693): per-client policy, the actor of a delegated access token',
    sql: `
-- The audiences (JSON array) a client may name in a token exchange; NULL: none.
ALTER TABLE clients ADD COLUMN exchange_audiences TEXT;
-- Whether the client may exchange a token without actor_token (impersonation); else it only delegates.
ALTER TABLE clients ADD COLUMN may_impersonate BOOLEAN NOT NULL DEFAULT FALSE;
-- RFC 8693 §4.1 act (JSON) of an access token issued by a delegating exchange; NULL: no actor.
ALTER TABLE access_tokens ADD COLUMN actor TEXT;
`,
  },
  {
    version: 15,
    name: 'resource indicators (RFC 8707)',
    sql: `
-- The resources (JSON array of absolute URIs) a client may name; NULL: none but the default audience.
ALTER TABLE clients ADD COLUMN allowed_resources TEXT;
-- The resources (JSON array) an authorization, a refresh token's grant and an access token are
-- for; NULL: none named (the default audience). Rows older than this migration are all NULL.
ALTER TABLE authorization_codes ADD COLUMN audience TEXT;
ALTER TABLE refresh_tokens ADD COLUMN audience TEXT;
ALTER TABLE access_tokens ADD COLUMN audience TEXT;
`,
  },
  ...openIdConnectMigrations,
  ...browserAppMigrations,
  ...clientRegistrationMigrations,
];

/** The newest migration this release knows: a database at a lower version must be migrated first. */
export const latestVersion: number = Math.max(...migrations.map((migration) => migration.version));

/**
 * The newest migration applied to a database, in one query; 0 for a database nothing was ever
 * applied to (it has no schema_migrations table yet). Migrations run in order, so the newest
 * applied one says where the schema is.
 */
export async function schemaVersion(db: SqlExecutor): Promise<number> {
  try {
    const sql = 'SELECT MAX(version) AS version FROM schema_migrations';
    const row = await db.get<{ version: number | string | null }>(sql);
    return Number(row?.version ?? 0);
  } catch (error) {
    if (isMissingTable(error)) return 0;
    throw error;
  }
}

/** SQLite says "no such table"; PostgreSQL's SQLSTATE 42P01 is undefined_table. */
function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '42P01' || (code === 'SQLITE_ERROR' && /no such table/.test(message ?? ''));
}
