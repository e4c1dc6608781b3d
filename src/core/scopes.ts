import { OAuthError } from './errors.js';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/**
 * Parses a `scope` parameter: tokens separated by single spaces. Returns null when the
 * parameter is absent or empty (the caller then applies the default).
 */
export function parseScope(value: string | undefined): string[] | null {
  if (value === undefined || value === '') return null;
  const tokens = value.split(' ');
  if (!tokens.every(isScopeToken)) {
    throw OAuthError.invalidScope('scope must be scope tokens separated by single spaces (RFC 6749 section 3.3)');
  }
  return [...new Set(tokens)];
}

export function formatScope(scopes: Iterable<string>): string {
  return [...scopes].join(' ');
}

/** The scopes a client may ask for: its own list, or every supported scope, never beyond those. */
export function allowedScopesFor(clientScopes: string[] | null, supportedScopes: readonly string[]): string[] {
  if (clientScopes === null) return [...supportedScopes];
  const supported = new Set(supportedScopes);
  return clientScopes.filter((scope) => supported.has(scope));
}

/**
 * Decides the granted scope for a new grant: the requested scopes when all are allowed,
 * otherwise invalid_scope; when none are requested, the default scope narrowed to what the
 * client is allowed (never every supported scope, which is the FOS mistake).
 */
export function grantScope(
  requested: string[] | null,
  allowed: readonly string[],
  defaultScope: readonly string[],
): string[] {
  const allowedSet = new Set(allowed);
  if (requested === null) return defaultScope.filter((scope) => allowedSet.has(scope));
  const refused = requested.filter((scope) => !allowedSet.has(scope));
  if (refused.length > 0) {
    throw OAuthError.invalidScope(`scope not allowed for this client: ${refused.join(' ').slice(0, 100)}`).withoutEcho(
      'a requested scope is not allowed for this client',
    );
  }
  return requested;
}

/** RFC 6749 §6: a refresh may narrow the original grant's scope, never widen it. */
export function narrowScope(requested: string[] | null, original: readonly string[]): string[] {
  if (requested === null) return [...original];
  const originalSet = new Set(original);
  const widened = requested.filter((scope) => !originalSet.has(scope));
  if (widened.length > 0) {
    throw OAuthError.invalidScope(`scope exceeds the original grant: ${widened.join(' ').slice(0, 100)}`).withoutEcho(
      'the requested scope exceeds the original grant',
    );
  }
  return requested;
}
