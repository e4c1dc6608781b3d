/**
 * An extension grant (RFC 6749 §4.5) that exchanges a legacy API key for Gatehouse tokens: the
 * FOSOAuthServerBundle GrantExtensionInterface, as a plain object.
 *
 * The grant only decides who the tokens are for. Gatehouse has already authenticated the client
 * and checked that it is registered for this grant type; afterwards it checks the scope, issues
 * and stores the tokens, audits, counts metrics and throttles refused keys per client and address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const API_KEY_GRANT = 'https://example.com/grants/api-key';

const sha256 = (value) => createHash('sha256').update(value, 'utf8').digest();

/**
 * `keys`: "key=username" pairs separated by commas, as the legacy system hands them out. Only
 * their SHA-256 is kept, and a presented key is compared in constant time.
 */
export function apiKeyGrant(keys) {
  const accounts = keys
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`LEGACY_API_KEYS: "${pair.slice(0, 4)}…" is not key=username`);
      return { keyHash: sha256(pair.slice(0, at)), username: pair.slice(at + 1) };
    });

  return {
    grantType: API_KEY_GRANT,
    // Only confidential clients (the default): a key must not be usable from a browser app.
    // A refresh token follows for a client also registered for refresh_token (the default).
    async decide({ params, users }) {
      const presented = params.get('api_key');
      if (presented === undefined)
        return { error: 'invalid_request', description: 'missing required parameter: api_key' };
      const presentedHash = sha256(presented);
      // Every key is compared, so the time taken does not say which one (nearly) matched.
      let username;
      for (const account of accounts) if (timingSafeEqual(account.keyHash, presentedHash)) username = account.username;
      // FOS's `return false`:
      if (username === undefined) return { error: 'invalid_grant', description: 'unknown API key' };
      const user = await users.findByLogin(username);
      if (!user) return { error: 'invalid_grant', description: 'the API key belongs to no Gatehouse user' };
      // FOS's `return ['data' => $user]` (`{ client: true }` would be FOS's `return true`).
      return { userId: user.id };
    },
  };
}
