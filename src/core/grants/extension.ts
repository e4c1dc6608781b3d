/**
 * The public API for adding a grant type to the token endpoint (RFC 6749 §4.5), Gatehouse's
 * FOSOAuthServerBundle `GrantExtensionInterface`: a grant says only who the tokens are for, and
 * Gatehouse does the rest exactly as for its own grants — client authentication, the client's
 * grant_types check, scope validation, token issuance, refresh tokens, audit, metrics and the
 * brute-force throttle. The device flow, token exchange and JWT bearer grants are built on it too.
 */
import type { Clock } from '../clock.js';
import { OAuthError, type OAuthErrorCode } from '../errors.js';
import type { ActorClaim, ClientRecord, GrantAttemptThrottle, TokenStore, UserLookup, UserRecord } from '../ports.js';
import type { MintedTokens, TokenMinter } from '../tokens.js';
import type { GrantHandler, GrantRequest, RequestHeaders } from './grant.js';
import { RefreshTokenGrant } from './refresh-token.js';
import { resourcesForNewGrant, type ResourcePolicy } from '../resources.js';
import { scopeForNewGrant, type ScopePolicy } from './scope-policy.js';

/** Node joins most repeated headers already; the few it keeps as lists are joined the same way. */
function singleValued(headers: RequestHeaders | undefined): Record<string, string | undefined> {
  const single: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    single[name] = typeof value === 'string' ? value : value?.join(', ');
  return single;
}

/** What a grant's decision function is given: the authenticated client and the request. */
export interface ExtensionGrantRequest {
  /** The client, already authenticated and allowed this grant type. */
  readonly client: Readonly<ClientRecord>;
  /** The form parameters of the token request (single-valued; a repeated parameter was refused). */
  readonly params: ReadonlyMap<string, string>;
  /** The request's HTTP headers, lower-case names (FOSOAuthServerBundle's $authHeaders and more). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The caller's network address. */
  readonly clientIp: string;
  /** Now, in whole seconds since the epoch (Gatehouse's clock: a test's manual clock too). */
  readonly now: number;
  /** Finds a user by id or by username / e-mail address, as the sign-in form does; null when none. */
  readonly users: ExtensionGrantUsers;
}

export interface ExtensionGrantUsers {
  findById(id: string): Promise<UserRecord | null>;
  findByLogin(usernameOrEmail: string): Promise<UserRecord | null>;
}

/** What the tokens may carry beyond who they are for; every field is optional. */
export interface IssuedTokenShape {
  /**
   * The scope asked for (a space-separated string or a list), validated by Gatehouse against the
   * client's and the server's scopes like any request; by default the request's `scope` parameter.
   */
  scope?: string | readonly string[];
  /** Whether a refresh token follows, when the grant allows refresh tokens (default: yes). */
  refreshToken?: boolean;
  /** Seconds the access token lives, if shorter than access_token_lifetime (FOS's access_token_lifetime). */
  accessTokenLifetime?: number;
  /**
   * The access token's audience, decided by the grant itself (token exchange does). By default it
   * is the request's `resource` parameters (RFC 8707), each checked against the client's
   * registered resources, or the default audience.
   */
  audience?: readonly string[];
  /** RFC 8693 §4.1: who acts for the subject (delegation): `act` in JWT access tokens and in introspection. */
  actor?: ActorClaim;
  /** RFC 8693 §2.2.1: `issued_token_type` in the answer (a token exchange says what it issued). */
  issuedTokenType?: string;
  /**
   * The tokens come from an earlier token rather than a new grant: they join its family, so revoking
   * that grant (or its user's tokens) revokes them too, and they expire no later than it does.
   */
  derivedFrom?: { familyId: string; expiresAt: number };
}

/** The tokens are for this user (the resource owner): FOS's `['data' => $user]`. */
export interface ExtensionGrantForUser extends IssuedTokenShape {
  userId: string;
}

/** The tokens are for the client itself, as with client_credentials: FOS's `true`. */
export interface ExtensionGrantForClient extends IssuedTokenShape {
  client: true;
}

