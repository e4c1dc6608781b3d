import type { Clock } from '../clock.js';
import { OAuthError } from '../errors.js';
import type { RefreshTokenGrantStorage, SecurityEventSink } from '../ports.js';
import { resourcesWithinGrant, type ResourcePolicy } from '../resources.js';
import { narrowScope, parseScope } from '../scopes.js';
import { tokenKey } from '../secrets.js';
import type { MintedTokens, TokenMinter } from '../tokens.js';
import { type GrantIdTokens, hasOpenIdScope } from '../oidc/grant-id-tokens.js';
import { requireParam, type GrantHandler, type GrantRequest } from './grant.js';

export type { RefreshTokenGrantStorage } from '../ports.js';

export interface RefreshTokenGrantOptions {
  store: RefreshTokenGrantStorage;
  minter: TokenMinter;
  clock: Clock;
  resources: ResourcePolicy;
  /** refresh_token_grace_period: seconds a used token may be answered again (0: never). */
  gracePeriod: number;
  /** Where detected reuse and grace replays are announced. */
  events?: SecurityEventSink;
  /** OpenID Connect: a new ID token for a grant signed in with openid (OIDC Core §12.2). */
  idTokens?: GrantIdTokens;
}

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): the presented refresh token is consumed and a
 * new pair issued; presenting a consumed token again revokes its whole family. Within the grace
 * period a used token is answered again only while its successor is unused, and that successor
 * is revoked (one live pair per family); using the revoked successor later is reuse. A family
 * ends at its start + refresh_token_absolute_lifetime, however often it rotates.
 */
export class RefreshTokenGrant implements GrantHandler {
  static readonly grantType = 'refresh_token';
  readonly grantType = RefreshTokenGrant.grantType;
  private readonly store: RefreshTokenGrantStorage;
  private readonly minter: TokenMinter;
  private readonly clock: Clock;
  private readonly resources: ResourcePolicy;
  private readonly gracePeriod: number;
  private readonly events?: SecurityEventSink;
  private readonly idTokens?: GrantIdTokens;

  constructor(options: RefreshTokenGrantOptions) {
    this.store = options.store;
    this.minter = options.minter;
    this.clock = options.clock;
    this.resources = options.resources;
    this.gracePeriod = options.gracePeriod;
    this.events = options.events;
    this.idTokens = options.idTokens;
  }

  async handle({ client, params, clientIp }: GrantRequest) {
    const presented = requireParam(params, 'refresh_token');
    const requestedScope = parseScope(params.get('scope'));
    const presentedHash = tokenKey(presented);
    const invalid = () => OAuthError.invalidGrant('refresh token is invalid, expired or revoked');

    // The token and its user in one read.
    const found = await this.store.findRefreshTokenWithUser(presentedHash);
    if (!found) throw invalid();
    const { token, user } = found;
    // Bound to the client it was issued to; another client's token reads as unknown. A used one
    // in another client's hands has leaked and is being replayed: its family is revoked.
    if (token.clientId !== client.id) {
      const outcome = await this.store.refuseForeignRefreshToken(presentedHash, this.clock.now());
      if (outcome.kind === 'reuse-detected')
        this.reuseDetected(client.id, token, clientIp, { presented_by: 'other_client', issued_to: token.clientId });
      throw invalid();
    }
    // The family's absolute end (tokens issued since it are already capped; older ones are not).
    if (this.minter.familyEnd(token.familyStartedAt) <= this.clock.now()) throw invalid();
    const scope = narrowScope(requestedScope, token.scope.split(' ').filter(Boolean));
    // RFC 8707 §2.2: a subset of the grant's resources, never more; the new refresh token keeps them all.
    const audience = resourcesWithinGrant(this.resources, params, token.audience);
    if (token.userId !== null && !user?.enabled) throw OAuthError.invalidGrant('the user account is not active');

    const next = await this.minter.mint(
      {
        clientId: client.id,
        client,
        userId: token.userId,
        user: user ?? undefined,
        scope,
        audience,
        grantAudience: token.audience,
        familyId: token.familyId,
        parentHash: presentedHash,
        familyStartedAt: token.familyStartedAt,
      },
      true,
    );
    const outcome = await this.store.rotateRefreshToken({
      presentedHash,
      now: this.clock.now(),
      gracePeriod: this.gracePeriod,
      next: { accessToken: next.accessToken, refreshToken: next.refreshToken! },
    });
    if (outcome.kind === 'reuse-detected') {
      this.reuseDetected(client.id, token, clientIp);
      throw OAuthError.invalidGrant('refresh token was already used; every token of this grant is now revoked');
    }
    if (outcome.kind === 'invalid') throw invalid();
    if (token.userId !== null && hasOpenIdScope(scope)) await this.addIdToken(client, token, scope, next);
    if (outcome.kind === 'reissued-in-grace') {
      // Answered, but a security event: the rightful client retrying, or someone replaying a
      // stolen token (then the rightful client's next refresh revokes the family).
      this.events?.emit({
        type: 'refresh_token.grace_replay',
        at: this.clock.now(),
        actor: 'client',
        clientId: client.id,
        ...(token.userId === null ? {} : { userId: token.userId }),
        ...(clientIp ? { address: clientIp } : {}),
        details: { family_id: token.familyId },
      });
    }
    return next;
  }

  /**
   * OIDC Core §12.2: a refresh of a grant signed in with openid returns a new ID token (same sub,
   * auth_time of the original sign-in, no nonce). A grant with openid but no sign-in behind it
   * (the password or device grant) gets none, as before. Read only when the scope has openid.
   */
  private async addIdToken(
    client: GrantRequest['client'],
    token: { userId: string | null; familyId: string },
    scope: readonly string[],
    next: MintedTokens,
  ): Promise<void> {
    if (!this.idTokens || token.userId === null) return;
    const signIn = await this.idTokens.signInOf(token.familyId, client.id, token.userId);
    const user = signIn && (await this.store.findUserById(token.userId));
    if (!signIn || !user) return;
    next.response.id_token = await this.idTokens.idToken({
      client,
      user,
      userId: token.userId,
      scope,
      grant: signIn,
      accessToken: next.response.access_token,
      withNonce: false,
    });
  }

  private reuseDetected(
    clientId: string,
    token: { userId: string | null; familyId: string },
    clientIp?: string,
    extra: Record<string, string> = {},
  ) {
    this.events?.emit({
      type: 'token.reuse_detected',
      at: this.clock.now(),
      actor: 'client',
      clientId,
      ...(token.userId === null ? {} : { userId: token.userId }),
      ...(clientIp ? { address: clientIp } : {}),
      details: { family_id: token.familyId, ...extra },
    });
  }
}
