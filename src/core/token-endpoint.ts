import type { ClientAuthenticator } from './client-auth.js';
import type { SecurityEventSink } from './ports.js';
import { OAuthError } from './errors.js';
import type { Clock } from './clock.js';
import type { GrantHandler, RequestHeaders } from './grants/grant.js';
import type { TokenResponse } from './tokens.js';

/** A token request as the HTTP edge hands it over: single-valued parameters and the Authorization header. */
export interface TokenRequest {
  params: ReadonlyMap<string, string>;
  authorization?: string;
  /** The caller's network address, for brute-force throttling. */
  clientIp?: string;
  /** Every HTTP header of the request (lower-case names), handed to extension grants. */
  headers?: RequestHeaders;
}

export interface TokenOutcome {
  response: TokenResponse;
  clientId: string;
  grantType: string;
  /** The resource owner, or null for client_credentials. */
  userId: string | null;
}

/**
 * RFC 6749 §3.2: authenticate the client, check it may use the grant, and hand over to the
 * grant's handler. Every failure is an OAuthError.
 */
export class TokenEndpoint {
  constructor(
    private readonly clients: Pick<ClientAuthenticator, 'authenticate'>,
    private readonly grants: ReadonlyMap<string, GrantHandler>,
    private readonly clock: Clock,
    private readonly events?: SecurityEventSink,
  ) {}

  get grantTypes(): string[] {
    return [...this.grants.keys()];
  }

  async handle({ params, authorization, clientIp = 'unknown', headers }: TokenRequest): Promise<TokenOutcome> {
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw OAuthError.invalidRequest('missing required parameter: grant_type');
    const client = await this.clients.authenticate({ params, authorization, clientIp });
    const handler = this.grants.get(grantType);
    if (!handler) throw OAuthError.unsupportedGrantType(grantType);
    if (!client.grantTypes.includes(grantType)) {
      throw OAuthError.unauthorizedClient(`this client is not allowed the ${grantType} grant`);
    }
    const minted = await handler.handle({ client, params, clientIp, ...(headers ? { headers } : {}) });
    const { userId } = minted.accessToken;
    this.events?.emit({
      type: 'token.issued',
      at: this.clock.now(),
      actor: 'client',
      clientId: client.id,
      ...(userId === null ? {} : { userId }),
      address: clientIp,
      details: {
        grant_type: grantType,
        ...(minted.response.scope ? { scope: minted.response.scope } : {}),
        ...(minted.refreshToken ? { refresh_token: 'issued' } : {}),
        ...(minted.accessToken.actor ? { actor: minted.accessToken.actor.sub } : {}),
      },
    });
    return { response: minted.response, clientId: client.id, grantType, userId };
  }
}
