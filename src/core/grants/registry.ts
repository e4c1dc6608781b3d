import type { Clock } from '../clock.js';
import type {
  AuthorizationCodeGrantStorage,
  ClientCredentialsStorage,
  DeviceCodeGrantStorage,
  GrantAttemptThrottle,
  PasswordGrantStorage,
  RefreshTokenGrantStorage,
  ResourceOwnerAuthenticator,
  SecurityEventSink,
  TokenExchangeStorage,
} from '../ports.js';
import type { ResourcePolicy } from '../resources.js';
import { RESPONSE_TYPES } from '../response-types/index.js';
import type { TokenMinter } from '../tokens.js';
import { AuthorizationCodeGrant } from './authorization-code.js';
import { ClientCredentialsGrant } from './client-credentials.js';
import { DEVICE_CODE_GRANT_TYPE } from '../device-authorization.js';
import { deviceCodeGrant } from './device-code.js';
import { type ExtensionGrant, type ExtensionGrantUsers, extensionGrantHandler, isAbsoluteUri } from './extension.js';
import type { GrantHandler } from './grant.js';
import type { GrantIdTokens } from '../oidc/grant-id-tokens.js';
import { JWT_BEARER_GRANT_TYPE, type JwtBearerSettings, jwtBearerGrant } from './jwt-bearer.js';
import { PasswordGrant } from './password.js';
import { RefreshTokenGrant } from './refresh-token.js';
import type { ScopePolicy } from './scope-policy.js';
import { TOKEN_EXCHANGE_GRANT_TYPE, tokenExchangeGrant } from './token-exchange.js';

/** What the built-in grants are made of; each takes only its part. */
export interface GrantDependencies {
  store: AuthorizationCodeGrantStorage &
    ClientCredentialsStorage &
    PasswordGrantStorage &
    RefreshTokenGrantStorage &
    TokenExchangeStorage;
  minter: TokenMinter;
  clock: Clock;
  scopes: ScopePolicy;
  /** RFC 8707 resource indicators: the default audience. */
  resources: ResourcePolicy;
  refreshTokenGracePeriod: number;
  /** Checks a resource owner's password for the password grant (accounts/ implements it). */
  resourceOwners: ResourceOwnerAuthenticator;
  /** Where detected code and token reuse is announced. */
  events?: SecurityEventSink;
  /** How extension grants find users. */
  users: ExtensionGrantUsers;
  /** Counts extension grants' refused requests; absent: nothing is counted. */
  grantThrottle?: GrantAttemptThrottle;
  /** The device authorizations (RFC 8628) the device_code grant redeems. */
  deviceCodes: DeviceCodeGrantStorage;
  /** The JWT bearer grant's trusted issuers and rules; absent: every jwt-bearer request is refused. */
  jwtBearer?: JwtBearerSettings;
  /** OpenID Connect ID tokens of the code and refresh grants; absent: a code issued for openid is refused. */
  idTokens?: GrantIdTokens;
}

/** One grant_type of the token endpoint and how to build its handler. */
export interface GrantDefinition {
  readonly grantType: string;
  create(deps: GrantDependencies): GrantHandler;
}

// A refresh token is issued only to a client allowed to use it.
const refreshTokensAllowed = (grantTypes: readonly string[]) => grantTypes.includes(RefreshTokenGrant.grantType);

/**
 * The one list of built-in grants (RFC 6749 §4, §6). Everything else that names grant types is
 * derived from it: the token endpoint's handlers, grant_types_supported in the metadata, the
 * metric labels, the grant types a client can be registered for and the CLI's choices.
 */
