import type { IdSource } from '../clock.js';
import type { ClientRecord, CodeStore, OidcGrantStore, SecurityEventSink, TokenStore, UserRecord } from '../ports.js';
import type { TokenMinter } from '../tokens.js';

export type ResponseType = 'code' | 'token';

/**
 * Implicit responses go in the fragment (RFC 6749 §4.2.2), codes in the query unless the client
 * asks for the fragment with response_mode (OAuth 2.0 Multiple Response Type Encoding Practices
 * §2.1); tokens never go in the query (§3.0 of the same: query is not for access tokens).
 */
export type ResponseMode = 'query' | 'fragment';

/** What the handlers store: a code, or (implicit) an access token; and the sign-in behind an OpenID grant. */
export type ResponseTypeStorage = Pick<CodeStore, 'saveAuthorizationCode'> &
  Pick<TokenStore, 'issueTokens'> & { readonly oidcGrants: Pick<OidcGrantStore, 'saveOidcGrant'> };

/** The browser sign-in that approved a request: what an OpenID grant's ID tokens say about it. */
export interface SignInContext {
  /** The session's public id (OIDC sid). */
  sid: string;
  /** When the user last authenticated in it. */
  authTime: number;
  /** RFC 8176 methods, e.g. ["pwd"]. */
  amr: readonly string[];
}

/** An approved authorization request, as far as a response type reads it. */
export interface ApprovedRequest {
  client: ClientRecord;
  redirectUri: string;
  redirectUriGiven: boolean;
  scope: string[];
  /** RFC 8707: the resources the token is for; [] for the default audience. */
  resources: string[];
  codeChallenge: string | null;
  /** The request's parameters (nonce and claims for an OpenID request). */
  params: ReadonlyMap<string, string>;
}

/** What a handler needs to answer an approved request. */
export interface ResponseContext {
  store: ResponseTypeStorage;
  minter: TokenMinter;
  ids: IdSource;
  now: number;
  /** Seconds an authorization code stays usable. */
  codeLifetime: number;
  /** Who approved it, for the events announced (user, client, address). */
  who: { userId: string; username: string; clientId: string; address?: string };
  events?: SecurityEventSink;
  /** The sign-in behind the approval; absent when none is known (then no OpenID grant is recorded). */
  signIn?: SignInContext;
  /** The acr value sign-in with a password meets (oidc.acr); null: none. */
  acr: string | null;
}

/** One response_type of the authorization endpoint (RFC 6749 §3.1.1): what it allows and what it issues. */
export interface ResponseTypeHandler {
  readonly responseType: ResponseType;
  /** The grant type a client must be registered for to use this response type. */
  readonly grantType: string;
  /** Where the response goes when the request names no response_mode. */
  readonly defaultMode: ResponseMode;
  /** Whether response_mode=query may carry this response. */
  readonly queryAllowed: boolean;
  /** Refuses (unauthorized_client) a client not registered for this response type's grant. */
  checkClient(client: ClientRecord): void;
  /** The PKCE challenge (RFC 7636) the response is bound to, or null; throws OAuthError when the request is refused. */
  codeChallenge(client: ClientRecord, params: ReadonlyMap<string, string>, requirePkce: boolean): string | null;
  /** Issues and stores what the response carries; returns its parameters (state and iss are added by the endpoint). */
  respond(
    request: ApprovedRequest,
    user: Pick<UserRecord, 'id' | 'username' | 'roles'>,
    context: ResponseContext,
  ): Promise<Record<string, string>>;
}