/** The request is refused with this OAuth error (RFC 6749 §5.2): FOS's `false` is `{ error: 'invalid_grant' }`. */
export interface ExtensionGrantRefused {
  error: string;
  description?: string;
}

export type ExtensionGrantDecision = ExtensionGrantForUser | ExtensionGrantForClient | ExtensionGrantRefused;

/** A grant type added to the token endpoint (`startGatehouse({ config, grants: [grant] })`). */
export interface ExtensionGrant {
  /** An absolute URI (RFC 6749 §4.5), e.g. https://example.com/grants/api-key. */
  readonly grantType: string;
  /** Whether a public client (no secret) may use it; by default only confidential clients may. */
  readonly allowPublicClients?: boolean;
  /**
   * Whether a refresh token may follow it, for a client also registered for refresh_token
   * (default true, as in FOSOAuthServerBundle; the client's registration is the opt-in).
   */
  readonly refreshTokens?: boolean;
  /**
   * Whether refused requests (invalid_grant) count towards the brute-force throttle per client and
   * address, like wrong passwords (default true). A grant whose credentials cannot be guessed
   * (256 random bits, a signature) may turn it off and save the throttle's read per request.
   */
  readonly throttleFailures?: boolean;
  /**
   * Decides who the tokens are for, or refuses. May also throw an OAuthError. Anything else it
   * throws is a server error (500), logged; never a token.
   */
  decide(request: ExtensionGrantRequest): Promise<ExtensionGrantDecision> | ExtensionGrantDecision;
}

/** RFC 6749 §5.2 / A.7: an error code is printable ASCII without `"` and `\`; ours are snake_case words. */
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** What the adapter needs from Gatehouse to stand in for a built-in grant. */
export interface ExtensionGrantDependencies {
  store: Pick<TokenStore, 'issueTokens'> & UserLookup;
  /** How a grant finds users (accounts/ canonicalizes a login as the sign-in form does). */
  users: ExtensionGrantUsers;
  minter: TokenMinter;
  clock: Clock;
  scopes: ScopePolicy;
  /** RFC 8707: the resources a request may name. */
  resources: ResourcePolicy;
  /** Counts refused requests per grant type, client and address; absent: nothing is counted. */
  throttle?: GrantAttemptThrottle;
}

/** Refuses a grant definition that cannot work, at start-up rather than at the first request. */
export function checkExtensionGrant(grant: ExtensionGrant): void {
  const name = typeof grant?.grantType === 'string' ? grant.grantType : String(grant?.grantType);
  if (typeof grant?.decide !== 'function') throw new TypeError(`grant ${name}: decide must be a function`);
  if (typeof grant.grantType !== 'string' || !isAbsoluteUri(grant.grantType))
    throw new TypeError(`grant ${name}: grantType must be an absolute URI (RFC 6749 section 4.5)`);
}

/**
 * RFC 6749 §4.5: an extension grant type is an absolute URI (RFC 3986 §4.3: a scheme, no
 * fragment), such as urn:ietf:params:oauth:grant-type:jwt-bearer.
 */
export function isAbsoluteUri(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+$/.test(value)) return false;
  return URL.canParse(value);
}

/** The token endpoint's handler for an extension grant: the grant decides, Gatehouse does the rest. */
export function extensionGrantHandler(grant: ExtensionGrant, deps: ExtensionGrantDependencies): GrantHandler {
  checkExtensionGrant(grant);
  const { users } = deps;
  return {
    grantType: grant.grantType,
    async handle(request: GrantRequest): Promise<MintedTokens> {
      const { client } = request;
      if (client.isPublic && !grant.allowPublicClients)
        throw OAuthError.unauthorizedClient(`a public client cannot use ${grant.grantType}`);
      const decision = await throttled(grant, deps.throttle, request, () =>
        grant.decide({
          client,
          params: request.params,
          headers: singleValued(request.headers),
          clientIp: request.clientIp ?? 'unknown',
          now: deps.clock.now(),
          users,
        }),
      );
      return issue(grant, deps, client, decision, request.params);
    },
  };
}

