import { OAuthError } from '../errors.js';
import type { ClientCredentialsStorage } from '../ports.js';
import { resourcesForNewGrant, type ResourcePolicy } from '../resources.js';
import type { TokenMinter } from '../tokens.js';
import type { GrantHandler, GrantRequest } from './grant.js';
import { scopeForNewGrant, type ScopePolicy } from './scope-policy.js';

export type { ClientCredentialsStorage } from '../ports.js';

export interface ClientCredentialsGrantOptions {
  store: ClientCredentialsStorage;
  minter: TokenMinter;
  scopes: ScopePolicy;
  resources: ResourcePolicy;
}

/** RFC 6749 §4.4: the client acts on its own behalf. */
export class ClientCredentialsGrant implements GrantHandler {
  static readonly grantType = 'client_credentials';
  readonly grantType = ClientCredentialsGrant.grantType;
  private readonly store: ClientCredentialsStorage;
  private readonly minter: TokenMinter;
  private readonly scopes: ScopePolicy;
  private readonly resources: ResourcePolicy;

  constructor(options: ClientCredentialsGrantOptions) {
    this.store = options.store;
    this.minter = options.minter;
    this.scopes = options.scopes;
    this.resources = options.resources;
  }

  async handle({ client, params }: GrantRequest) {
    // §4.4: only a confidential client may act on its own behalf.
    if (client.isPublic) throw OAuthError.unauthorizedClient('a public client cannot use client_credentials');
    const scope = scopeForNewGrant(this.scopes, client, params.get('scope'));
    const audience = resourcesForNewGrant(this.resources, client, params);
    // §4.4.3: a refresh token SHOULD NOT be included.
    const minted = await this.minter.mint(
      { clientId: client.id, userId: null, scope, audience, familyId: this.minter.newFamilyId() },
      false,
    );
    await this.store.issueTokens({ accessToken: minted.accessToken });
    return minted;
  }
}
