import type { ClientRecord } from '../core/ports.js';
import type { NextStep } from './pages/views.js';

/**
 * "Go back to <app>" on an error page: only for a client registered here, and only to an
 * address registered for it, never one the request named. Its client_uri when it has one,
 * else the origin of its first registered https redirect URI (http on localhost with a port, a
 * developer's web app); a client with only app-scheme or port-less loopback redirect URIs (a native
 * app) gets no link, since no web page of it is known.
 */
export function backToApp(
  client: (Pick<ClientRecord, 'name' | 'redirectUris'> & { clientUri?: string | null }) | null | undefined,
  fallback: NextStep = { kind: 'sign-in' },
): NextStep {
  if (!client) return fallback;
  const candidates = [client.clientUri, ...client.redirectUris].filter((uri): uri is string => !!uri);
  for (const uri of candidates) {
    const url = URL.canParse(uri) ? new URL(uri) : null;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) continue;
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol === 'http:' && !loopback) continue;
    // A port-less loopback URI is a native app's (RFC 8252 §7.3: any port matches): no page to go back to.
    if (loopback && url.port === '') continue;
    return { kind: 'app', name: client.name, uri: uri === client.clientUri ? url.href : `${url.origin}/` };
  }
  return fallback;
}