export const BUILT_IN_GRANTS: readonly GrantDefinition[] = [
  {
    grantType: AuthorizationCodeGrant.grantType,
    create: ({ store, minter, clock, resources, events, idTokens }) =>
      new AuthorizationCodeGrant({ store, minter, clock, resources, refreshTokensAllowed, events, idTokens }),
  },
  {
    grantType: ClientCredentialsGrant.grantType,
    create: ({ store, minter, scopes, resources }) => new ClientCredentialsGrant({ store, minter, scopes, resources }),
  },
  {
    grantType: PasswordGrant.grantType,
    create: ({ store, minter, scopes, resources, resourceOwners }) =>
      new PasswordGrant({ store, minter, scopes, resources, resourceOwners, refreshTokensAllowed }),
  },
  {
    grantType: RefreshTokenGrant.grantType,
    create: ({ store, minter, clock, resources, refreshTokenGracePeriod, events, idTokens }) =>
      new RefreshTokenGrant({
        store,
        minter,
        clock,
        resources,
        gracePeriod: refreshTokenGracePeriod,
        events,
        idTokens,
      }),
  },
  builtOnExtensionApi(TOKEN_EXCHANGE_GRANT_TYPE, ({ store, scopes, minter }) =>
    tokenExchangeGrant({ store, scopes, accessTokenFormat: minter.accessTokenFormat }),
  ),
  builtOnExtensionApi(DEVICE_CODE_GRANT_TYPE, ({ deviceCodes }) => deviceCodeGrant({ store: deviceCodes })),
  builtOnExtensionApi(JWT_BEARER_GRANT_TYPE, (deps) => jwtBearerGrant(deps.jwtBearer)),
];

/**
 * A built-in grant written against the public extension API (core/grants/extension.ts), as an
 * application's own grant would be: the grant decides who the tokens are for, the adapter does
 * the rest. The standard extension grants (device code, token exchange, JWT bearer) are these.
 */
export function builtOnExtensionApi(
  grantType: string,
  build: (deps: GrantDependencies) => ExtensionGrant,
): GrantDefinition {
  return {
    grantType,
    create: (deps) => {
      const grant = build(deps);
      if (grant.grantType !== grantType) throw new Error(`grant ${grantType} built as ${grant.grantType}`);
      const { store, minter, clock, scopes, resources, users, grantThrottle } = deps;
      return extensionGrantHandler(grant, { store, minter, clock, scopes, resources, users, throttle: grantThrottle });
    },
  };
}

/** The grant types the token endpoint answers, in the registry's order. */
export const BUILT_IN_GRANT_TYPES: readonly string[] = BUILT_IN_GRANTS.map((grant) => grant.grantType);

/**
 * Grant types used only at the authorization endpoint, through a response type: `implicit`
 * (response_type=token). A client is registered for them, but the token endpoint has no handler.
 */
export const AUTHORIZATION_ENDPOINT_GRANT_TYPES: readonly string[] = [...RESPONSE_TYPES.values()]
  .map((handler) => handler.grantType)
  .filter((grantType) => !BUILT_IN_GRANT_TYPES.includes(grantType));

/** Every built-in grant type a client can be registered for. */
export const CLIENT_GRANT_TYPES: readonly string[] = [...BUILT_IN_GRANT_TYPES, ...AUTHORIZATION_ENDPOINT_GRANT_TYPES];

/** RFC 6749 §4.5: an extension grant type is an absolute URI, such as urn:ietf:params:oauth:grant-type:jwt-bearer. */
export const isExtensionGrantType = isAbsoluteUri;

/**
 * The token endpoint's handlers: grant_type → handler, the built-in grants first, then the
 * application's extension grants (startGatehouse({ grants })) in the order given. The token
 * endpoint knows nothing else about grants. An extension may not reuse a grant type.
 */
export function createGrantRegistry(
  deps: GrantDependencies,
  extensions: readonly ExtensionGrant[] = [],
): ReadonlyMap<string, GrantHandler> {
  const registry = new Map(BUILT_IN_GRANTS.map((grant) => [grant.grantType, grant.create(deps)]));
  const { store, minter, clock, scopes, resources, users, grantThrottle } = deps;
  for (const grant of extensions) {
    const handler = extensionGrantHandler(grant, {
      store,
      minter,
      clock,
      scopes,
      resources,
      users,
      throttle: grantThrottle,
    });
    if (registry.has(handler.grantType) || AUTHORIZATION_ENDPOINT_GRANT_TYPES.includes(handler.grantType))
      throw new TypeError(`grant ${handler.grantType} is registered twice`);
    registry.set(handler.grantType, handler);
  }
  return registry;
}
