import type { PasswordVerifier } from '../../accounts/passwords.js';
import type { SecurityEvents } from '../../audit/events.js';
import type { Throttle } from '../../accounts/throttle.js';
import type { TrustedDevices } from '../../accounts/devices.js';
import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import type { TokenMinter } from '../tokens.js';
import { AuthorizationCodeGrant } from './authorization-code.js';
import { ClientCredentialsGrant } from './client-credentials.js';
import type { GrantHandler } from './grant.js';
import { PasswordGrant } from './password.js';
import { RefreshTokenGrant } from './refresh-token.js';
import type { ScopePolicy } from './scope-policy.js';

export interface GrantDependencies {
  store: Store;
  minter: TokenMinter;
  clock: Clock;
  scopes: ScopePolicy;
  passwords: PasswordVerifier;
  refreshTokenGracePeriod: number;
  throttle?: Throttle;
  /** Confidential clients' known accounts (their sign-ins count against their own budget). */
  devices?: TrustedDevices;
  /** Where sign-ins and detected token reuse are announced. */
  events?: SecurityEvents;
}

/** The grant registry: grant_type → handler. The token endpoint knows nothing else about grants. */
export function createGrantRegistry(deps: GrantDependencies): ReadonlyMap<string, GrantHandler> {
  // A refresh token is issued only to a client allowed to use it.
  const refreshTokensAllowed = (grantTypes: readonly string[]) => grantTypes.includes('refresh_token');
  const handlers: GrantHandler[] = [
    new AuthorizationCodeGrant(deps.store, deps.minter, deps.clock, refreshTokensAllowed, deps.events),
    new ClientCredentialsGrant(deps.store, deps.minter, deps.scopes),
    new PasswordGrant(deps.store, deps.minter, deps.scopes, deps.passwords, refreshTokensAllowed, deps.throttle, deps.events, deps.clock, deps.devices),
    new RefreshTokenGrant(deps.store, deps.minter, deps.clock, deps.refreshTokenGracePeriod, deps.events),
  ];
  return new Map(handlers.map((handler) => [handler.grantType, handler]));
}
