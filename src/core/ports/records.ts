/**
 * The records core reads and writes. Storage engines persist them; core never sees SQL.
 * Times are whole seconds since the epoch. Secrets appear only as SHA-256 hashes.
 */

export interface ClientRecord {
  id: string;
  name: string;
  /** SHA-256 of the client secret; null for a public client. */
  secretHash: string | null;
  isPublic: boolean;
  redirectUris: string[];
  grantTypes: string[];
  /** The scopes this client may ask for; null means every configured supported scope. */
  scopes: string[] | null;
  /** A first-party client: its users are never asked for consent. */
  trusted: boolean;
  /** A resource server's client: may introspect tokens issued to any client. */
  canIntrospect: boolean;
  /**
   * RFC 8707: the resources (absolute URIs, compared exactly) this client may name in `resource`;
   * null or empty: none but the server's default audience, which every client may name.
   */
  allowedResources: string[] | null;
  /**
   * RFC 8693 token exchange: the audiences (and resources) this client may name in an exchange;
   * absent or empty: none, so its exchanged tokens carry the server's default audience only.
   */
  exchangeAudiences?: readonly string[];
  /**
   * RFC 8693: whether an exchange without actor_token (impersonation: the new token is the
   * subject's, with no `act`) is allowed; absent or false: this client may only delegate.
   */
  mayImpersonate?: boolean;
  /**
   * Browser origins (scheme://host[:port], as a browser serializes them) allowed to call the
   * token, revocation, introspection and userinfo endpoints (CORS), set explicitly; absent or
   * empty: none. A public client's http(s) redirect URIs add their origins (core/origins.ts).
   */
  allowedOrigins?: readonly string[];
  createdAt: number;
  /**
   * How the client authenticates (token, revocation, introspection), fixed at registration.
   * Storage always sets it; absent only in records built in code, meaning client_secret_basic
   * (none for a public client). client_secret_basic and client_secret_post accept either secret method.
   */
  authMethod?: ClientAuthMethod;
  /** private_key_jwt: the client's public keys, registered inline (RFC 7517 JWK Set). */
  jwks?: JsonWebKeySet;
  /** private_key_jwt: where the client publishes its public keys (fetched, cached, refreshed on an unknown kid). */
  jwksUri?: string;
  /** client_secret_jwt: the secret, encrypted with key_encryption_key (an HMAC cannot be checked against a hash). */
  secretEncrypted?: string;
  /** OpenID Connect metadata; absent: the defaults (RS256 ID tokens, public subjects, no logout URIs). */
  oidc?: ClientOidcSettings;
}

/** The algorithms an ID token, signed userinfo or logout token may be signed with (core/keys.ts SIGNING_ALGORITHMS). */
export type IdTokenAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/**
 * A client's OpenID Connect registration metadata (Dynamic Client Registration 1.0 §2; RP-Initiated
 * Logout §3.1; Back-Channel Logout §2.2). Every field absent means the default.
 */
export interface ClientOidcSettings {
  /** id_token_signed_response_alg; default RS256. */
  idTokenSignedResponseAlg?: IdTokenAlgorithm;
  /** userinfo_signed_response_alg: userinfo answered as a signed JWT; absent: plain JSON. */
  userinfoSignedResponseAlg?: IdTokenAlgorithm;
  /** post_logout_redirect_uris: where the end-session endpoint may send the browser back (exact match). */
  postLogoutRedirectUris?: readonly string[];
  /** backchannel_logout_uri: where logout tokens are POSTed when a session this client was given tokens in ends. */
  backchannelLogoutUri?: string;
  /** backchannel_logout_session_required: the logout token must carry sid (it always does here). */
  backchannelLogoutSessionRequired?: boolean;
  /** subject_type: pairwise gives this client (its sector) a `sub` of its own for each user; default public. */
  subjectType?: 'public' | 'pairwise';
  /** sector_identifier_uri (OIDC Core §8.1): a JSON array of redirect URIs, fetched and checked at registration. */
  sectorIdentifierUri?: string;
  /** The sector pairwise subjects are computed for: the sector_identifier_uri's host, else the redirect URIs' host. */
  sector?: string;
  /** Put the claims of the granted scopes in the ID token too, not only at userinfo. */
  idTokenClaims?: boolean;
}

/** RFC 7591 §2 token_endpoint_auth_method values Gatehouse knows. */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'client_secret_jwt'
  | 'none';

/** A JWK Set (RFC 7517 §5) of public keys. */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