/** Runs the decision under the throttle: a refusal (invalid_grant) counts, anything else does not. */
async function throttled(
  grant: ExtensionGrant,
  throttle: GrantAttemptThrottle | undefined,
  request: GrantRequest,
  decide: () => Promise<ExtensionGrantDecision> | ExtensionGrantDecision,
): Promise<ExtensionGrantForUser | ExtensionGrantForClient> {
  const counted = throttle && grant.throttleFailures !== false;
  const turn = counted
    ? await throttle.beginGrantAttempt(grant.grantType, request.client.id, request.clientIp ?? 'unknown')
    : undefined;
  if (turn?.kind === 'blocked') {
    throw OAuthError.invalidGrant(
      `too many refused ${grant.grantType} requests; retry in ${turn.retryAfter} seconds`,
    ).withRetryAfter(turn.retryAfter);
  }
  const attempt = turn?.attempt;
  try {
    const decision = refusalAsError(await decide());
    await attempt?.succeeded();
    return decision;
  } catch (error) {
    if (attempt && error instanceof OAuthError && error.code === 'invalid_grant') {
      const wait = await attempt.failed();
      if (wait > 0) throw error.withRetryAfter(wait);
    } else attempt?.abandon();
    throw error;
  }
}

/** A refusal becomes the OAuthError it names; a malformed decision is the grant's bug (500). */
function refusalAsError(decision: ExtensionGrantDecision): ExtensionGrantForUser | ExtensionGrantForClient {
  if (decision && typeof decision === 'object' && 'error' in decision) {
    const code = ERROR_CODE.test(decision.error) ? decision.error : 'invalid_grant';
    const status = code === 'invalid_client' ? 401 : 400;
    throw new OAuthError(code as OAuthErrorCode, decision.description ?? code.replace(/_/g, ' '), status);
  }
  if (decision && typeof decision === 'object' && 'userId' in decision && typeof decision.userId === 'string')
    return decision;
  if (decision && typeof decision === 'object' && 'client' in decision && decision.client === true) return decision;
  throw new Error('an extension grant decided neither a user, the client, nor an error');
}

async function issue(
  grant: ExtensionGrant,
  deps: ExtensionGrantDependencies,
  client: ClientRecord,
  decision: ExtensionGrantForUser | ExtensionGrantForClient,
  params: ReadonlyMap<string, string>,
): Promise<MintedTokens> {
  const requested =
    decision.scope === undefined
      ? params.get('scope')
      : typeof decision.scope === 'string'
        ? decision.scope
        : decision.scope.join(' ');
  // A grant that decides "no scope" gets none: only an absent scope means the default scope.
  const scope =
    decision.scope !== undefined && requested === '' ? [] : scopeForNewGrant(deps.scopes, client, requested);
  const audience = decision.audience ?? resourcesForNewGrant(deps.resources, client, params);
  let user: UserRecord | undefined;
  if ('userId' in decision) {
    const found = await deps.store.findUserById(decision.userId);
    // The grant vouches for who; whether that account may sign in now is Gatehouse's call.
    if (!found?.enabled) throw OAuthError.invalidGrant('the user this grant names cannot sign in');
    user = found;
  }
  const lifetime = decision.accessTokenLifetime;
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime > 0))
    throw new Error('an extension grant asked for an access token lifetime that is not a positive whole number');
  const withRefreshToken =
    grant.refreshTokens !== false &&
    decision.refreshToken !== false &&
    client.grantTypes.includes(RefreshTokenGrant.grantType);
  const { actor, derivedFrom } = decision;
  const minted = await deps.minter.mint(
    {
      clientId: client.id,
      client,
      userId: user?.id ?? null,
      ...(user ? { user } : {}),
      scope,
      audience,
      ...(actor ? { actor } : {}),
      ...(derivedFrom ? { notAfter: derivedFrom.expiresAt } : {}),
      familyId: derivedFrom?.familyId ?? deps.minter.newFamilyId(),
      ...(lifetime === undefined ? {} : { accessTokenLifetime: lifetime }),
    },
    withRefreshToken,
  );
  await deps.store.issueTokens({ accessToken: minted.accessToken, refreshToken: minted.refreshToken });
  if (decision.issuedTokenType) minted.response.issued_token_type = decision.issuedTokenType;
  return minted;
}
