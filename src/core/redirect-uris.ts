/**
 * Redirect URI matching (RFC 9700 §2.1): exact string comparison against the registered URIs,
 * with the one exception RFC 8252 §7.3 requires for native apps: a loopback IP literal
 * (http://127.0.0.1 or http://[::1]) matches on any port, because the app picks a free port
 * at run time. "localhost" gets no exception (RFC 8252 §8.3).
 */
const LOOPBACK_PORT = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::\d{1,5})?(?=[/?]|$)/;

function withoutLoopbackPort(uri: string): string | null {
  return LOOPBACK_PORT.test(uri) ? uri.replace(LOOPBACK_PORT, '$1') : null;
}

/** Whether `requested` may receive the response for a client that registered `registered`. */
export function redirectUriMatches(requested: string, registered: string): boolean {
  if (requested === registered) return true;
  const requestedLoopback = withoutLoopbackPort(requested);
  return requestedLoopback !== null && requestedLoopback === withoutLoopbackPort(registered);
}

export type RedirectUriResolution =
  | { ok: true; redirectUri: string; given: boolean }
  | { ok: false; problem: string };

/**
 * The redirect URI an authorization response goes to. Without a `redirect_uri` parameter the
 * client's only registered URI is used (RFC 6749 §3.1.2.3); with several, the client must say.
 */
export function resolveRedirectUri(requested: string | undefined, registered: readonly string[]): RedirectUriResolution {
  if (registered.length === 0) return { ok: false, problem: 'this client has no registered redirect URI' };
  if (requested === undefined) {
    if (registered.length === 1) return { ok: true, redirectUri: registered[0]!, given: false };
    return { ok: false, problem: 'redirect_uri is required: this client has several registered' };
  }
  if (registered.some((uri) => redirectUriMatches(requested, uri))) return { ok: true, redirectUri: requested, given: true };
  return { ok: false, problem: 'redirect_uri does not match any URI registered for this client' };
}
