import type { JWK } from 'jose';
import type { Clock, IdSource } from './clock.js';
import { OAuthError, truncate, type OAuthErrorCode } from './errors.js';
import { scopeForNewGrant, type ScopePolicy } from './grants/scope-policy.js';
import { clientIdentityAssured } from './native-apps.js';
import {
  checkOidcRequest,
  isOpenIdRequest,
  OIDC_AUTHORIZATION_PARAMETERS,
  reauthenticationNeeded,
  withoutIgnoredOfflineAccess,
  type OidcAuthorizationRequest,
} from './oidc/authorization-request.js';
import { OFFLINE_ACCESS } from './oidc/claims.js';
import { isMultiValued, parametersFrom, type RequestParameters } from './params.js';
import type { ClientRecord, ClientStore, ConsentStore, SecurityEventSink, UserRecord } from './ports.js';
import { resolveRedirectUri } from './redirect-uris.js';
import {
  RESPONSE_TYPES,
  type ResponseMode,
  type ResponseType,
  type ResponseTypeHandler,
} from './response-types/index.js';
import type { ResponseTypeStorage, SignInContext } from './response-types/response-type.js';
import { resourcesForNewGrant, type ResourcePolicy } from './resources.js';
import { formatScope } from './scopes.js';
import type { TokenMinter } from './tokens.js';

/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1, §4.2) without HTTP: a pipeline of small
 * checks that turns request parameters into a validated request, then into the redirect that
 * answers it. The client and redirect URI are checked first; until both are trusted nothing is
 * ever sent to the redirect URI (no open redirector, RFC 9700 §4.11).
 */

export type { ResponseMode, ResponseType } from './response-types/index.js';

export interface AuthorizationRequest {
  client: ClientRecord;
  /** Where the response goes: the requested URI, or the client's only registered one. */
  redirectUri: string;
  /** Whether redirect_uri was in the request (then the token request must repeat it). */
  redirectUriGiven: boolean;
  responseType: ResponseType;
  /** Where the response parameters go: response_mode, or the response type's default. */
  responseMode: ResponseMode;
  scope: string[];
  /** RFC 8707: the resources requested (each one the client may name); [] for none (the default audience). */
  resources: string[];
  state: string | undefined;
  /** S256 challenge (RFC 7636), or null when the client sent none and none was required. */
  codeChallenge: string | null;
  /** The parameters as received (the consent page keeps those it reads on the server). */
  params: ReadonlyMap<string, string>;
  /** OpenID Connect: what the request asks of the sign-in; null when the scope has no openid. */
  oidc: OidcAuthorizationRequest | null;
}

export type AuthorizationValidation =
  | { kind: 'valid'; request: AuthorizationRequest }
  /** The client or redirect URI cannot be trusted: show the user an error page, never redirect. */
  | { kind: 'untrusted'; description: string }
  /** The redirect URI is trusted: the error goes back to the client there (RFC 6749 §4.1.2.1). */
  | { kind: 'error-redirect'; location: string; error: OAuthError };

export interface AuthorizationSettings {
  issuer: string;
  requirePkce: boolean;
  enforceState: boolean;
  codeLifetime: number;
  scopes: ScopePolicy;
  resources: ResourcePolicy;
  /** oidc.acr: the acr of ID tokens; absent: none. */
  acr?: string;
  /** The published signing keys, which an id_token_hint is checked against; absent: no hint is recognised. */
  publishedKeys?: () => Promise<JWK[]>;
}

export type AuthorizationStorage = Pick<ClientStore, 'findClient'> &
  Pick<ConsentStore, 'findConsent' | 'saveConsent'> &
  ResponseTypeStorage;

/** The parameters this endpoint reads; a pending request (consent page) keeps exactly these. */
const AUTHORIZATION_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'resource',
  // OpenID Connect Core §3.1.2.1 (nonce, prompt, max_age, …): kept, for an openid request only,
  // so they survive the sign-in and the consent page.
  ...OIDC_AUTHORIZATION_PARAMETERS,
];

