import { signIn } from '../../accounts/authenticate.js';
import type { Throttle } from '../../accounts/throttle.js';
import type { TrustedDevices } from '../../accounts/devices.js';
import type { PasswordVerifier } from '../../accounts/passwords.js';
import type { SecurityEvents } from '../../audit/events.js';
import type { Clock } from '../clock.js';
import type { TokenStore, UserStore } from '../../storage/store.js';
import { OAuthError } from '../errors.js';
import type { TokenMinter } from '../tokens.js';
import { requireParam, type GrantHandler, type GrantRequest } from './grant.js';
import { scopeForNewGrant, type ScopePolicy } from './scope-policy.js';

export type PasswordGrantStorage = Pick<UserStore, 'findUserByLogin'> & Pick<TokenStore, 'issueTokens'>;

/** RFC 6749 §4.3: resource owner password credentials, by username or e-mail. */
export class PasswordGrant implements GrantHandler {
  readonly grantType = 'password';

  constructor(
    private readonly store: PasswordGrantStorage,
    private readonly minter: TokenMinter,
    private readonly scopes: ScopePolicy,
    private readonly passwords: PasswordVerifier,
    private readonly refreshTokensAllowed: (grantTypes: readonly string[]) => boolean,
    private readonly throttle?: Throttle,
    private readonly events?: SecurityEvents,
    private readonly clock?: Clock,
    private readonly devices?: TrustedDevices,
  ) {}

  async handle({ client, params, clientIp = 'unknown' }: GrantRequest) {
    const login = requireParam(params, 'username');
    const password = requireParam(params, 'password');
    const scope = scopeForNewGrant(this.scopes, client, params.get('scope'));

    const result = await signIn(
      { store: this.store, passwords: this.passwords, throttle: this.throttle, devices: this.devices, events: this.events, clock: this.clock },
      login,
      password,
      clientIp,
      // A confidential client that authenticated vouches for the accounts it signed in to before.
      { via: 'password_grant', clientId: client.id, ...(client.isPublic ? {} : { device: { kind: 'client', clientId: client.id } as const }) },
    );
    if (result.kind === 'throttled') {
      throw OAuthError.invalidGrant(`too many failed sign-in attempts; retry in ${result.retryAfter} seconds`).withRetryAfter(result.retryAfter);
    }
    if (result.kind === 'refused') throw OAuthError.invalidGrant('invalid username or password');
    if (result.kind === 'unconfirmed') throw OAuthError.invalidGrant('the e-mail address of this account is not confirmed yet');
    const { user } = result;

    const minted = await this.minter.mint(
      { clientId: client.id, userId: user.id, user, scope, familyId: this.minter.newFamilyId() },
      this.refreshTokensAllowed(client.grantTypes),
    );
    await this.store.issueTokens({ accessToken: minted.accessToken, refreshToken: minted.refreshToken });
    return minted;
  }
}
