/**
 * The JWT bearer authorization grant (RFC 7523 §2.1): a client trades an assertion signed by a
 * trusted issuer for tokens. Built on the public extension grant API like an application's own
 * grant: this file only decides who the tokens are for; client authentication, the client's
 * grant_types, scope, issuance and audit are Gatehouse's.
 *
 * The assertion's `iss` must be a configured issuer, signed by its keys (inline, or its jwks_uri
 * through the RemoteKeySets port); `aud` the issuer identifier or the token endpoint URL (RFC 7523
 * §3 names the token endpoint URL as a value the server may accept; the assertion is the grant
 * itself, so the audience-injection attack on client assertions does not apply); `exp` required and
 * at most assertion_max_lifetime ahead; `jti` used once, across nodes. `sub` names a user (by
 * username or id) or, for a service account, the requesting client.
 */
import { PRIVATE_KEY_JWT_ALGORITHMS } from '../client-methods.js';
import { OAuthError } from '../errors.js';
import {
  AssertionError,
  type AssertionKeys,
  unverifiedClaims,
  useAssertionId,
  verifyAssertion,
} from '../jwt-assertions.js';
import type { JsonWebKeySet, RemoteKeySets, UsedAssertionIdStore } from '../ports.js';
import type { ExtensionGrant, ExtensionGrantDecision, ExtensionGrantRequest } from './extension.js';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** An issuer whose assertions are trusted (config jwt_bearer.issuers). */
export interface TrustedIssuer {
  issuer: string;
  /** Its public keys, inline or at a URL. */
  keys: { jwks: JsonWebKeySet } | { jwksUri: string };
  /** What `sub` names: a user by username (or e-mail address), a user by id, or the requesting client. */
  subject: 'username' | 'user_id' | 'client';
  /** Only these clients may present its assertions; absent: any client allowed the grant. */
  allowedClients?: readonly string[];
}

export interface JwtBearerSettings {
  issuers: readonly TrustedIssuer[];
  /** The accepted `aud` values: the issuer identifier and the token endpoint URL. */
  audiences: readonly string[];
  /** Seconds ahead of now `exp` may be at most. */
  maxLifetime: number;
  usedIds: UsedAssertionIdStore;
  remoteKeySets: RemoteKeySets;
}

const refuse = (description: string): ExtensionGrantDecision => ({ error: 'invalid_grant', description });

export function jwtBearerGrant(settings: JwtBearerSettings | undefined): ExtensionGrant {
  return {
    grantType: JWT_BEARER_GRANT_TYPE,
    // The assertion is signed: nothing to guess, so no brute-force counting (and no read per request).
    throttleFailures: false,
    // The issuer is asked for a new assertion instead: its word, not ours, says the user is still there.
    refreshTokens: false,
    decide: (request) => decide(settings, request),
  };
}

async function decide(
  settings: JwtBearerSettings | undefined,
  { client, params, now, users }: ExtensionGrantRequest,
): Promise<ExtensionGrantDecision> {
  const assertion = params.get('assertion');
  if (assertion === undefined) throw OAuthError.invalidRequest('missing required parameter: assertion');
  const claimed = unverifiedClaims(assertion);
  if (!claimed) return refuse('the assertion is not a JWT');
  const issuer = settings?.issuers.find((trusted) => trusted.issuer === claimed.iss);
  if (!settings || !issuer) return refuse('the assertion was not issued by a trusted issuer');
  if (issuer.allowedClients && !issuer.allowedClients.includes(client.id))
    return refuse("this client may not present this issuer's assertions");
  const keys: AssertionKeys =
    'jwks' in issuer.keys
      ? { kind: 'jwks', jwks: issuer.keys.jwks }
      : { kind: 'remote', uri: issuer.keys.jwksUri, keySets: settings.remoteKeySets };
  try {
    const verified = await verifyAssertion(assertion, keys, {
      algorithms: PRIVATE_KEY_JWT_ALGORITHMS,
      audiences: settings.audiences,
      now,
      maxLifetime: settings.maxLifetime,
    });
    const decision = await subjectOf(issuer, verified.sub, client.id, users);
    if ('error' in decision) return decision;
    await useAssertionId(settings.usedIds, `issuer\n${issuer.issuer}`, verified, now);
    return decision;
  } catch (error) {
    if (error instanceof AssertionError) return refuse(error.message);
    throw error;
  }
}

/** Who `sub` names, per the issuer's setting. Whether the user may sign in is checked by the adapter. */
async function subjectOf(
  issuer: TrustedIssuer,
  sub: string,
  clientId: string,
  users: ExtensionGrantRequest['users'],
): Promise<ExtensionGrantDecision> {
  if (issuer.subject === 'client')
    return sub === clientId ? { client: true } : refuse('sub must be the requesting client');
  const user =
    sub.length > 320 ? null : issuer.subject === 'user_id' ? await users.findById(sub) : await users.findByLogin(sub);
  if (!user) return refuse('the assertion names no known user');
  return { userId: user.id };
}
