/**
 * OAuth 2.0 Token Exchange (RFC 8693), built on the public extension grant API like an
 * application's own grant: it decides whose token is issued, with which audience, scope and actor;
 * client authentication, the client's grant_types check, scope validation and issuance are the
 * adapter's.
 *
 * Error codes follow RFC 8693 §2.2.2: a subject_token or actor_token that is invalid for any
 * reason (unknown, expired, revoked, of an unsupported type) or unacceptable by policy (the
 * client may not impersonate, the actor token is another client's) is `invalid_request` — a MUST,
 * where RFC 6749 intuition would say invalid_grant; a target the client may not name is
 * `invalid_target`; a scope wider than the subject token's is `invalid_scope`.
 */
import { OAuthError } from '../errors.js';
import { allValues } from '../params.js';
import type { AccessTokenRecord, ActorClaim, ClientRecord, TokenExchangeStorage } from '../ports.js';
import { allowedScopesFor, narrowScope, parseScope } from '../scopes.js';
import { tokenKey } from '../secrets.js';
import type { AccessTokenFormat } from '../tokens.js';
import type { ExtensionGrant, ExtensionGrantForUser, ExtensionGrantRequest } from './extension.js';
import { requireParam } from './grant.js';
import type { ScopePolicy } from './scope-policy.js';

export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8693 §3 token type identifiers. */
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;

/** How many actors a delegation chain may name (each exchange nests one more `act`). */
export const MAX_DELEGATION_DEPTH = 8;

export interface TokenExchangeDependencies {
  store: TokenExchangeStorage;
  scopes: ScopePolicy;
  /** The server's access token format: the `jwt` token type is supported only for JWT access tokens. */
  accessTokenFormat: AccessTokenFormat['kind'];
}

/** A JWS compact serialization: three base64url parts. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function tokenExchangeGrant(deps: TokenExchangeDependencies): ExtensionGrant {
  const jwtAccessTokens = deps.accessTokenFormat === 'jwt';

  /** subject_token_type / actor_token_type: the types this server can check (§2.1, §3). */
  function checkPresentedType(type: string, name: string): void {
    if (type === TOKEN_TYPE.accessToken || (type === TOKEN_TYPE.jwt && jwtAccessTokens)) return;
    if (type === TOKEN_TYPE.idToken)
      throw OAuthError.invalidRequest(`${name} ${TOKEN_TYPE.idToken} is not supported yet (it needs OpenID Connect)`);
    throw OAuthError.invalidRequest(`unsupported ${name}`);
  }

  /** A live access token of this server, or invalid_request (RFC 8693 §2.2.2: invalid for any reason). */
  async function liveAccessToken(value: string, type: string, name: string, now: number) {
    const token =
      type === TOKEN_TYPE.jwt && !JWT_SHAPE.test(value) ? null : await deps.store.findAccessToken(tokenKey(value));
    if (!token || token.revokedAt !== null || token.expiresAt <= now)
      throw OAuthError.invalidRequest(`${name} is not an active access token of this server`);
    return token;
  }

  return {
    grantType: TOKEN_EXCHANGE_GRANT_TYPE,
    // RFC 8693 §2.2.1: a refresh token is optional; an exchanged token is short-lived and derived.
    refreshTokens: false,
    // The presented tokens are 256 random bits or signed JWTs: nothing to guess, nothing to count.
    throttleFailures: false,
    async decide({ client, params, now, users }: ExtensionGrantRequest): Promise<ExtensionGrantForUser> {
      const subjectToken = requireParam(params, 'subject_token');
      const subjectTokenType = requireParam(params, 'subject_token_type');
      const actorToken = params.get('actor_token');
      const actorTokenType = params.get('actor_token_type');
      // §2.1: actor_token_type is REQUIRED with actor_token and MUST NOT be sent without it.
      if ((actorToken === undefined) !== (actorTokenType === undefined))
        throw OAuthError.invalidRequest('actor_token and actor_token_type go together: send both or neither');
      checkPresentedType(subjectTokenType, 'subject_token_type');
      if (actorTokenType !== undefined) checkPresentedType(actorTokenType, 'actor_token_type');
      const issuedTokenType = requestedTokenType(params.get('requested_token_type'), jwtAccessTokens);
      const audience = requestedTargets(client, params);
      // Impersonation (no actor): the new token is the subject's own. Only a client allowed it may.
      if (actorToken === undefined && !client.mayImpersonate)
        throw OAuthError.invalidRequest('this client may only delegate: actor_token is required');

      const subject = await liveAccessToken(subjectToken, subjectTokenType, 'subject_token', now);
      if (subject.userId === null)
        throw OAuthError.invalidRequest('subject_token was issued to a client for itself, not for a user');
      const user = await users.findById(subject.userId);
      if (!user?.enabled) throw OAuthError.invalidRequest('subject_token is not an active access token of this server');

      let actor = subject.actor;
      if (actorToken !== undefined && actorTokenType !== undefined) {
        const acting = await liveAccessToken(actorToken, actorTokenType, 'actor_token', now);
        // The actor proves who acts by holding its own token: another client's token proves nothing
        // about the caller, and would let a client act in another's name.
        if (acting.clientId !== client.id) throw OAuthError.invalidRequest('actor_token was not issued to this client');
        // A delegated token names its subject, not who acts: as an actor it would put a bystander
        // (the user it was issued for) in the act claim and drop the real actor.
        if (acting.actor) throw OAuthError.invalidRequest('actor_token is itself a delegated token');
        actor = delegation(acting, subject.actor);
      }
      return {
        userId: subject.userId,
        scope: exchangedScope(params.get('scope'), subject, client, deps.scopes),
        refreshToken: false,
        // Named targets, else the subject token's own: an exchange never widens where a token may be used.
        ...(audience.length ? { audience } : subject.audience?.length ? { audience: subject.audience } : {}),
        ...(actor ? { actor } : {}),
        issuedTokenType,
        derivedFrom: { familyId: subject.familyId, expiresAt: subject.expiresAt },
      };
    },
  };
}