/**
 * The longest `state` and `scope` accepted: ample for any client (a state is usually a short
 * random value, sometimes a small encoded return address), and a bound on what a pending request
 * stores for a request nobody has authenticated.
 */
const MAX_PARAMETER_LENGTHS = { state: 2048, scope: 1024 } as const;

const RESPONSE_MODES: readonly string[] = ['query', 'fragment'] satisfies ResponseMode[];

/** The handler of the request's response_type; undefined when it names none this server knows. */
function responseTypeOf(params: ReadonlyMap<string, string>): ResponseTypeHandler | undefined {
  const name = params.get('response_type');
  return name === undefined ? undefined : RESPONSE_TYPES.get(name);
}

/**
 * The mode a response (or an error) for these parameters uses: what is asked, if the response
 * type allows it, else the response type's default (query for a response type nobody knows).
 */
function responseModeOf(params: ReadonlyMap<string, string>): ResponseMode {
  const handler = responseTypeOf(params);
  const asked = params.get('response_mode');
  if (asked === 'fragment' || (asked === 'query' && (handler?.queryAllowed ?? true))) return asked;
  return handler?.defaultMode ?? 'query';
}

function responseLocation(redirectUri: string, mode: ResponseMode, values: Record<string, string | undefined>): string {
  const present = Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const encoded = new URLSearchParams(present).toString();
  if (mode === 'fragment') return `${redirectUri}#${encoded}`;
  // Keep the registered URI's own query exactly as registered (RFC 6749 §3.1.2).
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${encoded}`;
}

/** False when the consent page must be shown whatever was allowed before (see needsConsent). */
export function consentMayBeRemembered(request: Pick<AuthorizationRequest, 'client' | 'redirectUri'>): boolean {
  return clientIdentityAssured(request.client, request.redirectUri);
}

/**
 * The request's parameters this endpoint reads: what a pending request keeps on the server. The
 * resources are kept as checked (each one the client may name), joined by spaces: a URI has no
 * space in it (restoreAuthorizationParameters splits them again).
 */
export function authorizationParameters(
  request: Pick<AuthorizationRequest, 'params' | 'resources'> & { oidc?: AuthorizationRequest['oidc'] },
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    // An OAuth request's nonce or prompt means nothing here: not stored.
    if (!request.oidc && OIDC_AUTHORIZATION_PARAMETERS.includes(name)) continue;
    const value = name === 'resource' ? request.resources.join(' ') || undefined : request.params.get(name);
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/** The parameters of a request kept by authorizationParameters, to validate again. */
export function restoreAuthorizationParameters(kept: Record<string, string>): RequestParameters {
  return parametersFrom(
    Object.entries(kept).flatMap(([name, value]) =>
      name === 'resource' ? value.split(' ').map((resource) => [name, resource] as const) : [[name, value] as const],
    ),
  );
}

export class AuthorizationEndpoint {
  constructor(
    private readonly store: AuthorizationStorage,
    private readonly minter: TokenMinter,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly settings: AuthorizationSettings,
    private readonly events?: SecurityEventSink,
  ) {}

  /**
   * Validates an authorization request. `repeated` names parameters that appeared more than
   * once, which RFC 6749 §3.1 forbids.
   */
  async validate(
    params: ReadonlyMap<string, string>,
    repeatedNames: readonly string[] = [],
  ): Promise<AuthorizationValidation> {
    // RFC 6749 §3.1: parameters must not be included more than once, except those whose own
    // spec lets them repeat. Never "first wins": a planted value must not decide anything.
    const repeated = repeatedNames.filter((name) => !isMultiValued(name));
    // 1. The client and the redirect URI: failures here are shown, never redirected.
    if (repeated.includes('client_id')) return { kind: 'untrusted', description: 'client_id was given more than once' };
    if (repeated.includes('redirect_uri'))
      return { kind: 'untrusted', description: 'redirect_uri was given more than once' };
    const clientId = params.get('client_id');
    if (clientId === undefined) return { kind: 'untrusted', description: 'the request has no client_id' };
    const client = clientId.length <= 255 ? await this.store.findClient(clientId) : null;
    if (!client) return { kind: 'untrusted', description: 'no application is registered with this client_id' };
    const resolved = resolveRedirectUri(params.get('redirect_uri'), client.redirectUris);
    if (!resolved.ok) return { kind: 'untrusted', description: resolved.problem };

    // 2. Everything else is answered at the (now trusted) redirect URI.
    const state = params.get('state');
    const mode = responseModeOf(params);
    const fail = (raised: OAuthError): AuthorizationValidation => {
      // Nothing the request said is echoed to the client's redirect URI.
      const error = raised.forRedirect();
      return {
        kind: 'error-redirect',
        error,
        location: this.errorLocation(resolved.redirectUri, mode, error, repeated.includes('state') ? undefined : state),
      };
    };
    try {
      const request = this.checkRequest(client, params, repeated);
      const oidc = isOpenIdRequest(request.scope)
        ? await checkOidcRequest(
            params,
            client.id,
            request.responseType === 'token',
            this.settings.publishedKeys && { issuer: this.settings.issuer, publishedKeys: this.settings.publishedKeys },
          )
        : null;
      const scope = oidc ? withoutIgnoredOfflineAccess(request.scope, request.responseType === 'code') : request.scope;
      return {
        kind: 'valid',
        request: { ...request, scope, oidc, redirectUri: resolved.redirectUri, redirectUriGiven: resolved.given },
      };
    } catch (error) {
      if (error instanceof OAuthError) return fail(error);
      throw error;
    }
  }

  /** Step 2 of validate: response type, state, scope and PKCE, each failure an OAuthError. */
  private checkRequest(client: ClientRecord, params: ReadonlyMap<string, string>, repeated: readonly string[]) {
    if (repeated.length > 0) {
      const name = repeated[0]!;
      const known = AUTHORIZATION_PARAMETERS.includes(name);
      throw OAuthError.invalidRequest(`parameter repeated: ${truncate(name)}`).withoutEcho(
        known ? `parameter repeated: ${name}` : 'a parameter was repeated',
      );
    }

    const handler = this.checkResponseType(client, params);
    // The request is kept on the server while the user signs in: what anyone can make it store is bounded.
    for (const [name, max] of Object.entries(MAX_PARAMETER_LENGTHS)) {
      if ((params.get(name)?.length ?? 0) > max)
        throw OAuthError.invalidRequest(`${name} is longer than ${max} characters`);
    }
    const responseMode = params.get('response_mode');
    if (responseMode !== undefined && !RESPONSE_MODES.includes(responseMode)) {
      throw OAuthError.invalidRequest('response_mode must be query or fragment');
    }
    if (responseMode === 'query' && !handler.queryAllowed) {
      throw OAuthError.invalidRequest('response_mode=query cannot carry an access token: use fragment');
    }
    const state = params.get('state');
    if (state === undefined && this.settings.enforceState) throw OAuthError.invalidRequest('state is required');
    const scope = scopeForNewGrant(this.settings.scopes, client, params.get('scope'));
    // RFC 8707 §2: a bad or foreign resource is invalid_target, at the (trusted) redirect URI.
    const resources = resourcesForNewGrant(this.settings.resources, client, params);
    const codeChallenge = handler.codeChallenge(client, params, this.settings.requirePkce);
    const { responseType } = handler;
    return {
      client,
      responseType,
      responseMode: responseModeOf(params),
      scope,
      resources,
      state,
      codeChallenge,
      params,
    };
  }

  /** The response type's handler (RFC 6749 §3.1.1), once the client is allowed its grant. */
  private checkResponseType(client: ClientRecord, params: ReadonlyMap<string, string>): ResponseTypeHandler {
    const responseType = params.get('response_type');
    if (responseType === undefined) throw OAuthError.invalidRequest('missing required parameter: response_type');
    const handler = RESPONSE_TYPES.get(responseType);
    if (!handler) throw OAuthError.unsupportedResponseType(responseType);
    handler.checkClient(client);
    return handler;
  }

  /**
   * Whether the user must be asked: never for a trusted client, nor for scopes already allowed —
   * except that a public client answering at a loopback or app-scheme redirect URI is always
   * asked (RFC 8252 §8.6, RFC 6749 §10.2): another app on the device could pose as it.
   */
  async needsConsent(request: AuthorizationRequest, userId: string): Promise<boolean> {
    if (!consentMayBeRemembered(request)) return true;
    // OpenID Connect: prompt=consent asks whatever was allowed; offline_access only ever after
    // the user was asked for it (Core §11), trusted client or not.
    if (request.oidc?.prompt.has('consent')) return true;
    const offline = request.oidc !== null && request.scope.includes(OFFLINE_ACCESS);
    if (request.client.trusted && !offline) return false;
    const consent = await this.store.findConsent(userId, request.client.id);
    if (!consent) return true;
    const allowed = new Set(consent.scopes);
    if (request.client.trusted) return !allowed.has(OFFLINE_ACCESS);
    return !request.scope.every((scope) => allowed.has(scope));
  }

  /**
   * OpenID Connect: whether the browser must sign in again first (prompt=login, max_age).
   * `pendingSince`: when a resumed request was first received (a sign-in since then answers it).
   */
  reauthenticationNeeded(request: AuthorizationRequest, authTime: number, pendingSince?: number): boolean {
    return reauthenticationNeeded(request.oidc, authTime, this.clock.now(), pendingSince);
  }

  /** prompt=none could not be answered without a page (OIDC Core §3.1.2.6), at the redirect URI. */
  interactionRequired(
    request: AuthorizationRequest,
    code: Extract<OAuthErrorCode, 'login_required' | 'consent_required' | 'interaction_required'>,
    description: string,
  ): string {
    return this.errorLocation(
      request.redirectUri,
      request.responseMode,
      new OAuthError(code, description),
      request.state,
    );
  }

  /**
   * The user allowed the request: remember the consent (when it was asked), issue the code or
   * (implicit) the access token, and return where to send the browser.
   */
  async approve(
    request: AuthorizationRequest,
    user: Pick<UserRecord, 'id' | 'username' | 'roles'>,
    consentGiven: boolean,
    address?: string,
    signIn?: SignInContext,
  ): Promise<string> {
    const userId = user.id;
    const now = this.clock.now();
    const who = { userId, username: user.username, clientId: request.client.id, ...(address ? { address } : {}) };
    // A consent the user was asked for is remembered, except where it must be asked again anyway
    // (public native apps, see needsConsent): nothing is stored that would never be read.
    if (consentGiven && consentMayBeRemembered(request)) {
      const previous = await this.store.findConsent(userId, request.client.id);
      const scopes = [...new Set([...(previous?.scopes ?? []), ...request.scope])];
      await this.store.saveConsent({ userId, clientId: request.client.id, scopes, grantedAt: now });
      const details = { scope: formatScope(scopes) };
      this.events?.emit({ type: 'consent.granted', at: now, actor: 'user', ...who, details });
    }
    const handler = RESPONSE_TYPES.get(request.responseType)!;
    const values = await handler.respond(request, user, {
      store: this.store,
      minter: this.minter,
      ids: this.ids,
      now,
      codeLifetime: this.settings.codeLifetime,
      who,
      events: this.events,
      ...(signIn ? { signIn } : {}),
      acr: this.settings.acr ?? null,
    });
    // RFC 9207: iss tells the client which server answered (mix-up defence).
    const iss = this.settings.issuer;
    return responseLocation(request.redirectUri, request.responseMode, { ...values, state: request.state, iss });
  }

  /** The user said no (RFC 6749 §4.1.2.1 access_denied). */
  deny(request: AuthorizationRequest): string {
    const error = new OAuthError('access_denied', 'the user denied the request');
    return this.errorLocation(request.redirectUri, request.responseMode, error, request.state);
  }

  private errorLocation(redirectUri: string, mode: ResponseMode, error: OAuthError, state: string | undefined): string {
    return responseLocation(redirectUri, mode, {
      error: error.code,
      error_description: error.description,
      state,
      iss: this.settings.issuer,
    });
  }
}
