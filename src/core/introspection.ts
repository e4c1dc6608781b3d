import type {
  AccessTokenRecord,
  ActorClaim,
  ClientRecord,
  ClientStore,
  RefreshTokenRecord,
  UserLookup,
} from './ports.js';
import type { Subjects } from './oidc/subjects.js';
import type { ClientAuthenticator } from './client-auth.js';
import type { Clock } from './clock.js';
import { tokenKey } from './secrets.js';
import { audienceClaim } from './resources.js';
import { readTokenManagementRequest, type TokenManagementRequest, type TokenManagementStorage } from './revocation.js';

/** RFC 7662 §2.2 response. Only `active` when the token is not active. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  username?: string;
  sub?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  iss?: string;
  /** RFC 8707: the resources the token is for; one as a string, several as an array. */
  aud?: string | string[];
  jti?: string;
  /** RFC 8693 §4.1 (allowed in introspection responses): who acts for the subject of a delegated token. */
  act?: ActorClaim;
}

const INACTIVE: IntrospectionResponse = { active: false };

type FoundToken = { token: AccessTokenRecord; type: 'access' } | { token: RefreshTokenRecord; type: 'refresh' };

/**
 * RFC 7662 token introspection. A client may introspect the tokens issued to it; a resource
 * server's client (created with --introspect) may introspect everyone's. Whatever the reason
 * a token cannot be described — unknown, expired, revoked, used, its user deactivated, or
 * someone else's — the answer is the same `{"active":false}` (§2.2).
 */
export class IntrospectionEndpoint {
  constructor(
    private readonly store: TokenManagementStorage & UserLookup & Pick<ClientStore, 'findClient'>,
    private readonly clients: Pick<ClientAuthenticator, 'authenticate'>,
    private readonly clock: Clock,
    private readonly settings: { issuer: string; audience: string },
    /** The `sub` each client sees (OIDC Core §8); absent: the user id. */
    private readonly subjects?: Subjects,
  ) {}

  async handle(request: TokenManagementRequest): Promise<{ clientId: string; response: IntrospectionResponse }> {
    const { client, token, hint } = await readTokenManagementRequest(this.clients, request);
    const response = await this.describe(client, tokenKey(token), hint);
    return { clientId: client.id, response };
  }

  /** The token the hash names, if it is an access or refresh token that has not been revoked or used. */
  private async findUnspent(tokenHash: string, hint: string | undefined): Promise<FoundToken | null> {
    const lookups: Array<() => Promise<(FoundToken & { spent: boolean }) | null>> = [
      async () => {
        const token = await this.store.findAccessToken(tokenHash);
        return token && { token, type: 'access', spent: token.revokedAt !== null };
      },
      async () => {
        const token = await this.store.findRefreshToken(tokenHash);
        return token && { token, type: 'refresh', spent: token.revokedAt !== null || token.consumedAt !== null };
      },
    ];
    if (hint === 'refresh_token') lookups.reverse();
    for (const lookup of lookups) {
      const found = await lookup();
      if (found) return found.spent ? null : found;
    }
    return null;
  }

  /**
   * The user's `sub` as the token's client sees it (pairwise or not), the same as in its ID
   * tokens and JWT access tokens; null when that client is gone. The caller is usually that client:
   * its record is at hand; a resource server's introspection reads the token's client.
   */
  /** The token's subject as its client sees it; `pairwise` when that client must not learn more (the username). */
  private async subjectOf(
    caller: ClientRecord,
    clientId: string,
    userId: string,
  ): Promise<{ sub: string; pairwise: boolean } | null> {
    if (!this.subjects) return { sub: userId, pairwise: false };
    const client = clientId === caller.id ? caller : await this.store.findClient(clientId);
    if (!client) return null;
    return { sub: this.subjects.of(client, userId), pairwise: client.oidc?.subjectType === 'pairwise' };
  }

  private async describe(
    caller: ClientRecord,
    tokenHash: string,
    hint: string | undefined,
  ): Promise<IntrospectionResponse> {
    const found = await this.findUnspent(tokenHash, hint);
    if (!found) return INACTIVE;
    const { token, type } = found;
    if (token.expiresAt <= this.clock.now()) return INACTIVE;
    if (token.clientId !== caller.id && !caller.canIntrospect) return INACTIVE;
    // The user and (for another client's token) its client in parallel: no added round trip.
    const [user, subject] =
      token.userId === null
        ? [null, { sub: token.clientId, pairwise: false }]
        : await Promise.all([
            this.store.findUserById(token.userId),
            this.subjectOf(caller, token.clientId, token.userId),
          ]);
    if (token.userId !== null && !user?.enabled) return INACTIVE;
    if (subject === null) return INACTIVE;
    return {
      active: true,
      scope: token.scope,
      client_id: token.clientId,
      // Not for a pairwise client's token: the username is one identifier across every sector.
      ...(user && !subject.pairwise ? { username: user.username } : {}),
      sub: subject.sub,
      // RFC 6749 §7.1 token types describe access tokens; a refresh token is named as such.
      token_type: type === 'access' ? 'Bearer' : 'refresh_token',
      exp: token.expiresAt,
      iat: token.issuedAt,
      nbf: token.issuedAt,
      iss: this.settings.issuer,
      // The resources the token was issued for (RFC 8707), else the configured audience.
      ...(type === 'access'
        ? { aud: token.audience?.length ? audienceClaim(token.audience) : this.settings.audience }
        : {}),
      ...(type === 'access' && token.jti ? { jti: token.jti } : {}),
      ...(type === 'access' && token.actor ? { act: token.actor } : {}),
    };
  }
}
