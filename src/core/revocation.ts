import type { ClientRecord, ClientStore, SecurityEventSink, TokenStore } from './ports.js';
import type { ClientAuthenticator } from './client-auth.js';
import type { Clock } from './clock.js';
import { OAuthError } from './errors.js';
import { tokenKey } from './secrets.js';

/** A revocation or introspection request as the HTTP edge hands it over. */
export interface TokenManagementRequest {
  params: ReadonlyMap<string, string>;
  authorization?: string;
  /** The caller's network address, for the client-authentication throttle and the audit log. */
  clientIp?: string;
}

export type TokenManagementStorage = Pick<ClientStore, 'findClient'> &
  Pick<TokenStore, 'findAccessToken' | 'findRefreshToken' | 'revokeAccessToken' | 'revokeFamily'>;

/** RFC 7009 §2.1 / RFC 7662 §2.1: both endpoints authenticate the client and take `token`. */
export async function readTokenManagementRequest(
  clients: Pick<ClientAuthenticator, 'authenticate'>,
  request: TokenManagementRequest,
): Promise<{ client: ClientRecord; token: string; hint: string | undefined }> {
  const client = await clients.authenticate(request);
  const { params } = request;
  const token = params.get('token');
  if (token === undefined) throw OAuthError.invalidRequest('missing required parameter: token');
  return { client, token, hint: params.get('token_type_hint') };
}

/**
 * RFC 7009 token revocation. The hint only decides which kind is looked up first (§2.1: it
 * is not trusted). Revoking a refresh token revokes its whole grant, access tokens included
 * (§2.1 "SHOULD"). A token that is unknown, already dead or another client's is answered
 * exactly like a revoked one (§2.2), so the endpoint reveals nothing.
 */
export class RevocationEndpoint {
  constructor(
    private readonly store: TokenManagementStorage,
    private readonly clients: Pick<ClientAuthenticator, 'authenticate'>,
    private readonly clock: Clock,
    private readonly events?: SecurityEventSink,
  ) {}

  /** Returns the client id, for the log line. */
  async handle(request: TokenManagementRequest, address?: string): Promise<{ clientId: string }> {
    const { client, token, hint } = await readTokenManagementRequest(this.clients, request);
    // Any length: the body limit bounds it, and a JWT with many roles can exceed a few KiB.
    const tokenHash = tokenKey(token);
    const now = this.clock.now();

    const revoked = (kind: string, userId: string | null) =>
      this.events?.emit({
        type: 'token.revoked',
        at: now,
        actor: 'client',
        clientId: client.id,
        ...(userId === null ? {} : { userId }),
        ...(address ? { address } : {}),
        details: { token_type: kind },
      });
    const revokeRefresh = async () => {
      const refresh = await this.store.findRefreshToken(tokenHash);
      if (!refresh || refresh.clientId !== client.id) return false;
      await this.store.revokeFamily(refresh.familyId, now);
      if (refresh.revokedAt === null) revoked('refresh_token', refresh.userId);
      return true;
    };
    const revokeAccess = async () => {
      const access = await this.store.findAccessToken(tokenHash);
      if (!access || access.clientId !== client.id) return false;
      await this.store.revokeAccessToken(tokenHash, now);
      if (access.revokedAt === null) revoked('access_token', access.userId);
      return true;
    };
    if (hint === 'refresh_token') (await revokeRefresh()) || (await revokeAccess());
    else (await revokeAccess()) || (await revokeRefresh());
    return { clientId: client.id };
  }
}
