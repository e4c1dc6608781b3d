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
