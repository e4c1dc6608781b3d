/**
 * The OpenID Connect migrations (16: sessions' sid, client metadata, user claims, the sign-ins
 * behind grants, the logout queue; 17: logout confirmation requests, given-up deliveries), kept
 * apart from index.ts so each file stays readable. Same rules: forward-only, never edited.
 */
import type { Migration } from './migration.js';

export const openIdConnectMigrations: readonly Migration[] = [
  {
    version: 16,
    name: 'OpenID Connect: sessions with sid, OIDC client metadata, user claims, sign-ins behind grants, logout deliveries',
    sql: `
-- A browser session's public id (OIDC sid: in ID tokens and logout tokens, never a secret: the
-- cookie is) and when the user last proved who they are (auth_time: a re-authentication of the
-- same user keeps the sid and moves auth_time). Sessions older than this migration get their own sid.
ALTER TABLE sessions ADD COLUMN sid TEXT;
ALTER TABLE sessions ADD COLUMN auth_time BIGINT;
UPDATE sessions SET sid = id_hash, auth_time = created_at;
CREATE INDEX sessions_sid_idx ON sessions (sid);

-- The OpenID Connect registration metadata of a client (JSON: id_token_signed_response_alg,
-- userinfo_signed_response_alg, post_logout_redirect_uris, backchannel_logout_uri,
-- backchannel_logout_session_required, subject_type, sector_identifier_uri and the sector it
-- resolved to, id_token_claims); NULL: the defaults (RS256, public subjects, nothing else).
ALTER TABLE clients ADD COLUMN oidc TEXT;

-- OIDC Core §5.1 name and email_verified: set when the user followed a confirmation link (or an
-- administrator said so); accounts older than this migration are unverified.
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;

-- The sign-in behind an authorization that asked for openid, by the grant (family) it started:
-- what every ID token of the grant says (auth_time, sid, amr, acr, nonce, the claims request),
-- whether offline_access was granted (then the grant outlives the session), and which session
-- to end it with.
CREATE TABLE oidc_grants (
  family_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sid TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  amr TEXT NOT NULL,
  acr TEXT,
  nonce TEXT,
  claims TEXT,
  offline BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL
);
CREATE INDEX oidc_grants_sid_idx ON oidc_grants (sid);

-- Back-Channel Logout 1.0: one logout token owed to one client, retried with backoff until
-- delivered or given up. The token is signed at each attempt from these claims (never stored signed).
CREATE TABLE logout_deliveries (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  uri TEXT NOT NULL,
  claims TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_error TEXT
);
CREATE INDEX logout_deliveries_due_idx ON logout_deliveries (next_attempt_at);
`,
  },
  {
    version: 17,
    name: 'OpenID Connect logout: sign-out requests awaiting the confirmation page, given-up logout deliveries',
    sql: `
-- RP-Initiated Logout 1.0: an end-session request kept while the browser answers the confirmation
-- page (Sign out / Cancel). The form carries only the opaque id (its SHA-256 here), bound to the
-- session it was shown to; taken (deleted) by the first answer.
CREATE TABLE pending_logouts (
  id_hash TEXT PRIMARY KEY,
  session_hash TEXT NOT NULL,
  client_id TEXT REFERENCES clients (id) ON DELETE CASCADE,
  post_logout_redirect_uri TEXT,
  state TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX pending_logouts_session_idx ON pending_logouts (session_hash, created_at);
CREATE INDEX pending_logouts_expires_idx ON pending_logouts (expires_at);

-- A delivery given up after its last attempt stays (for an operator to look at) until the clean-up.
ALTER TABLE logout_deliveries ADD COLUMN given_up_at BIGINT;
CREATE INDEX logout_deliveries_client_idx ON logout_deliveries (client_id);
-- The clean-up looks for OpenID grants whose family has no code left.
CREATE INDEX authorization_codes_family_idx ON authorization_codes (family_id);
`,
  },
];
