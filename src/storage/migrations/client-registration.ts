/**
 * Migration 19: client self-registration (RFC 7591, RFC 7592). Kept in its own file; same rules:
 * forward-only, never edited.
 */
import type { Migration } from './migration.js';

export const clientRegistrationMigrations: readonly Migration[] = [
  {
    version: 19,
    name: 'client self-registration: registered clients and their registration access tokens, initial access tokens',
    sql: `
-- A client that registered itself (RFC 7591): when, the SHA-256 of its registration access token
-- (RFC 7592), and the metadata it registered that no other column holds (client_uri, logo_uri,
-- contacts, tos_uri, policy_uri, software_id, software_version, the software statement's claims).
-- Goes with the client.
CREATE TABLE client_registrations (
  client_id TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
  access_token_hash TEXT NOT NULL,
  metadata TEXT NOT NULL,
  registered_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Initial access tokens (RFC 7591 §3): stored as SHA-256 only, each with its expiry, an optional
-- number of uses, and the uses so far (counted by one atomic UPDATE).
CREATE TABLE initial_access_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  max_uses INTEGER,
  uses INTEGER NOT NULL DEFAULT 0,
  revoked_at BIGINT,
  CONSTRAINT initial_access_tokens_hash_key UNIQUE (token_hash)
);
`,
  },
];
