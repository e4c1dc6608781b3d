/**
 * Native apps (RFC 8252). A public client whose redirect URI is a loopback address or a
 * private-use URI scheme cannot be told apart from another app on the same device: any app can
 * listen on a loopback port (every port matches, §7.3) or claim a custom scheme (§8.6). Its
 * identity is not assured, so the user is always asked (RFC 6749 §10.2), whatever was allowed
 * before and whether or not the client is marked trusted.
 */

const LOOPBACK_HOSTS = /^(?:127(?:\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/** Whether `uri` is an http(s) loopback URI (127.0.0.0/8, [::1], localhost) or uses a private-use (non-http) scheme. */
function isNativeAppRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // Not a URL we understand: treat it as unverifiable.
    return true;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return true;
  return LOOPBACK_HOSTS.test(url.hostname);
}

/**
 * Whether the authorization server can rely on who the client is when it answers at
 * `redirectUri`: not for a public client redirecting to a loopback address or an app scheme.
 */
export function clientIdentityAssured(client: { isPublic: boolean }, redirectUri: string): boolean {
  return !(client.isPublic && isNativeAppRedirect(redirectUri));
}