export interface UserRecord {
  id: string;
  username: string;
  usernameCanonical: string;
  email: string;
  emailCanonical: string;
  /** argon2id PHC string. */
  passwordHash: string;
  /** Whether the account may be used. An administrator's switch (user activate/deactivate). */
  enabled: boolean;
  /**
   * A self-registered account whose e-mail address is not confirmed yet: it is also not
   * enabled, and following the confirmation link enables it. An administrator's deactivate
   * clears this, so a confirmation link can never re-enable an account an admin disabled.
   */
  awaitingConfirmation: boolean;
  roles: string[];
  createdAt: number;
  updatedAt: number;
  /** OIDC `name`: how the user wants to be called; null or absent: not set. */
  displayName?: string | null;
  /** OIDC `email_verified`: the user followed a link sent to this address (or an administrator vouched for it). */
  emailVerified?: boolean;
}

export interface AccessTokenRecord {
  /** SHA-256 of the token as handed out (an opaque value or a whole JWT). */
  tokenHash: string;
  /** The token's unique id (the `jti` of a JWT), reported by introspection; null for tokens older than migration 3. */
  jti: string | null;
  /** Every token descended from one original grant shares this id. */
  familyId: string;
  clientId: string;
  userId: string | null;
  scope: string;
  /**
   * RFC 8707: the resources this token is for, its `aud`; absent or empty: the server's default
   * audience (access_token_audience, else the issuer).
   */
  audience?: readonly string[];
  /** RFC 8693 §4.1: who acts for the subject (a token issued by a delegating exchange); absent: nobody. */
  actor?: ActorClaim;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/**
 * RFC 8693 §4.1 `act`: the party acting for the token's subject, as the claim is written (in JWT
 * access tokens and introspection alike). A nested `act` names the prior actor of a chain.
 */
export interface ActorClaim {
  sub: string;
  client_id?: string;
  act?: ActorClaim;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  /** The refresh token this one replaced; null for the first of a family. */
  parentHash: string | null;
  clientId: string;
  userId: string | null;
  scope: string;
  /**
   * RFC 8707 §2.2: every resource the grant covers (absent or empty: the default audience only).
   * A refresh may ask for a subset of them for its access token; rotation keeps the whole list.
   */
  audience?: readonly string[];
  issuedAt: number;
  /**
   * When the family's first token was issued; rotation copies it. Absent when writing = issuedAt
   * (the first token of a family); always present when read.
   */
  familyStartedAt?: number;
  expiresAt: number;
  /** Set when the token was exchanged (rotation); a consumed token presented again is reuse. */
  consumedAt: number | null;
  revokedAt: number | null;
}

export interface AuthorizationCodeRecord {
  codeHash: string;
  familyId: string;
  clientId: string;
  userId: string;
  /** Where the code was sent (the registered URI the request resolved to). */
  redirectUri: string;
  /**
   * Whether the authorization request named redirect_uri itself; only then must the token
   * request repeat it (RFC 6749 §4.1.3).
   */
  redirectUriGiven: boolean;
  scope: string;
  /**
   * RFC 8707: the resources the authorization request named (absent or empty: none, the default
   * audience); the token request may ask for a subset of them.
   */
  audience?: readonly string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  issuedAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

/** What a user allowed a client: remembered so the consent page is not shown again for it. */
export interface ConsentRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  grantedAt: number;
}

/** A key that signs JWT access tokens. The private key is stored encrypted, never in clear. */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  /** The public JWK (JSON), as published in the JWKS. */
  publicJwk: string;
  /** The private key (PKCS#8), encrypted with the configured key_encryption_key. */
  privateKeyEncrypted: string;
  createdAt: number;
  /** When a newer key takes (or took) over signing; null for the newest key. */
  retiredAt: number | null;
  /** Until when the public key stays in the JWKS (every token it signed has expired by then). */
  publishUntil: number | null;
}

/**
 * The sign-in behind an authorization that asked for `openid`, kept by the grant (family) it
 * started: every ID token of the grant (the first, and each after a refresh) says the same
 * auth_time, sid, amr and acr; the nonce goes into the first one only (OIDC Core §12.2).
 */
export interface OidcGrantRecord {
  familyId: string;
  clientId: string;
  userId: string;
  /** The browser session's public id (OIDC sid). */
  sid: string;
  /** When the user last authenticated in that session (seconds). */
  authTime: number;
  /** Authentication methods (RFC 8176), e.g. ["pwd"]. */
  amr: readonly string[];
  acr: string | null;
  nonce: string | null;
  /** The `claims` request parameter as validated (OIDC Core §5.5), JSON; null when none was sent. */
  claims: string | null;
  /** offline_access was granted: the grant's refresh tokens outlive the session. */
  offline: boolean;
  createdAt: number;
}
