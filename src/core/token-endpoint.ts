import type { ClientAuthenticationThrottle, ClientRecord, ClientStore, SecurityEventSink } from './ports.js';
import {
  checkClientCredentials,
  findPresentedClient,
  presentedClientCredentials,
  type PresentedClientCredentials,
} from './client-auth.js';
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
    private readonly clients: Pick<ClientStore, 'findClient'>,
    private readonly grants: ReadonlyMap<string, GrantHandler>,
    private readonly clock: Clock,
    private readonly throttle?: ClientAuthenticationThrottle,
    private readonly events?: SecurityEventSink,
  ) {}

  get grantTypes(): string[] {
    return [...this.grants.keys()];
  }

  async handle({ params, authorization, clientIp = 'unknown', headers }: TokenRequest): Promise<TokenOutcome> {
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw OAuthError.invalidRequest('missing required parameter: grant_type');
    const client = await this.authenticate(presentedClientCredentials(params, authorization), clientIp);
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
        // RFC 8693: who acts for the subject of an exchanged token.
        ...(minted.accessToken.actor ? { actor: minted.accessToken.actor.sub } : {}),
      },
    });
    return { response: minted.response, clientId: client.id, grantType, userId };
  }

  /**
   * Client authentication, with failures counted per client and address (an unknown client id
   * under a hashed bucket, so made-up ids cannot grow the database). Client secrets are 256
   * random bits, so there is nothing to guess: the throttle only ever slows failures (the answer
   * says how long to wait), and a right secret always works — no lock-out weapon, and no extra
   * database read on the hot path. A failure while already blocked writes nothing.
   */
  private async authenticate(presented: PresentedClientCredentials, clientIp: string): Promise<ClientRecord> {
    const client = await findPresentedClient(this.clients, presented);
    try {
      return checkClientCredentials(client, presented);
    } catch (error) {
      if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
      this.announceFailure(client, presented, clientIp);
      if (!this.throttle) throw error;
      const wait = await this.throttle.clientAuthenticationFailed(presented.clientId, client !== null, clientIp);
      if (wait === 0) throw error;
      throw OAuthError.invalidClient(
        `too many failed client authentications; retry in ${wait} seconds`,
        presented.method === 'client_secret_basic',
      ).withRetryAfter(wait);
    }
  }

  /**
   * client.authentication_failed, for the audit log (which counts these per source and window).
   * The presented client_id is named only when such a client exists: anything else is the
   * caller's free text (or a secret pasted into the wrong field).
   */
  private announceFailure(known: ClientRecord | null, presented: PresentedClientCredentials, clientIp: string): void {
    const reason = !known ? 'unknown_client' : presented.clientSecret === null ? 'missing_secret' : 'wrong_secret';
    this.events?.emit({
      type: 'client.authentication_failed',
      at: this.clock.now(),
      actor: 'client',
      ...(known ? { clientId: known.id } : {}),
      address: clientIp,
      details: { method: presented.method, reason },
    });
  }
}
