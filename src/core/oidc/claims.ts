import { OAuthError } from '../errors.js';
import type { UserRecord } from '../ports.js';

/**
 * OpenID Connect scopes and claims (OIDC Core §5): which claims each scope releases, the
 * `claims` request parameter (§5.5), and the values of a user's claims. Pure rules, no I/O.
 */

/** The scopes every server supports, whatever supported_scopes says (offline_access only when listed). */
export const OIDC_SCOPES = ['openid', 'profile', 'email'] as const;

/** OIDC Core §11: asks for a refresh token that outlives the browser session. */
export const OFFLINE_ACCESS = 'offline_access';

/** OIDC Core §5.4, the claims Gatehouse has of each scope (users have no address or phone number). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['preferred_username', 'name', 'updated_at'],
  email: ['email', 'email_verified'],
};

/** The user claims that can be released (by scope or by the claims parameter). */
export const USER_CLAIMS: readonly string[] = Object.values(SCOPE_CLAIMS).flat();

/** Every claim an ID token or userinfo may carry (Discovery's claims_supported). */
export const CLAIMS_SUPPORTED: readonly string[] = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'sid',
  ...USER_CLAIMS,
];

/** The supported scopes with the OpenID ones added (supported_scopes may list them or not). */
export function withOidcScopes(supported: readonly string[]): string[] {
  return [...new Set([...supported, ...OIDC_SCOPES])];
}

/** One entry of the claims parameter (OIDC Core §5.5.1): null, or what is asked of the claim. */
export interface ClaimRequest {
  essential?: boolean;
  value?: unknown;
  values?: unknown[];
}

/** The `claims` request parameter as validated: the claims asked for in the ID token and at userinfo. */
export interface ClaimsRequest {
  id_token?: Record<string, ClaimRequest | null>;
  userinfo?: Record<string, ClaimRequest | null>;
}

/** The longest `claims` parameter accepted: it is kept on the server with the grant. */
export const MAX_CLAIMS_PARAMETER_LENGTH = 4096;

/**
 * The `claims` parameter (a JSON object, OIDC Core §5.5), checked: null when absent. Members other
 * than id_token and userinfo are ignored (§5.5: not understood); each of those two must be an
 * object whose members are null or { essential?, value?, values? }. invalid_request otherwise.
 */
export function parseClaimsParameter(value: string | undefined): ClaimsRequest | null {
  if (value === undefined) return null;
  if (value.length > MAX_CLAIMS_PARAMETER_LENGTH)
    throw OAuthError.invalidRequest(`claims is longer than ${MAX_CLAIMS_PARAMETER_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw OAuthError.invalidRequest('claims must be a JSON object (OpenID Connect Core 5.5)');
  }
  if (!isObject(parsed)) throw OAuthError.invalidRequest('claims must be a JSON object (OpenID Connect Core 5.5)');
  const request: ClaimsRequest = {};
  for (const target of ['id_token', 'userinfo'] as const) {
    const members = parsed[target];
    if (members === undefined) continue;
    if (!isObject(members)) throw OAuthError.invalidRequest(`claims.${target} must be a JSON object`);
    const checked: Record<string, ClaimRequest | null> = {};
    for (const [name, entry] of Object.entries(members)) {
      if (entry === null) {
        checked[name] = null;
        continue;
      }
      if (!isObject(entry)) throw OAuthError.invalidRequest(`claims.${target}.${name} must be null or an object`);
      const { essential, value: wanted, values } = entry;
      if (essential !== undefined && typeof essential !== 'boolean')
        throw OAuthError.invalidRequest(`claims.${target}.${name}.essential must be true or false`);
      if (values !== undefined && !Array.isArray(values))
        throw OAuthError.invalidRequest(`claims.${target}.${name}.values must be an array`);
      checked[name] = {
        ...(essential === undefined ? {} : { essential }),
        ...(wanted === undefined ? {} : { value: wanted }),
        ...(values === undefined ? {} : { values }),
      };
    }
    request[target] = checked;
  }
  return request;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The user claims the granted scopes release (OIDC Core §5.4). */
export function scopeClaimNames(scopes: readonly string[]): string[] {
  return scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []);
}

/**
 * The user claims that go to `target`: at userinfo, those of the granted scopes; in the ID token,
 * those of the granted scopes the claims parameter asks for there, or all of them when the client
 * registered for it (id_token_claims). The claims parameter only says where a consented claim
 * goes: it never releases a claim whose scope the user did not allow (OIDC Core §5.5: claims
 * requests are subject to consent; the consent page names scopes). `sub` and the rest are the caller's.
 */
export function releasedClaimNames(
  target: 'id_token' | 'userinfo',
  scopes: readonly string[],
  claims: ClaimsRequest | null,
  scopeClaimsInIdToken = false,
): string[] {
  const consented = scopeClaimNames(scopes);
  if (target === 'userinfo' || scopeClaimsInIdToken) return consented;
  const asked = new Set(Object.keys(claims?.id_token ?? {}));
  return consented.filter((name) => asked.has(name));
}

/** The values of a user's claims; a claim the user has no value for (name unset) is left out. */
export function userClaimValues(
  user: Pick<UserRecord, 'username' | 'email' | 'updatedAt' | 'displayName' | 'emailVerified'>,
  names: readonly string[],
): Record<string, unknown> {
  const all: Record<string, unknown> = {
    preferred_username: user.username,
    name: user.displayName ?? undefined,
    updated_at: user.updatedAt,
    email: user.email,
    email_verified: user.emailVerified ?? false,
  };
  const released: Record<string, unknown> = {};
  for (const name of names) if (all[name] !== undefined) released[name] = all[name];
  return released;
}
