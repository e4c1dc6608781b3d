/** JSON Web Key Sets that clients and trusted issuers publish at a URL (RFC 7517 §5). */
export interface RemoteKeySets {
  /**
   * The key set at `uri` (cached); `refresh: true` asks again (an unknown kid), at most once per
   * minute per URI. Rejects with RemoteKeySetError when the set cannot be fetched or is not a key set.
   */
  keySet(uri: string, options?: { refresh?: boolean }): Promise<{ keys: Record<string, unknown>[] }>;
}

/**
 * Why a key set could not be had: `reason` is the fetch's failure (`timeout`, `forbidden_address`,
 * `redirect`, `too_large`, `bad_status`, `bad_json`, …) or `invalid_key_set`. The message names the
 * host only. The caller answers with its own OAuth error (invalid_client, invalid_grant).
 */
export class RemoteKeySetError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteKeySetError';
  }
}
