/**
 * What each setting means, for the README's configuration table (src/config/docs.ts builds it,
 * `npm run docs` writes it). Defaults come from the schema itself; these say what a number means
 * or stand in for a default computed from other settings. Kept apart from schema.ts only for its
 * length. Each text is one Markdown table cell: no line breaks, no "|".
 */
export interface SettingDoc {
  meaning: string;
  /** Said after the default, e.g. "14 days". */
  defaultNote?: string;
  /** Shown instead of the schema's default (which is computed, or absent, there). Markdown. */
  defaultText?: string;
}

/** One entry per key of configKeys, in any order (the table follows the schema's order). */
export const settingDocs: Record<string, SettingDoc> = {
  host: {
    meaning: 'Address to listen on (`0.0.0.0` for every interface).',
  },
  port: {
    meaning: 'Port to listen on.',
  },
  issuer: {
    meaning:
      'The issuer identifier published in metadata. Set it to your public https URL in production. No query' +
      ' or fragment. With an `https` issuer every response carries `Strict-Transport-Security: ' +
      'max-age=31536000` (see [Security notes](#security-notes)); with an `http` issuer, never.',
    defaultText: '`http://HOST:PORT`',
  },
  database: {
    meaning:
      '`sqlite:PATH` or `postgres://user:password@host:port/db`. A SQLite file Gatehouse creates is mode ' +
      '`0600` (owner only), and so are its `-wal` and `-shm` files; `serve` logs a warning at start when an' +
      ' existing one is readable or writable by other users (it leaves the mode alone: `chmod 600` it).',
  },
  database_pool_size: {
    meaning: 'PostgreSQL connections per process.',
  },
  access_token_lifetime: {
    meaning: 'Seconds an access token lives (`expires_in`).',
  },
  refresh_token_lifetime: {
    meaning:
      'Seconds a refresh token lives; each rotation issues a new one with a full lifetime (never past ' +
      '`refresh_token_absolute_lifetime`).',
    defaultNote: '14 days',
  },
  refresh_token_absolute_lifetime: {
    meaning:
      'Seconds a grant (its refresh token family) lives at most from its first token, however often it ' +
      'rotates. `0` = no limit.',
    defaultNote: '90 days',
  },
  auth_code_lifetime: {
    meaning: 'Seconds an authorization code lives.',
  },
  supported_scopes: {
    meaning:
      'The scopes the server knows. In the environment: `"read write"`, `"read,write"` or ' + '`\'["read","write"]\'`.',
  },
  default_scope: {
    meaning: 'Space-separated scopes granted when a request names none; each must be in `supported_scopes`.',
  },
  refresh_token_grace_period: {
    meaning:
      'Seconds during which a just-rotated refresh token may be retried while its successor is unused (see ' +
      'above). `0` is strict rotation.',
  },
  require_pkce: {
    meaning:
      'Require PKCE (S256) from every client at the authorization endpoint. Public clients need it ' +
      'regardless; turn it off only for confidential legacy clients.',
  },
  enforce_state: {
    meaning: "Make `state` mandatory at the authorization endpoint (FOSOAuthServerBundle's option).",
  },
  session_lifetime: {
    meaning: 'Seconds a browser sign-in lasts.',
    defaultNote: '8 h',
  },
  scope_descriptions: {
    meaning:
      'Words for each scope on the consent page, e.g. `{read: "Read your notes"}`; keys must be in ' +
      '`supported_scopes`. In the environment: a JSON object.',
  },
  access_token_format: {
    meaning:
      '`opaque` (random, checked against the database) or `jwt` (RFC 9068, checkable by your API with the ' + 'JWKS).',
  },
  jwt_signing_algorithm: {
    meaning: 'Algorithm of new signing keys: `EdDSA` (Ed25519), `ES256` or `RS256`.',
  },
  access_token_audience: {
    meaning:
      "The `aud` claim of JWT access tokens (and of introspection answers) when the request names no `resource` (RFC 8707): your API's identifier. Every client may name it as a `resource`.",
    defaultText: 'the issuer',
  },
  jwt_user_claims: {
    meaning: "Put the user's `username` and `roles` in JWT access tokens.",
  },
  key_encryption_key: {
    meaning:
      'At least 32 characters (`openssl rand -base64 32`); encrypts the signing keys (ID tokens, JWT access tokens) in the database ' +
      'and keys pairwise subjects. Required with PostgreSQL (every node the same). On SQLite, unset, `serve` generates one ' +
      'in `<database>.kek` (mode 0600) and warns: fine for development; in production set it, and never change it ' +
      '(the stored keys and pairwise subjects depend on it). Prefer the environment (`GATEHOUSE_KEY_ENCRYPTION_KEY`) to a file.',
    defaultText: 'SQLite: generated in `<database>.kek`',
  },
  assertion_max_lifetime: {
    meaning:
      'Seconds ahead of now the `exp` of a JWT assertion may be at most: client assertions (`private_key_jwt`,' +
      ' `client_secret_jwt`) and the jwt-bearer grant. Each assertion is single-use (its `jti`) until it expires.',
    defaultNote: '5 minutes',
  },
  'jwt_bearer.issuers': {
    meaning:
      'Trusted issuers of the JWT bearer grant (RFC 7523), each `{ issuer, jwks_uri` or `jwks, subject, ' +
      'allowed_clients? }` with `subject` one of `username`, `user_id`, `client`. See [JWT bearer grant](#jwt-bearer-grant-rfc-7523). In the environment: a JSON array.',
  },
  password_min_length: {
    meaning: 'Shortest password accepted, in characters. A password may never be the username or e-mail address.',
  },
  password_max_length: {
    meaning: 'Longest password accepted, in characters.',
  },
  password_hash_queue_length: {
    meaning:
      'Password checks (sign-in, password grant, sign-up, password forms) that may wait for argon2id at ' +
      'once; one more is answered `503` with `Retry-After` at once (see [Errors](#8-errors)).',
  },
  password_hash_queue_timeout: {
    meaning:
      'Seconds a password check may wait for argon2id before it is answered `503` with `Retry-After`; never' +
      ' counted as a failed attempt.',
  },
  login_throttle_threshold: {
    meaning:
      'Brute-force protection: failed attempts of one account (or client) from one address before each ' +
      'further attempt waits 2, 4, 8 … seconds. The address (an IPv6 /64) allows 4×, an account from ' +
      'anywhere 10×, a device cookie 1×.',
  },
  login_throttle_max_delay: {
    meaning: 'The longest wait, in seconds; failures older than this are forgotten. There is never a permanent lock.',
  },
  login_throttle_max_wait: {
    meaning:
      'Seconds a sign-in waits for its turn while other attempts on the same account or address are being ' +
      'checked; then `503` `temporarily_unavailable` with `Retry-After` (never a refusal of the password). ' +
      '`0`: answer `503` at once.',
  },
  trusted_proxies: {
    meaning:
      'Addresses or CIDR ranges of your reverse proxies (e.g. `"127.0.0.1 10.0.0.0/8"`): their ' +
      "`X-Forwarded-For` gives the client's address for throttling. Behind a proxy, set it, or every client" +
      " shares the proxy's address and its counter.",
  },
  cleanup_interval: {
    meaning:
      'Seconds between the clean-ups `serve` runs by itself (what `gatehouse tokens clean` does), logged as' +
      ' `scheduled clean-up: expired rows deleted` with the counts. Nodes sharing a PostgreSQL database ' +
      'take turns (the clean-up holds a database lock). `0` turns it off.',
  },
  'registration.enabled': {
    meaning: 'Show the sign-up page `/register` (see [User accounts](#user-accounts)).',
  },
  'registration.confirmation': {
    meaning: 'New accounts wait for the e-mailed confirmation link before they can sign in.',
  },
  'registration.token_ttl': {
    meaning: 'Seconds a confirmation link works.',
    defaultNote: '24 h',
  },
  'client_registration.mode': {
    meaning:
      'Client self-registration at `POST /oauth/register` (RFC 7591): `off`, `open` (anyone), or ' +
      '`initial_access_token` (only with a token from `gatehouse client registration-token create`). See ' +
      '[Client self-registration](#client-self-registration-rfc-75917592).',
  },
  'client_registration.allowed_grant_types': {
    meaning: 'The grant types a self-registered client may ask for.',
  },
  'client_registration.allowed_scopes': {
    meaning: 'The scopes a self-registered client may ask for (each in `supported_scopes`).',
    defaultText: '`openid profile email` and `default_scope`',
  },
  'client_registration.allowed_auth_methods': {
    meaning:
      'The `token_endpoint_auth_method` values a self-registered client may choose (`client_secret_jwt` also ' +
      'needs `key_encryption_key`).',
  },
  'client_registration.software_statement_jwks': {
    meaning: 'The public keys (a JWK Set) whose signed software statements are trusted. In the environment: JSON.',
  },
  'client_registration.software_statement_jwks_file': {
    meaning: 'A JSON file holding that JWK Set instead, read at start-up.',
  },
  'client_registration.require_software_statement': {
    meaning: 'Refuse a registration without a `software_statement` signed by a trusted key.',
  },
  'client_registration.requests_per_address': {
    meaning:
      'Registrations (refused ones too) one address (an IPv6 /64) may make before it waits: `429` with ' +
      '`Retry-After`, doubling from 2 seconds. The count is forgotten after `login_throttle_max_delay` seconds.',
  },
  'client_registration.max_clients': {
    meaning:
      'Self-registered clients that may exist at once (clients made with `client create` do not count); beyond, ' +
      '`POST /oauth/register` answers `invalid_client_metadata` until one is deleted.',
  },
  'resetting.token_ttl': {
    meaning: 'Seconds a password-reset link works.',
    defaultNote: '24 h',
  },
  'resetting.retry_ttl': {
    meaning: 'At most one reset e-mail per account in this many seconds; `0` sends one per request.',
    defaultNote: '2 h',
  },
  'mail.url': {
    meaning: '`smtp://user:password@host:587` or `smtps://…:465`. Unset: messages are written to `mail.outbox`.',
  },
  'mail.from': {
    meaning: 'The From address (`localhost` stands in for an IP issuer).',
    defaultText: '`Gatehouse <no-reply@ISSUER HOST>`',
  },
  'mail.outbox': {
    meaning: 'Where messages go as `.eml` (and `.txt`) files when no `mail.url` is set.',
  },
  'mail.templates': {
    meaning: 'A folder whose files replace the built-in e-mail templates.',
  },
  'mail.queue_limit': {
    meaning:
      'E-mails held in memory on their way to the mail server; more are dropped (logged, counted in ' +
      '`gatehouse_mail_dropped_total`).',
  },
  'oidc.id_token_lifetime': {
    meaning:
      'Seconds an ID token (and a signed userinfo response) lives; a retired signing key stays published at least this long.',
    defaultNote: '1 hour',
  },
  'oidc.acr': {
    meaning:
      'The `acr` claim of ID tokens: the authentication context class a password sign-in meets, in the words your relying parties use. Unset: no `acr`.',
  },
  'oidc.backchannel_logout_attempts': {
    meaning:
      "Attempts to deliver one logout token to a client's `backchannel_logout_uri` (Back-Channel Logout 1.0), with growing waits between them; then it is given up and logged.",
  },
  'oidc.backchannel_logout_timeout': {
    meaning: 'Seconds one back-channel logout POST may take.',
  },
  'device_flow.expires_in': {
    meaning: 'Seconds a device code and its user code work (RFC 8628 `expires_in`).',
  },
  'device_flow.interval': {
    meaning:
      'Seconds a device waits between polls of the token endpoint (`interval`); a poll sooner gets `slow_down` and the interval of that device code grows by 5.',
  },
  'device_flow.max_pending_per_client': {
    meaning:
      'Unanswered, unexpired device codes one client may have; a further request gets 429 `slow_down` with `Retry-After` (until the oldest expires).',
  },
  'device_flow.requests_per_address': {
    meaning:
      'Device authorization requests one address (an IPv6 /64) may make before it waits: then 429 `slow_down` with `Retry-After`, growing waits as for sign-ins; forgotten after `login_throttle_max_delay`.',
  },
  'device_flow.user_code_failure_alert': {
    meaning:
      'Wrong user codes typed on `/device` per minute, on one node and from every address, that log a warning (`gatehouse_device_user_code_failures_total` counts them all). Never a block: wrong codes are throttled per browser and per address only.',
  },
  'cors.introspection': {
    meaning:
      'Answer CORS at the introspection endpoint too, for pages on an origin of the authenticated client ' +
      '(see [Browser apps (CORS)](#browser-apps-cors)). Off: introspection is for resource servers, not pages.',
  },
  'cors.max_age': {
    meaning:
      'Seconds a browser may keep a preflight answer (`Access-Control-Max-Age`; Chromium caps it at 7200). A ' +
      'client deleted or an origin removed is refused by the actual request at once all the same.',
  },
  'rate_limit.redis_url': {
    meaning: '`redis://…`: keep the brute-force counters in Redis instead of the database.',
  },
  'audit.retention': {
    meaning: 'Seconds audit events are kept; `0` keeps them forever.',
    defaultNote: '90 days',
  },
  'audit.failure_window': {
    meaning:
      'Failed sign-ins and client authentications of one source in one window are one counted row of the ' +
      '[audit log](#audit-log).',
    defaultNote: '5 minutes',
  },
  'audit.failure_rows': {
    meaning:
      'Counted failure rows a node starts per window, at most; failures from further sources in that window' +
      ' are dropped and counted in `gatehouse_audit_events_dropped_total`.',
  },
  'metrics.enabled': {
    meaning: 'Serve `GET /metrics`.',
  },
  'metrics.allow': {
    meaning: 'Addresses or CIDR ranges that may read `/metrics`; others get 404.',
  },
  'outbound_fetch.timeout': {
    meaning:
      'Seconds a fetch of a URL a client or issuer names (a `jwks_uri`) may take in all: DNS, connect, ' +
      'answer and body. See [Outbound requests](#outbound-requests).',
  },
  'outbound_fetch.max_bytes': {
    meaning: 'Bytes such a document may have; the fetch is cut off past it, whatever `Content-Length` says.',
    defaultNote: '512 KiB',
  },
  'outbound_fetch.allow_loopback': {
    meaning:
      'Development: plain `http` URLs and loopback addresses (`127.0.0.0/8`, `::1`) may be fetched. Private,' +
      ' link-local and other non-public addresses never are.',
    defaultText: '`true` when `issuer` is `http://` on `localhost` or a loopback address, else `false`',
  },
  log_level: {
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  },
};
