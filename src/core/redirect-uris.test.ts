import { describe, expect, it } from 'vitest';
import { redirectUriMatches, resolveRedirectUri } from './redirect-uris.js';

const REGISTERED = 'https://app.example/callback';

describe('redirectUriMatches: exact string comparison (RFC 9700 §2.1)', () => {
  it('matches the registered URI exactly', () => {
    expect(redirectUriMatches(REGISTERED, REGISTERED)).toBe(true);
    expect(redirectUriMatches('https://app.example/cb?tenant=1&x=2', 'https://app.example/cb?tenant=1&x=2')).toBe(true);
    expect(redirectUriMatches('com.example.app:/oauth2redirect', 'com.example.app:/oauth2redirect')).toBe(true);
  });

  it('does not match across case differences in any part', () => {
    expect(redirectUriMatches('https://App.example/callback', REGISTERED)).toBe(false);
    expect(redirectUriMatches('HTTPS://app.example/callback', REGISTERED)).toBe(false);
    expect(redirectUriMatches('https://app.example/Callback', REGISTERED)).toBe(false);
    expect(redirectUriMatches('https://app.example/cb?Tenant=1', 'https://app.example/cb?tenant=1')).toBe(false);
  });

  it('does not match with a trailing slash added or removed', () => {
    expect(redirectUriMatches(`${REGISTERED}/`, REGISTERED)).toBe(false);
    expect(redirectUriMatches(REGISTERED, `${REGISTERED}/`)).toBe(false);
    expect(redirectUriMatches('https://app.example', 'https://app.example/')).toBe(false);
  });

  it('does not match a different path, query, port, scheme or fragment', () => {
    expect(redirectUriMatches('https://app.example/callback/evil', REGISTERED)).toBe(false);
    expect(redirectUriMatches('https://app.example/callback?next=https://evil.example', REGISTERED)).toBe(false);
    expect(redirectUriMatches('https://app.example/cb?x=2&tenant=1', 'https://app.example/cb?tenant=1&x=2')).toBe(false);
    expect(redirectUriMatches('https://app.example/cb', 'https://app.example/cb?tenant=1')).toBe(false);
    expect(redirectUriMatches('https://app.example:8443/callback', REGISTERED)).toBe(false);
    expect(redirectUriMatches('https://app.example:443/callback', REGISTERED)).toBe(false);
    expect(redirectUriMatches('http://app.example/callback', REGISTERED)).toBe(false);
    expect(redirectUriMatches(`${REGISTERED}#frag`, REGISTERED)).toBe(false);
    expect(redirectUriMatches('https://app.example.evil.example/callback', REGISTERED)).toBe(false);
    // A port wildcard is only for loopback IP literals: a normal host must keep its port.
    expect(redirectUriMatches('http://app.example:9000/callback', 'http://app.example:8000/callback')).toBe(false);
  });

  it('matches percent-encoding only as written', () => {
    expect(redirectUriMatches('https://app.example/call%62ack', REGISTERED)).toBe(false);
  });
});

describe('redirectUriMatches: loopback redirects for native apps (RFC 8252 §7.3)', () => {
  it('http://127.0.0.1 matches on any port, with or without a registered port', () => {
    expect(redirectUriMatches('http://127.0.0.1:51234/callback', 'http://127.0.0.1/callback')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:8080/callback')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:9000/callback', 'http://127.0.0.1:8080/callback')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:1/callback', 'http://127.0.0.1/callback')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:65535/callback', 'http://127.0.0.1/callback')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:51234', 'http://127.0.0.1')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:51234/', 'http://127.0.0.1/')).toBe(true);
  });

  it('http://[::1] matches on any port', () => {
    expect(redirectUriMatches('http://[::1]:51234/callback', 'http://[::1]/callback')).toBe(true);
    expect(redirectUriMatches('http://[::1]:9000/callback', 'http://[::1]:8080/callback')).toBe(true);
  });

  it('the path and query must still match exactly', () => {
    expect(redirectUriMatches('http://127.0.0.1:51234/other', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback/', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/Callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback?x=1', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback', 'http://127.0.0.1/callback?x=1')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback?x=1', 'http://127.0.0.1/callback?x=1')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:51234?x=1', 'http://127.0.0.1?x=1')).toBe(true);
    expect(redirectUriMatches('http://[::1]:51234/other', 'http://[::1]/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback#x', 'http://127.0.0.1/callback')).toBe(false);
  });

  it('localhost gets no port exception (RFC 8252 §8.3)', () => {
    expect(redirectUriMatches('http://localhost:51234/callback', 'http://localhost/callback')).toBe(false);
    expect(redirectUriMatches('http://localhost:9000/callback', 'http://localhost:8080/callback')).toBe(false);
    // Exactly as registered still works.
    expect(redirectUriMatches('http://localhost:8080/callback', 'http://localhost:8080/callback')).toBe(true);
  });

  it('https loopback URIs get no port exception', () => {
    expect(redirectUriMatches('https://127.0.0.1:51234/callback', 'https://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('https://[::1]:51234/callback', 'https://[::1]/callback')).toBe(false);
  });

  it('the loopback literal must be the same on both sides', () => {
    expect(redirectUriMatches('http://[::1]:51234/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback', 'http://[::1]/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.2:51234/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234/callback', 'http://localhost/callback')).toBe(false);
  });

  it('hosts that only start like a loopback literal are not loopback', () => {
    expect(redirectUriMatches('http://127.0.0.1.evil.example:51234/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1.evil.example/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.10:51234/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:51234@evil.example/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1@evil.example/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://[::1]:51234@evil.example/callback', 'http://[::1]/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:/callback', 'http://127.0.0.1/callback')).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:123456/callback', 'http://127.0.0.1/callback')).toBe(false);
  });
});

describe('resolveRedirectUri', () => {
  it('uses the only registered URI when the request names none, and says it was not given', () => {
    expect(resolveRedirectUri(undefined, [REGISTERED])).toEqual({ ok: true, redirectUri: REGISTERED, given: false });
  });

  it('requires redirect_uri when several are registered', () => {
    const resolved = resolveRedirectUri(undefined, [REGISTERED, 'https://app.example/other']);
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.problem).toMatch(/redirect_uri/);
  });

  it('fails for a client without registered redirect URIs, given or not', () => {
    expect(resolveRedirectUri(undefined, []).ok).toBe(false);
    expect(resolveRedirectUri(REGISTERED, []).ok).toBe(false);
  });

  it('accepts a given URI that matches any registered one, and says it was given', () => {
    expect(resolveRedirectUri(REGISTERED, [REGISTERED])).toEqual({ ok: true, redirectUri: REGISTERED, given: true });
    expect(resolveRedirectUri('https://app.example/other', [REGISTERED, 'https://app.example/other'])).toEqual({
      ok: true,
      redirectUri: 'https://app.example/other',
      given: true,
    });
  });

  it('for a loopback match, resolves to the requested URI with its port (where the app listens)', () => {
    expect(resolveRedirectUri('http://127.0.0.1:51234/callback', ['http://127.0.0.1/callback'])).toEqual({
      ok: true,
      redirectUri: 'http://127.0.0.1:51234/callback',
      given: true,
    });
  });

  it('refuses a given URI that matches none of the registered ones', () => {
    for (const requested of [`${REGISTERED}/`, 'https://APP.example/callback', 'https://evil.example/callback', '']) {
      const resolved = resolveRedirectUri(requested, [REGISTERED, 'https://app.example/other']);
      expect(resolved.ok, requested).toBe(false);
      if (!resolved.ok) expect(resolved.problem).toMatch(/does not match/);
    }
  });
});
