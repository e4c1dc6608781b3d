import type { SecurityEvents } from '../../audit/events.js';
import type { TokenStore } from '../../storage/store.js';
import { OAuthError } from '../errors.js';
import type { Clock } from '../clock.js';
import { narrowScope, parseScope } from '../scopes.js';
import { tokenKey } from '../secrets.js';
import type { TokenMinter } from '../tokens.js';
import { requireParam, type GrantHandler, type GrantRequest } from './grant.js';

export type RefreshTokenGrantStorage = Pick<TokenStore, 'findRefreshTokenWithUser' | 'rotateRefreshToken'>;

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): the presented refresh token is consumed and a
 * new pair issued; presenting a consumed token again revokes its whole family.
 */
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    private readonly store: RefreshTokenGrantStorage,
    private readonly minter: TokenMinter,
    private readonly clock: Clock,
    private readonly gracePeriod: number,
    private readonly events?: SecurityEvents,
  ) {}

  async handle({ client, params, clientIp }: GrantRequest) {
    const presented = requireParam(params, 'refresh_token');
    const requestedScope = parseScope(params.get('scope'));
    const presentedHash = tokenKey(presented);
    const invalid = () => OAuthError.invalidGrant('refresh token is invalid, expired or revoked');

    // The token and its user in one read.
    const found = await this.store.findRefreshTokenWithUser(presentedHash);
    // Bound to the client it was issued to; another client's token reads as unknown.
    if (!found || found.token.clientId !== client.id) throw invalid();
    const { token, user } = found;
    const scope = narrowScope(requestedScope, token.scope.split(' ').filter(Boolean));
    if (token.userId !== null && !user?.enabled) throw OAuthError.invalidGrant('the user account is not active');

    const next = await this.minter.mint(
      { clientId: client.id, userId: token.userId, user: user ?? undefined, scope, familyId: token.familyId, parentHash: presentedHash },
      true,
    );
    const outcome = await this.store.rotateRefreshToken({
      presentedHash,
      now: this.clock.now(),
      gracePeriod: this.gracePeriod,
      next: { accessToken: next.accessToken, refreshToken: next.refreshToken! },
    });
    if (outcome.kind === 'reuse-detected') {
      this.events?.emit({
        type: 'token.reuse_detected',
        at: this.clock.now(),
        actor: 'client',
        clientId: client.id,
        ...(token.userId === null ? {} : { userId: token.userId }),
        ...(clientIp ? { address: clientIp } : {}),
        details: { family_id: token.familyId },
      });
      throw OAuthError.invalidGrant('refresh token was already used; every token of this grant is now revoked');
    }
    if (outcome.kind === 'invalid') throw invalid();
    return next;
  }
}
