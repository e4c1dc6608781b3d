import type { ClientRecord } from './ports.js';

/**
 * Browser origins (RFC 6454) a client may call the token, revocation, introspection and userinfo
 * endpoints from (W3C Fetch, CORS). An origin is `scheme://host[:port]`: nothing else. The
 * scheme rules are the redirect URI rules (core/redirect-uris.ts): https, or plain http to a
 * loopback host (or, for development, any host with allowInsecureHttp).
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** scheme://host[:port] as typed: no path (not even "/"), query, fragment or userinfo. */
const ORIGIN_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\s]+)$/i;

export interface OriginPolicy {
  /** Development only: also accept plain http origins that are not loopback (as for redirect URIs). */
  allowInsecureHttp?: boolean;
}

function named(origin: string): string {
  const shown = origin.length > 120 ? `${origin.slice(0, 120)}...` : origin;
  const escaped = JSON.stringify(shown).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `allowed origin ${escaped}`;
}

export type OriginParse = { ok: true; origin: string } | { ok: false; problem: string };

/**
 * `origin` as a browser serializes it (RFC 6454 §6.2: scheme and host in lower case, the
 * scheme's default port left out), or why it cannot be an allowed origin, in one line.
 */
export function parseAllowedOrigin(origin: string, policy: OriginPolicy = {}): OriginParse {
  const what = named(origin);
  const fail = (problem: string): OriginParse => ({ ok: false, problem });
  if (origin === '') return fail('an allowed origin must not be empty');
  if (origin.length > 255) return fail(`${what} is longer than 255 characters`);
  if (/[^\x21-\x7e]/.test(origin)) return fail(`${what} contains a space, a control or a non-ASCII character`);
  if (origin.includes('*')) return fail(`${what} contains a wildcard; name each origin exactly`);
  if (origin.toLowerCase() === 'null') return fail('the origin "null" (sandboxed pages, files) cannot be allowed');
  const shape = ORIGIN_SHAPE.exec(origin);
  if (!shape) {
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(origin))
      return fail(`${what} must not contain a user name or password`);
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+[/?#]/i.test(origin))
      return fail(`${what} must be scheme://host[:port], without a path, query or fragment (not even a final "/")`);
    return fail(`${what} is not an origin: write scheme://host[:port], e.g. https://app.example`);
  }
  const scheme = shape[1]!.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') return fail(`${what} must use https (or http to a loopback host)`);
  if (!URL.canParse(origin)) return fail(`${what} is not an origin: write scheme://host[:port]`);
  const url = new URL(origin);
  if (url.hostname === '') return fail(`${what} has no host`);
  if (scheme === 'http' && !LOOPBACK_HOSTS.has(url.hostname) && !policy.allowInsecureHttp)
    return fail(
      `${what} uses plain http to a host that is not loopback: use https (--allow-insecure-http allows it, for development only)`,
    );
  // URL lower-cases the scheme and host and drops the default port: the browser's serialization.
  return { ok: true, origin: url.origin };
}

/** The origin of an http(s) redirect URI (a public client's default allowed origins); null for other schemes. */
export function redirectUriOrigin(uri: string): string | null {
  if (!/^https?:\/\//i.test(uri) || !URL.canParse(uri)) return null;
  const url = new URL(uri);
  return url.hostname === '' ? null : url.origin;
}

/**
 * Every origin a client may be called from: its explicit allowed origins and, for a public
 * client (a single-page app is one), the origins of its http(s) redirect URIs. A confidential
 * client runs on a server and gets only the origins registered for it.
 */
export function clientOrigins(client: Pick<ClientRecord, 'isPublic' | 'redirectUris' | 'allowedOrigins'>): string[] {
  const origins = new Set(client.allowedOrigins ?? []);
  if (client.isPublic) {
    for (const uri of client.redirectUris) {
      const origin = redirectUriOrigin(uri);
      if (origin !== null) origins.add(origin);
    }
  }
  return [...origins];
}

/** Whether a request's Origin header names an origin of this client (exact comparison of serialized origins). */
export function clientAllowsOrigin(
  client: Pick<ClientRecord, 'isPublic' | 'redirectUris' | 'allowedOrigins'>,
  origin: string,
): boolean {
  if (client.allowedOrigins?.includes(origin)) return true;
  return client.isPublic && client.redirectUris.some((uri) => redirectUriOrigin(uri) === origin);
}
