/**
 * Brute-force counting for client authentication at the token endpoint. Implemented by the
 * shared throttle (src/accounts/throttle.ts), whose counters every node sees.
 */
export interface ClientAuthenticationThrottle {
  /**
   * Counts one failed authentication of `clientId` from `address` (`known`: such a client exists),
   * unless already blocked. Returns 0 when it was counted, else the seconds to wait (nothing written).
   */
  clientAuthenticationFailed(clientId: string, known: boolean, address: string): Promise<number>;
}

/** One attempt holding its turn under the throttle: report exactly one outcome. */
export interface ThrottledTurn {
  /** Accepted: released uncounted (and the pair's failures forgotten). */
  succeeded(): Promise<void>;
  /** Refused: counted; resolves to the seconds the caller must now wait (0 if none). */
  failed(): Promise<number>;
  /** Neither (an error that is not a refusal): released uncounted. */
  abandon(): void;
}

/**
 * Brute-force counting for extension grants (core/grants/extension.ts): refused requests of one
 * grant type, per client and address, block like wrong passwords do.
 */
export interface GrantAttemptThrottle {
  beginGrantAttempt(
    grantType: string,
    clientId: string,
    address: string,
  ): Promise<{ kind: 'go'; attempt: ThrottledTurn } | { kind: 'blocked'; retryAfter: number }>;
}

/**
 * Counts device authorization requests per address (RFC 8628 §3.1: the endpoint is reachable
 * with just a public client's id, so every request counts, like e-mails sent).
 */
export interface DeviceAuthorizationThrottle {
  /** Counts one request from `address` unless it must wait: 0 when it may go ahead, else the seconds to wait. */
  deviceAuthorizationRequested(address: string): Promise<number>;
}
