import type { ClientStore } from '../storage/store.js';
import { authenticateClient, presentedClientCredentials } from './client-auth.js';
import { OAuthError } from './errors.js';
import type { GrantHandler } from './grants/grant.js';
import type { TokenResponse } from './tokens.js';

/** A token request as the HTTP edge hands it over: single-valued parameters and the Authorization header. */
export interface TokenRequest {
  params: ReadonlyMap<string, string>;
  authorization?: string;
}

export interface TokenOutcome {
  response: TokenResponse;
  clientId: string;
  grantType: string;
}

/**
 * RFC 6749 §3.2: authenticate the client, check it may use the grant, and hand over to the
 * grant's handler. Every failure is an OAuthError.
 */
export class TokenEndpoint {
  constructor(
    private readonly clients: Pick<ClientStore, 'findClient'>,
    private readonly grants: ReadonlyMap<string, GrantHandler>,
  ) {}

  get grantTypes(): string[] {
    return [...this.grants.keys()];
  }

  async handle({ params, authorization }: TokenRequest): Promise<TokenOutcome> {
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw OAuthError.invalidRequest('missing required parameter: grant_type');
    const client = await authenticateClient(this.clients, presentedClientCredentials(params, authorization));
    const handler = this.grants.get(grantType);
    if (!handler) throw OAuthError.unsupportedGrantType(grantType);
    if (!client.grantTypes.includes(grantType)) {
      throw OAuthError.unauthorizedClient(`this client is not allowed the ${grantType} grant`);
    }
    return { response: await handler.handle({ client, params }), clientId: client.id, grantType };
  }
}
