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

export type RedirectUriResolution = { ok: true; redirectUri: string; given: boolean } | { ok: false; problem: string };

/**
 * The redirect URI an authorization response goes to. Without a `redirect_uri` parameter the
 * client's only registered URI is used (RFC 6749 §3.1.2.3); with several, the client must say.
 */
export function resolveRedirectUri(
  requested: string | undefined,
  registered: readonly string[],
): RedirectUriResolution {
  if (registered.length === 0) return { ok: false, problem: 'this client has no registered redirect URI' };
  if (requested === undefined) {
    if (registered.length === 1) return checkedTarget(registered[0]!, false);
    return { ok: false, problem: 'redirect_uri is required: this client has several registered' };
  }
  if (!registered.some((uri) => redirectUriMatches(requested, uri)))
    return { ok: false, problem: 'redirect_uri does not match any URI registered for this client' };
  return checkedTarget(requested, true);
}

/** A URI registered before the registration rules (say, with a line break) is refused here, before anything is issued for it. */
function checkedTarget(redirectUri: string, given: boolean): RedirectUriResolution {
  if (!isSafeRedirectTarget(redirectUri)) {
    return {
      ok: false,
      problem:
        'the redirect URI registered for this client contains characters a redirect cannot carry; the client must be registered again',
    };
  }
  return { ok: true, redirectUri, given };
}

/**
 * Whether `uri` can be sent as a Location header as it is: printable ASCII, no space. Anything
 * else either makes Node throw (ERR_INVALID_CHAR, a 500) or reaches the browser mangled.
 * Checked again at redirect time for rows registered before the registration rules existed.
 */
export function isSafeRedirectTarget(uri: string): boolean {
  return /^[\x21-\x7e]+$/.test(uri);
}

export interface RedirectUriPolicy {
  /**
   * Development only: also accept plain `http://` to a host that is not loopback (the code
   * then travels unencrypted). Loopback http (127.0.0.1, [::1], localhost) never needs it.
   */
  allowInsecureHttp?: boolean;
}

/** Schemes a browser runs, reads locally or treats specially: never an app's callback. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript',
  'vbscript',
  'data',
  'file',
  'blob',
  'filesystem',
  'about',
  'view-source',
  'ws',
  'wss',
  'ftp',
]);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** RFC 3986 §2: characters that never appear unencoded in a URI (space and controls are refused before). */
const NOT_IN_URI = /["<>\\^`{|}]/;
/** RFC 8252 §7.1: a private-use scheme is a reverse domain name the app controls (com.example.app). */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+$/;

function named(uri: string): string {
  const shown = uri.length > 120 ? `${uri.slice(0, 120)}...` : uri;
  // Escaped to printable ASCII (line breaks, controls, DEL, C1 controls, non-ASCII), so the
  // reason stays on one line and cannot drive a terminal.
  const escaped = JSON.stringify(shown).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `redirect URI ${escaped}`;
}

/**
 * Why `uri` cannot be registered as a redirect URI, in one line, or null when it can. Allowed:
 * `https://` URIs; `http://` to a loopback host (RFC 8252 §7.3) or, with `allowInsecureHttp`,
 * to any host; private-use schemes of native apps named by a reverse domain (RFC 8252 §7.1,
 * `com.example.app:/callback`). Always refused: controls, spaces and non-ASCII characters
 * (percent-encode them), characters RFC 3986 does not allow, fragments (RFC 6749 §3.1.2),
 * userinfo (`https://user@host`), and schemes a browser would run or read locally.
 */
export function redirectUriRegistrationProblem(uri: string, policy: RedirectUriPolicy = {}): string | null {
  const what = named(uri);
  if (uri === '') return 'a redirect URI must not be empty';
  if (/[\r\n]/.test(uri)) return `${what} contains a line break`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this check refuses
  if (/[\x00-\x1f\x7f]/.test(uri)) return `${what} contains a control character`;
  if (uri.includes(' ')) return `${what} contains a space (percent-encode it as %20)`;
  if (/[^\x21-\x7e]/.test(uri)) return `${what} contains a non-ASCII character (percent-encode it, RFC 3986 §2.1)`;
  const bad = NOT_IN_URI.exec(uri);
  if (bad) return `${what} contains the character ${bad[0]}, which a URI cannot hold unencoded (RFC 3986 §2)`;
  if (uri.includes('#')) return `${what} must not contain a fragment (RFC 6749 §3.1.2)`;
  if (!URL.canParse(uri) || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) return `${what} is not an absolute URI`;
  const url = new URL(uri);
  const scheme = url.protocol.slice(0, -1);
  if (FORBIDDEN_SCHEMES.has(scheme)) return `${what} uses the scheme ${scheme}:, which can never be a redirect URI`;
  if (url.username !== '' || url.password !== '') return `${what} must not contain a user name or password (userinfo)`;
  if (scheme === 'https' || scheme === 'http') {
    if (!/^https?:\/\//i.test(uri) || url.hostname === '')
      return `${what} is not an absolute URI (write ${scheme}://host/path)`;
    if (scheme === 'http' && !LOOPBACK_HOSTS.has(url.hostname) && !policy.allowInsecureHttp) {
      return `${what} uses plain http to a host that is not loopback: use https (--allow-insecure-http allows it, for development only)`;
    }
    return null;
  }
  if (!PRIVATE_USE_SCHEME.test(scheme)) {
    return `${what} uses the scheme ${scheme}:; use https, loopback http, or a private-use scheme named by a reverse domain the app owns, e.g. com.example.app:/callback (RFC 8252 §7.1)`;
  }
  return null;
}
