import { describe, expect, it } from 'vitest';
import { clientAllowsOrigin, clientOrigins, parseAllowedOrigin, redirectUriOrigin } from './origins.js';

const ok = (origin: string, allowInsecureHttp = false) => {
  const parsed = parseAllowedOrigin(origin, { allowInsecureHttp });
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.origin;
};
const problem = (origin: string, allowInsecureHttp = false) => {
  const parsed = parseAllowedOrigin(origin, { allowInsecureHttp });
  return parsed.ok ? null : parsed.problem;
};

describe('allowed origins: what can be registered', () => {
  it('accepts https origins and loopback http origins, with or without a port', () => {
    expect(ok('https://app.example')).toBe('https://app.example');
    expect(ok('https://app.example:8443')).toBe('https://app.example:8443');
    expect(ok('http://localhost:5173')).toBe('http://localhost:5173');
    expect(ok('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(ok('http://[::1]:3000')).toBe('http://[::1]:3000');
  });

  it('writes an origin as a browser sends it: scheme and host in lower case, the default port left out', () => {
    expect(ok('HTTPS://App.Example')).toBe('https://app.example');
    expect(ok('https://app.example:443')).toBe('https://app.example');
    expect(ok('http://LOCALHOST:80')).toBe('http://localhost');
    expect(ok('https://app.example:80')).toBe('https://app.example:80');
  });

  it('refuses plain http to a host that is not loopback, unless insecure http is allowed (development)', () => {
    expect(problem('http://app.example')).toMatch(/plain http to a host that is not loopback/);
    expect(ok('http://app.test', true)).toBe('http://app.test');
  });

  it('refuses a path, even a final slash, a query and a fragment', () => {
    expect(problem('https://app.example/')).toMatch(/without a path, query or fragment/);
    expect(problem('https://app.example/callback')).toMatch(/without a path/);
    expect(problem('https://app.example?x=1')).toMatch(/without a path/);
    expect(problem('https://app.example#top')).toMatch(/without a path/);
  });

  it('refuses userinfo, wildcards, "null", other schemes and things that are not origins', () => {
    expect(problem('https://user@app.example')).toMatch(/user name or password/);
    expect(problem('https://user:pw@app.example')).toMatch(/user name or password/);
    expect(problem('https://*.app.example')).toMatch(/wildcard/);
    expect(problem('*')).toMatch(/wildcard/);
    expect(problem('null')).toMatch(/"null"/);
    expect(problem('ftp://app.example')).toMatch(/must use https/);
    expect(problem('chrome-extension://abcdef')).toMatch(/must use https/);
    expect(problem('app.example')).toMatch(/not an origin/);
    expect(problem('https://')).toMatch(/not an origin/);
    expect(problem('https://app.example:99999')).toMatch(/not an origin/);
    expect(problem('')).toMatch(/must not be empty/);
    expect(problem('https://app .example')).toMatch(/space/);
    expect(problem('https://app.example\n')).toMatch(/control/);
    expect(problem(`https://${'a'.repeat(260)}.example`)).toMatch(/longer than 255/);
  });

  it('a problem stays on one line and cannot drive a terminal', () => {
    const said = problem('https://a\u001b[31m.example/x') ?? '';
    expect(said).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe("a client's origins", () => {
  const spa = {
    isPublic: true,
    redirectUris: ['https://spa.example/callback', 'https://spa.example/silent', 'com.example.app:/cb'],
    allowedOrigins: ['https://other.example'],
  };

  it('a public client counts the origins of its http(s) redirect URIs, and its explicit origins', () => {
    expect(clientOrigins(spa).sort()).toEqual(['https://other.example', 'https://spa.example']);
    expect(clientAllowsOrigin(spa, 'https://spa.example')).toBe(true);
    expect(clientAllowsOrigin(spa, 'https://other.example')).toBe(true);
  });

  it('a confidential client gets only its explicit origins', () => {
    const web = { ...spa, isPublic: false };
    expect(clientOrigins(web)).toEqual(['https://other.example']);
    expect(clientAllowsOrigin(web, 'https://spa.example')).toBe(false);
    expect(clientOrigins({ ...web, allowedOrigins: undefined })).toEqual([]);
  });

  it('compares exactly: no prefix, suffix, scheme or port confusion', () => {
    for (const origin of [
      'https://spa.example.evil.com',
      'https://evil-spa.example',
      'https://evilspa.example',
      'http://spa.example',
      'https://spa.example:8443',
      'https://spa.example/',
      'null',
      '',
    ])
      expect(clientAllowsOrigin(spa, origin)).toBe(false);
  });

  it('a redirect URI origin is the browser serialization; other schemes have none', () => {
    expect(redirectUriOrigin('HTTPS://SPA.example:443/cb?x')).toBe('https://spa.example');
    expect(redirectUriOrigin('http://127.0.0.1:8080/cb')).toBe('http://127.0.0.1:8080');
    expect(redirectUriOrigin('com.example.app:/cb')).toBeNull();
    expect(redirectUriOrigin('not a uri')).toBeNull();
  });
});
