import { OAuthError } from './errors.js';
import { allValues } from './params.js';
import type { ClientRecord } from './ports.js';

/**
 * Resource indicators (RFC 8707): the `resource` parameter of authorization and token requests
 * names where the client will use the access token, and becomes the token's audience (`aud`).
 *
 * - Syntax (§2): each value is an absolute URI without a fragment, else invalid_target.
 * - Which resources a client may name: those registered for it (`client create --resource`),
 *   compared as exact strings, plus the server's default audience (access_token_audience, else
 *   the issuer), which every client may name. Anything else is invalid_target.
 * - No `resource` at all: the token is for the default audience, as before resource indicators.
 * - A token request against an existing grant (a code, a refresh token) may name a subset of the
 *   grant's resources, never one outside it (§2.2); the refresh token stays bound to the whole grant.
 */

/** The server's side of resource indicators. */
export interface ResourcePolicy {
  /** The audience of a token whose request named no resource; every client may name it (access_token_audience, else the issuer). */
  defaultAudience: string;
}

/** More distinct resources than any one token needs; a bound on what one request makes the server check and store. */
export const MAX_RESOURCES_PER_REQUEST = 10;
/** The longest resource URI accepted, in a request or a client's registration. */
export const MAX_RESOURCE_LENGTH = 2000;

/** RFC 3986 §2: the characters a URI may contain (unreserved, reserved, and % of a percent-encoding). */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
/** RFC 3986 §3.1: an absolute URI starts with a scheme. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** A % not followed by two hex digits. */
const BROKEN_PERCENT_ENCODING = /%(?![0-9A-Fa-f]{2})/;

/**
 * Why `value` cannot be a resource indicator (RFC 8707 §2: an absolute URI, RFC 3986 §4.3,
 * without a fragment), or null when it can. Never quotes the value.
 */
export function resourceProblem(value: string): string | null {
  if (value.length > MAX_RESOURCE_LENGTH) return `a resource must be at most ${MAX_RESOURCE_LENGTH} characters`;
  if (!SCHEME.test(value)) return 'a resource must be an absolute URI, with a scheme (RFC 8707 section 2)';
  if (value.includes('#')) return 'a resource must not include a fragment (RFC 8707 section 2)';
  if (!URI_CHARACTERS.test(value) || BROKEN_PERCENT_ENCODING.test(value))
    return 'a resource must be a URI: ASCII characters allowed by RFC 3986, others percent-encoded';
  return null;
}

/** RFC 8707 §2: the request's `resource` values, each checked, without duplicates, in order; [] when none. */
export function requestedResources(params: ReadonlyMap<string, string>): string[] {
  const unique = [...new Set(allValues(params, 'resource'))];
  if (unique.length > MAX_RESOURCES_PER_REQUEST)
    throw OAuthError.invalidTarget(`at most ${MAX_RESOURCES_PER_REQUEST} resources may be requested at once`);
  for (const value of unique) {
    const problem = resourceProblem(value);
    if (problem) throw OAuthError.invalidTarget(problem);
  }
  return unique;
}

/** Whether `client` may name `resource`: one registered for it, or the server's default audience. */
export function clientMayName(
  client: Pick<ClientRecord, 'allowedResources'>,
  resource: string,
  policy: ResourcePolicy,
) {
  return resource === policy.defaultAudience || (client.allowedResources ?? []).includes(resource);
}

/**
 * The resources of a new grant (an authorization request, client_credentials, password): those
 * requested, each one the client may name; [] when none was requested (the default audience).
 */
export function resourcesForNewGrant(
  policy: ResourcePolicy,
  client: Pick<ClientRecord, 'allowedResources'>,
  params: ReadonlyMap<string, string>,
): string[] {
  const requested = requestedResources(params);
  if (requested.some((resource) => !clientMayName(client, resource, policy)))
    throw OAuthError.invalidTarget('this client is not allowed to request a token for that resource');
  return requested;
}

/**
 * The audience of an access token issued from an existing grant (RFC 8707 §2.2: an authorization
 * code, a refresh token): the requested resources when each was part of the grant (a grant that
 * named none covers the default audience), else invalid_target; all of the grant's when none is requested.
 */
export function resourcesWithinGrant(
  policy: ResourcePolicy,
  params: ReadonlyMap<string, string>,
  granted: readonly string[] | undefined,
): readonly string[] {
  const requested = requestedResources(params);
  const grant = granted ?? [];
  if (requested.length === 0) return grant;
  const ceiling = grant.length > 0 ? grant : [policy.defaultAudience];
  if (requested.some((resource) => !ceiling.includes(resource)))
    throw OAuthError.invalidTarget('a requested resource is not part of what this grant was authorized for');
  return requested;
}

/** `aud` as RFC 7519 §4.1.3 writes it: a string for one audience, an array for several. */
export function audienceClaim(audience: readonly string[]): string | string[] {
  return audience.length === 1 ? audience[0]! : [...audience];
}
