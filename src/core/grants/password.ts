import { OAuthError } from '../errors.js';
import type { PasswordGrantStorage, ResourceOwnerAuthenticator } from '../ports.js';
import { resourcesForNewGrant, type ResourcePolicy } from '../resources.js';
import type { TokenMinter } from '../tokens.js';
import { requireParam, type GrantHandler, type GrantRequest } from './grant.js';
import { scopeForNewGrant, type ScopePolicy } from './scope-policy.js';

export type { PasswordGrantStorage } from '../ports.js';

export interface PasswordGrantOptions {
  store: PasswordGrantStorage;
  minter: TokenMinter;
  scopes: ScopePolicy;
  resources: ResourcePolicy;
  /** Checks the username and password (throttled, with known accounts and login events). */
  resourceOwners: ResourceOwnerAuthenticator;
  /** Whether a client registered for these grant types is also given a refresh token. */
  refreshTokensAllowed: (grantTypes: readonly string[]) => boolean;
}

/** RFC 6749 §4.3: resource owner password credentials, by username or e-mail. */
export class PasswordGrant implements GrantHandler {
  static readonly grantType = 'password';
  readonly grantType = PasswordGrant.grantType;
  private readonly store: PasswordGrantStorage;
  private readonly minter: TokenMinter;
  private readonly scopes: ScopePolicy;
  private readonly resources: ResourcePolicy;
  private readonly resourceOwners: ResourceOwnerAuthenticator;
  private readonly refreshTokensAllowed: (grantTypes: readonly string[]) => boolean;

  constructor(options: PasswordGrantOptions) {
    this.store = options.store;
    this.minter = options.minter;
    this.scopes = options.scopes;
    this.resources = options.resources;
    this.resourceOwners = options.resourceOwners;
    this.refreshTokensAllowed = options.refreshTokensAllowed;
  }

  async handle({ client, params, clientIp = 'unknown' }: GrantRequest) {
    const login = requireParam(params, 'username');
    const password = requireParam(params, 'password');
    const scope = scopeForNewGrant(this.scopes, client, params.get('scope'));
    const audience = resourcesForNewGrant(this.resources, client, params);

    const result = await this.resourceOwners.authenticate({ login, password, address: clientIp, client });
    if (result.kind === 'throttled') {
      throw OAuthError.invalidGrant(
        `too many failed sign-in attempts; retry in ${result.retryAfter} seconds`,
      ).withRetryAfter(result.retryAfter);
    }
    if (result.kind === 'refused') throw OAuthError.invalidGrant('invalid username or password');
    if (result.kind === 'unconfirmed')
      throw OAuthError.invalidGrant('the e-mail address of this account is not confirmed yet');
    const { user } = result;

    const minted = await this.minter.mint(
      { clientId: client.id, client, userId: user.id, user, scope, audience, familyId: this.minter.newFamilyId() },
      this.refreshTokensAllowed(client.grantTypes),
    );
    await this.store.issueTokens({ accessToken: minted.accessToken, refreshToken: minted.refreshToken });
    return minted;
  }
}
