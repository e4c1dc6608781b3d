import { verifyCredentials } from '../../accounts/authenticate.js';
import type { Throttle } from '../../accounts/throttle.js';
import type { PasswordVerifier } from '../../accounts/passwords.js';
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
  ) {}

  async handle({ client, params, clientIp = 'unknown' }: GrantRequest) {
    const login = requireParam(params, 'username');
    const password = requireParam(params, 'password');
    const scope = scopeForNewGrant(this.scopes, client, params.get('scope'));

    // Counted before the password is checked: a throttled guess costs no argon2 work and
    // learns nothing, and guesses sent at once are all counted.
    const throttled = this.throttle?.forLogin(login, clientIp);
    const wait = throttled ? await this.throttle!.attempt(throttled) : 0;
    if (wait > 0) throw OAuthError.invalidGrant(`too many failed sign-in attempts; retry in ${wait} seconds`).withRetryAfter(wait);

    // One answer for wrong password, unknown user and deactivated user.
    const user = await verifyCredentials(this.store, this.passwords, login, password);
    if (!user) throw OAuthError.invalidGrant('invalid username or password');
    if (throttled) await this.throttle!.attemptSucceeded(throttled);

    const minted = await this.minter.mint(
      { clientId: client.id, userId: user.id, user, scope, familyId: this.minter.newFamilyId() },
      this.refreshTokensAllowed(client.grantTypes),
    );
    await this.store.issueTokens({ accessToken: minted.accessToken, refreshToken: minted.refreshToken });
    return minted.response;
  }
}
