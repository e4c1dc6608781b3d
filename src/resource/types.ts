/**
 * The resource SDK's public shapes, apart from the code that makes them, so the framework
 * adapters and the resource server can both use them without importing each other.
 */

export type TokenFormat = 'jwt' | 'opaque' | 'auto';

export interface ScopeRoleNaming {
  /** Put before each scope. Default `'SCOPE_'`. */
  prefix?: string;
  /** Upper-case the scope, other characters than letters and digits as `_` (`notes:read` → `NOTES_READ`). Default false. */
  upperCase?: boolean;
}

/** Who is calling, as established from the access token. Read-only: for JWTs the arrays and claims are frozen. */
export interface AccessInfo {
  /** The subject: the user's id, or the client's id for a client_credentials token. */
  sub: string;
  /** The client the token was issued to. */
  clientId: string;
  /** The granted scopes. */
  scopes: string[];
  /**
   * Each scope as a role (by default `SCOPE_` + the scope: `notes:read` → `SCOPE_notes:read`;
   * see the `scopeRoles` option), then the token's own `roles` claim (the user's roles, such as
   * `ROLE_ADMIN`), if any.
   */
  roles: string[];
  /** The user's username, when the token carries one. */
  username?: string;
  /** When the token expires, in seconds since the epoch. */
  expiresAt: number;
  /** How the token was checked: locally as a JWT, or by introspection. */
  tokenFormat: 'jwt' | 'opaque';
  /** Every claim of the JWT, or every member of the introspection answer. */
  claims: Record<string, unknown>;
}

/** Which scopes a route needs: all of them (`requireScope`) or any one (`requireAnyScope`). */
export interface ScopeRule {
  readonly mode: 'all' | 'any';
  readonly scopes: readonly string[];
}

export interface ResolvedSettings {
  issuer: string;
  audience: readonly string[];
  jwksUri: string;
  introspectionEndpoint: string | null;
  tokenFormat: TokenFormat;
  allowBodyToken: boolean;
  allowQueryToken: boolean;
  realm: string;
  clockTolerance: number;
  scopeRoles: Readonly<Required<ScopeRoleNaming>>;
}