/** §2.1 requested_token_type: an access token (the default), or a JWT when access tokens are JWTs. */
function requestedTokenType(requested: string | undefined, jwtAccessTokens: boolean): string {
  if (requested === undefined || requested === TOKEN_TYPE.accessToken) return TOKEN_TYPE.accessToken;
  if (requested === TOKEN_TYPE.jwt && jwtAccessTokens) return TOKEN_TYPE.jwt;
  throw OAuthError.invalidRequest('unsupported requested_token_type');
}

/**
 * §2.1 audience and resource (each may repeat): every one must be among the client's exchange
 * audiences, else invalid_target (§2.2.2). A resource must also be an absolute URI without a fragment.
 */
function requestedTargets(client: ClientRecord, params: ReadonlyMap<string, string>): string[] {
  const resources = allValues(params, 'resource');
  for (const resource of resources) {
    if (!URL.canParse(resource) || resource.includes('#'))
      throw OAuthError.invalidTarget('resource must be an absolute URI without a fragment');
  }
  const targets = [...new Set([...allValues(params, 'audience'), ...resources])];
  const allowed = new Set(client.exchangeAudiences ?? []);
  if (targets.some((target) => !allowed.has(target)))
    throw OAuthError.invalidTarget('this client may not request a token for that audience or resource');
  return targets;
}

/**
 * §4.1: the acting party becomes the current actor; a prior actor of the subject token nests
 * inside (the outermost act is the current actor, nested ones are prior actors).
 */
function delegation(acting: AccessTokenRecord, prior: ActorClaim | undefined): ActorClaim {
  if (prior && depth(prior) >= MAX_DELEGATION_DEPTH)
    throw OAuthError.invalidRequest(`a delegation chain may name at most ${MAX_DELEGATION_DEPTH} actors`);
  return { sub: acting.userId ?? acting.clientId, client_id: acting.clientId, ...(prior ? { act: prior } : {}) };
}

function depth(actor: ActorClaim): number {
  return 1 + (actor.act ? depth(actor.act) : 0);
}

/**
 * §2.1 scope: only narrowing. A requested scope must be within the subject token's (else
 * invalid_scope; the adapter then checks it against this client's scopes too); without one, the
 * subject token's scope as far as this client may hold it. Never empty: the adapter would read
 * an empty scope as "the default", which could be wider than the subject's.
 */
function exchangedScope(
  requested: string | undefined,
  subject: AccessTokenRecord,
  client: ClientRecord,
  policy: ScopePolicy,
): string[] {
  const subjectScope = parseScope(subject.scope) ?? [];
  const wanted = parseScope(requested);
  let scope: string[];
  if (wanted === null) {
    const allowed = new Set(allowedScopesFor(client.scopes, policy.supported));
    scope = subjectScope.filter((s) => allowed.has(s));
  } else scope = narrowScope(wanted, subjectScope);
  // A subject token without scope (a server with no scopes configured) is exchanged for one without
  // scope too; a subject token whose every scope this client may not hold is refused.
  if (scope.length === 0 && subjectScope.length > 0)
    throw OAuthError.invalidScope("the exchanged token would carry none of the subject token's scope");
  return scope;
}
