import { describe, expect, it } from 'vitest';
import {
  isSafeRedirectTarget,
  redirectUriMatches,
  redirectUriRegistrationProblem,
  resolveRedirectUri,
} from './redirect-uris.js';

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
    expect(redirectUriMatches('https://app.example/cb?x=2&tenant=1', 'https://app.example/cb?tenant=1&x=2')).toBe(
      false,
    );
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

describe('resolveRedirectUri: a registered URI a redirect cannot carry (a row from before the registration rules)', () => {
  it('refuses it, given or not, so nothing is issued for it', () => {
    for (const bad of [
      'https://app.example/cb\r\nSet-Cookie: a=b',
      'https://app.example/caf\u00e9',
      'https://app.example/\u2028',
      'https://app.example/a b',
    ]) {
      const implicit = resolveRedirectUri(undefined, [bad]);
      expect(implicit.ok, JSON.stringify(bad)).toBe(false);
      if (!implicit.ok) expect(implicit.problem).toMatch(/registered again/);
      expect(resolveRedirectUri(bad, [bad]).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('isSafeRedirectTarget: printable ASCII without spaces only', () => {
    expect(isSafeRedirectTarget('https://app.example/cb?x=%20&y=1')).toBe(true);
    expect(isSafeRedirectTarget('com.example.app:/cb')).toBe(true);
    for (const bad of [
      '',
      'https://a/\r',
      'https://a/\n',
      'https://a/\t',
      'https://a/ ',
      'https://a/\u00e9',
      'https://a/\u0100',
      'https://a/\u0000',
      'https://a/\u007f',
    ]) {
      expect(isSafeRedirectTarget(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('redirectUriRegistrationProblem: what can be registered', () => {
  const refused = (uri: string, reason: RegExp, policy = {}) => {
    const problem = redirectUriRegistrationProblem(uri, policy);
    expect(problem, JSON.stringify(uri)).not.toBeNull();
    expect(problem, JSON.stringify(uri)).toMatch(reason);
    // One line, whatever the URI holds.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the message must hold no control character
    expect(problem, JSON.stringify(uri)).toMatch(/^[^\x00-\x1f\x7f-\x9f]+$/);
    expect(problem!.length, JSON.stringify(uri)).toBeLessThan(400);
  };

  it('accepts https URIs, with a port, a path and a query', () => {
    for (const uri of [
      'https://app.example/callback',
      'https://app.example',
      'https://app.example:8443/cb',
      'https://app.example/cb?tenant=42&lang=en',
      'https://app.example/cb?x=%20',
      'https://xn--caf-dma.example/cb',
    ]) {
      expect(redirectUriRegistrationProblem(uri), uri).toBeNull();
    }
  });

  it('accepts loopback http: 127.0.0.1, [::1] and localhost, with or without a port (RFC 8252 §7.3, §8.3)', () => {
    for (const uri of [
      'http://127.0.0.1/callback',
      'http://127.0.0.1:51234/callback',
      'http://[::1]/cb',
      'http://[::1]:8080/cb',
      'http://localhost:3000/cb',
      'http://localhost/cb',
    ]) {
      expect(redirectUriRegistrationProblem(uri), uri).toBeNull();
    }
  });

  it('accepts private-use schemes named by a reverse domain (RFC 8252 §7.1)', () => {
    for (const uri of [
      'com.example.app:/oauth2redirect',
      'com.example.app:/cb',
      'com.example.app://callback',
      'io.github.someone.notes:/auth?x=1',
      'com.example-app.v2:/cb',
    ]) {
      expect(redirectUriRegistrationProblem(uri), uri).toBeNull();
    }
  });

  it('refuses line breaks and other control characters (they would break the Location header)', () => {
    refused('https://app.example/cb\r\nSet-Cookie: session=evil', /line break/);
    refused('https://app.example/cb\n', /line break/);
    refused('https://app.example/cb\r', /line break/);
    refused('https://app.example/\tcb', /control character/);
    refused('https://app.example/cb\u0000', /control character/);
    refused('https://app.example/cb\u007f', /control character/);
    refused('https://app.example/cb\u009b31m', /non-ASCII/);
    expect(redirectUriRegistrationProblem('https://app.example/\u001b[31m\u009b')).toContain(
      '"https://app.example/\\u001b[31m\\u009b"',
    );
    refused('\u001bhttps://app.example/cb', /control character/);
  });

  it('refuses non-ASCII characters and spaces: they must be percent-encoded', () => {
    refused('https://app.example/caf\u00e9', /non-ASCII.*percent-encode/);
    refused('https://app.example/\u2028', /non-ASCII/);
    refused('https://\u0430pple.example/cb', /non-ASCII/);
    refused('https://app.example/\u{1F600}', /non-ASCII/);
    refused('https://app.example/a b', /space/);
    refused(' https://app.example/cb', /space/);
  });

  it('refuses characters RFC 3986 does not allow unencoded', () => {
    for (const c of ['"', '<', '>', '\\', '^', '`', '{', '|', '}'])
      refused(`https://app.example/cb?x=${c}`, /RFC 3986/);
    refused('https://app.example\\@evil.example/cb', /RFC 3986/);
  });

  it('refuses schemes a browser runs or reads locally', () => {
    refused('javascript:alert(1)', /scheme javascript:/);
    refused('JavaScript:alert(document.cookie)', /scheme javascript:/);
    refused('javascript://app.example/%0aalert(1)', /scheme javascript:/);
    refused('vbscript:msgbox(1)', /scheme vbscript:/);
    refused('data:text/html,<script>alert(1)</script>', /RFC 3986|scheme data:/);
    refused('data:text/html;base64,PHNjcmlwdD4=', /scheme data:/);
    refused('file:///etc/passwd', /scheme file:/);
    refused('blob:https://app.example/0b6d3a4e-1f7c-4f8e-9d2a-6c1b2a3d4e5f', /scheme blob:/);
    refused('about:blank', /scheme about:/);
    refused('wss://app.example/cb', /scheme wss:/);
    refused('ftp://app.example/cb', /scheme ftp:/);
  });

  it('refuses userinfo', () => {
    refused('https://a@b.example/cb', /user name or password/);
    refused('https://app.example:secret@evil.example/cb', /user name or password/);
    refused('https://app.example@evil.example/cb', /user name or password/);
    refused('http://127.0.0.1@evil.example/cb', /user name or password/);
    refused('com.example.app://user@callback', /user name or password/);
  });

  it('refuses fragments, even an empty one (RFC 6749 §3.1.2)', () => {
    refused('https://app.example/cb#frag', /fragment/);
    refused('https://app.example/cb#', /fragment/);
    refused('com.example.app:/cb#x', /fragment/);
    // A long URI is shortened in the reason.
    refused(`https://app.example/${'a'.repeat(5000)}#x`, /fragment/);
  });

  it('refuses what is not an absolute URI', () => {
    refused('', /empty/);
    refused('/relative/callback', /absolute/);
    refused('app.example.com/cb', /absolute/);
    refused('//app.example/cb', /absolute/);
    refused('https:app.example/cb', /absolute/);
    refused('https:/app.example/cb', /absolute/);
    refused('https://app.example:99999/cb', /absolute/);
  });

  it('refuses plain http to a host that is not loopback, unless allowInsecureHttp (development only)', () => {
    for (const uri of [
      'http://app.example/cb',
      'http://127.0.0.2/cb',
      'http://127.0.0.1.evil.example/cb',
      'http://192.168.1.10:8080/cb',
      'http://[::2]/cb',
      'http://localhost.evil.example/cb',
    ]) {
      refused(uri, /plain http.*--allow-insecure-http/);
      expect(redirectUriRegistrationProblem(uri, { allowInsecureHttp: true }), uri).toBeNull();
    }
  });

  it('allowInsecureHttp lets through plain http only, nothing else', () => {
    const policy = { allowInsecureHttp: true };
    refused('http://app.example/cb#x', /fragment/, policy);
    refused('http://a@app.example/cb', /user name or password/, policy);
    refused('http://app.example/cb\r\n', /line break/, policy);
    refused('javascript:alert(1)', /scheme javascript:/, policy);
    refused('myapp:/cb', /reverse domain/, policy);
  });

  it('refuses a private-use scheme that is not a reverse domain name (RFC 8252 §7.1)', () => {
    refused('myapp:/callback', /reverse domain/);
    refused('myapp://callback', /reverse domain/);
    refused('mailto:someone@example.com', /reverse domain|user name/);
    refused('urn:ietf:wg:oauth:2.0:oob', /reverse domain/);
  });
});
