/**
 * Browser apps (CORS, W3C Fetch §3.2) on both engines: which endpoints answer a page on another
 * origin, for which origins, and which never do. A preflight passes for an origin some client
 * registered; the actual answer says Access-Control-Allow-Origin only for the client the request
 * is about, errors included; an origin no client registered gets no CORS header at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { OIDC_PASSWORD, obtainCode, signedInBrowser } from '../helpers/oidc-code-flow.js';
import { basicAuthorization, httpRequest, type HttpResult, tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const SPA = 'https://spa.example';
const OTHER_SPA = 'https://other.example';
const WEB = 'https://web.example';
/** Registered as a confidential client's redirect URI only: not an origin. */
const CONFIDENTIAL_REDIRECT = 'https://confidential.example';
const UNREGISTERED = 'https://unregistered.example';
/** Origins that look like a registered one. */
const LOOKALIKES = [
  'https://spa.example.evil.com',
  'https://evil-spa.example',
  'https://spaexample',
  'http://spa.example',
  'https://spa.example:8443',
  'null',
];

/** Every response header CORS may set. */
const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'access-control-max-age',
];

function expectNoCors(res: HttpResult | Response, what = ''): void {
  for (const header of CORS_HEADERS) expect(res.headers.get(header), `${header} ${what}`).toBeNull();
}

function expectAllowed(res: HttpResult | Response, origin: string): void {
  expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  expect(res.headers.get('vary') ?? '').toMatch(/\bOrigin\b/i);
}

describeEachEngine('CORS for browser apps (e2e)', (factory) => {
  let fx: TestServer;
  let spa: CreatedClient;
  let web: CreatedClient & { client_secret: string };
  let confidential: CreatedClient & { client_secret: string };

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine, env: { GATEHOUSE_SUPPORTED_SCOPES: 'read' } });
    const publicClient = (name: string, origin: string) =>
      fx.createClient(['--name', name, '--public', '--redirect-uri', `${origin}/callback`, '--scope', 'openid read']);
    [spa] = await Promise.all([publicClient('spa', SPA), publicClient('other', OTHER_SPA)]);
    web = (await fx.createClient([
      '--name',
      'web',
      '--redirect-uri',
      'https://web-server.example/cb',
      '--grant-type',
      'client_credentials',
      '--allowed-origin',
      WEB,
    ])) as CreatedClient & { client_secret: string };
    confidential = (await fx.createClient([
      '--name',
      'confidential',
      '--redirect-uri',
      `${CONFIDENTIAL_REDIRECT}/cb`,
      '--grant-type',
      'client_credentials',
    ])) as CreatedClient & { client_secret: string };
    await fx.createUser('alice', 'alice@example.com', OIDC_PASSWORD);
  });

  afterAll(() => fx?.close());

  const preflight = (path: string, origin: string, method = 'POST', headers: Record<string, string> = {}) =>
    httpRequest(`${fx.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization, content-type',
        ...headers,
      },
    });

  /** The code flow of a public client in a signed-in browser, redeemed by a page on `origin`. */
  const redeemFrom = async (origin: string, client: CreatedClient = spa) => {
    const browser = await signedInBrowser(fx, 'alice');
    const { code, verifier, redirectUri } = await obtainCode(browser, client, { scope: 'openid read' });
    return tokenRequest(
      fx.url,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        client_id: client.client_id,
      },
      { headers: { origin } },
    );
  };

  describe('preflight', () => {
    it('passes for an origin a client registered: methods, headers, max age, Vary, never credentials', async () => {
      for (const origin of [SPA, WEB]) {
        const res = await preflight('/oauth/token', origin);
        expect(res.status).toBe(204);
        expectAllowed(res, origin);
        expect(res.headers.get('access-control-allow-methods')).toBe('POST');
        expect(res.headers.get('access-control-allow-headers')).toMatch(/^authorization, content-type/);
        expect(res.headers.get('access-control-max-age')).toBe('600');
      }
      const revoke = await preflight('/oauth/revoke', SPA);
      expect(revoke.status).toBe(204);
      expect(revoke.headers.get('access-control-allow-methods')).toBe('POST');
      for (const method of ['GET', 'POST']) {
        const userinfo = await preflight('/oauth/userinfo', SPA, method);
        expect(userinfo.status).toBe(204);
        expect(userinfo.headers.get('access-control-allow-methods')).toBe('GET, POST');
      }
      for (const path of [
        '/.well-known/jwks.json',
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
      ]) {
        const res = await preflight(path, SPA, 'GET');
        expect(res.status, path).toBe(204);
        expectAllowed(res, SPA);
        expect(res.headers.get('access-control-allow-methods')).toBe('GET');
      }
    });

    it('an origin no client registered, a look-alike origin or "null" gets no CORS header at all', async () => {
      for (const origin of [UNREGISTERED, CONFIDENTIAL_REDIRECT, ...LOOKALIKES]) {
        for (const [path, method] of [
          ['/oauth/token', 'POST'],
          ['/oauth/userinfo', 'GET'],
          ['/.well-known/jwks.json', 'GET'],
        ] as const) {
          const res = await preflight(path, origin, method);
          expect(res.status, `${origin} ${path}`).toBe(405);
          expectNoCors(res, `${origin} ${path}`);
          expect(res.headers.get('vary') ?? '').toMatch(/\bOrigin\b/i);
        }
      }
    });

    it('a method the endpoint does not take, or an OPTIONS that is no preflight, is not answered with CORS', async () => {
      expectNoCors(await preflight('/oauth/token', SPA, 'DELETE'));
      expectNoCors(await preflight('/.well-known/jwks.json', SPA, 'POST'));
      const plain = await httpRequest(`${fx.url}/oauth/token`, { method: 'OPTIONS', headers: { origin: SPA } });
      expect(plain.status).toBe(405);
      expectNoCors(plain);
    });

    it('introspection is not offered to pages unless cors.introspection is on', async () => {
      const res = await preflight('/oauth/introspect', WEB);
      expect(res.status).toBe(405);
      expectNoCors(res);
      const actual = await httpRequest(`${fx.url}/oauth/introspect`, {
        method: 'POST',
        headers: {
          origin: WEB,
          authorization: basicAuthorization(web.client_id, web.client_secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'token=nothing',
      });
      expect(actual.status).toBe(200);
      expectNoCors(actual);
    });
  });

  describe('token endpoint', () => {
    it("a public client's page on its redirect URI's origin reads the token response", async () => {
      const res = await redeemFrom(SPA);
      expect(res.status, res.text).toBe(200);
      expect(res.json.access_token).toBeTruthy();
      expectAllowed(res, SPA);
    });

    it("a page on another client's origin cannot read a public client's token response", async () => {
      const res = await redeemFrom(OTHER_SPA);
      // The code is redeemed all the same (the browser, not the server, withholds the answer).
      expect(res.status).toBe(200);
      expectNoCors(res);
    });

    it("an error is readable by the named client's page, and only by it", async () => {
      const bogus = { grant_type: 'authorization_code', code: 'not-a-code', code_verifier: 'x'.repeat(43) };
      const own = await tokenRequest(fx.url, { ...bogus, client_id: spa.client_id }, { headers: { origin: SPA } });
      expect(own.status).toBe(400);
      expect(own.json.error).toBe('invalid_grant');
      expectAllowed(own, SPA);

      const foreign = await tokenRequest(
        fx.url,
        { ...bogus, client_id: spa.client_id },
        { headers: { origin: OTHER_SPA } },
      );
      expect(foreign.status).toBe(400);
      expectNoCors(foreign);

      const unknown = await tokenRequest(
        fx.url,
        { ...bogus, client_id: 'no-such-client' },
        { headers: { origin: SPA } },
      );
      expect(unknown.status).toBe(401);
      expectNoCors(unknown);
    });

    it("a confidential client's explicit origin reads its answers, invalid_client included; its redirect URI's origin does not count", async () => {
      const grant = { grant_type: 'client_credentials' };
      const ok = await tokenRequest(fx.url, grant, {
        basic: [web.client_id, web.client_secret],
        headers: { origin: WEB },
      });
      expect(ok.status).toBe(200);
      expectAllowed(ok, WEB);

      const wrongSecret = await tokenRequest(fx.url, grant, {
        basic: [web.client_id, 'wrong secret'],
        headers: { origin: WEB },
      });
      expect(wrongSecret.status).toBe(401);
      expect(wrongSecret.json.error).toBe('invalid_client');
      expectAllowed(wrongSecret, WEB);

      const ownRedirect = await tokenRequest(fx.url, grant, {
        basic: [confidential.client_id, confidential.client_secret],
        headers: { origin: CONFIDENTIAL_REDIRECT },
      });
      expect(ownRedirect.status).toBe(200);
      expectNoCors(ownRedirect);
    });

    it("client A's origin with client B's credentials gets no CORS header", async () => {
      const res = await tokenRequest(
        fx.url,
        { grant_type: 'client_credentials' },
        { basic: [confidential.client_id, confidential.client_secret], headers: { origin: WEB } },
      );
      expect(res.status).toBe(200);
      expectNoCors(res);
      // Naming one client in the body and another in Basic is refused, and readable by neither page.
      const confused = await tokenRequest(
        fx.url,
        { grant_type: 'client_credentials', client_id: web.client_id },
        { basic: [confidential.client_id, confidential.client_secret], headers: { origin: WEB } },
      );
      expect(confused.status).toBe(400);
      expectNoCors(confused);
    });

    it('a look-alike origin never reads an answer', async () => {
      for (const origin of LOOKALIKES) {
        const res = await tokenRequest(
          fx.url,
          { grant_type: 'authorization_code', code: 'x', code_verifier: 'x'.repeat(43), client_id: spa.client_id },
          { headers: { origin } },
        );
        expectNoCors(res, origin);
      }
    });

    it('every answer says Vary: Origin, with or without an Origin header', async () => {
      const res = await tokenRequest(
        fx.url,
        { grant_type: 'client_credentials' },
        { basic: [web.client_id, web.client_secret] },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('vary') ?? '').toMatch(/\bOrigin\b/i);
      expectNoCors(res);
    });
  });

  describe('revocation', () => {
    it("answers the authenticated client's page, not another's", async () => {
      const tokens = (await redeemFrom(SPA)).json as { access_token: string };
      const revoke = (origin: string) =>
        httpRequest(`${fx.url}/oauth/revoke`, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: tokens.access_token, client_id: spa.client_id }).toString(),
        });
      const foreign = await revoke(OTHER_SPA);
      expect(foreign.status).toBe(200);
      expectNoCors(foreign);
      const own = await revoke(SPA);
      expect(own.status).toBe(200);
      expectAllowed(own, SPA);
    });
  });

  describe('userinfo', () => {
    const userinfo = (token: string, origin: string) =>
      httpRequest(`${fx.url}/oauth/userinfo`, { headers: { origin, authorization: `Bearer ${token}` } });

    it("answers the page of the token's client, exposing WWW-Authenticate; not another client's page", async () => {
      const { access_token } = (await redeemFrom(SPA)).json as { access_token: string };
      const own = await userinfo(access_token, SPA);
      expect(own.status).toBe(200);
      expect(own.json.sub).toBeTruthy();
      expectAllowed(own, SPA);
      expect(own.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
      const foreign = await userinfo(access_token, OTHER_SPA);
      expect(foreign.status).toBe(200);
      expectNoCors(foreign);
    });

    it("an expired token's refusal is readable by its client's page (WWW-Authenticate exposed); an unknown token's by none", async () => {
      const { access_token } = (await redeemFrom(SPA)).json as { access_token: string };
      fx.clock.advance(fx.config.access_token_lifetime + 1);
      const expired = await userinfo(access_token, SPA);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expectAllowed(expired, SPA);
      expect(expired.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
      expectNoCors(await userinfo(access_token, OTHER_SPA));
      const unknown = await userinfo('not-a-token', SPA);
      expect(unknown.status).toBe(401);
      expectNoCors(unknown);
    });
  });

  describe('JWKS and metadata', () => {
    it("answer any client's origin, and no other", async () => {
      for (const path of [
        '/.well-known/jwks.json',
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
      ]) {
        for (const origin of [SPA, OTHER_SPA, WEB]) {
          const res = await httpRequest(`${fx.url}${path}`, { headers: { origin } });
          expect(res.status).toBe(200);
          expectAllowed(res, origin);
        }
        for (const origin of [UNREGISTERED, CONFIDENTIAL_REDIRECT, ...LOOKALIKES]) {
          const res = await httpRequest(`${fx.url}${path}`, { headers: { origin } });
          expect(res.status).toBe(200);
          expectNoCors(res, `${path} ${origin}`);
          expect(res.headers.get('vary') ?? '').toMatch(/\bOrigin\b/i);
        }
      }
    });

    it('a client created while the server runs is answered at once; deleted, no longer', async () => {
      const origin = 'https://newcomer.example';
      const jwks = () => httpRequest(`${fx.url}/.well-known/jwks.json`, { headers: { origin } });
      expectNoCors(await jwks());
      expectNoCors(await preflight('/oauth/token', origin));
      const created = await fx.createClient(['--name', 'newcomer', '--allowed-origin', origin]);
      expectAllowed(await jwks(), origin);
      expect((await preflight('/oauth/token', origin)).status).toBe(204);
      await fx.store.deleteClient(created.client_id);
      expectNoCors(await jwks());
      expectNoCors(await preflight('/oauth/token', origin));
    });
  });

  describe('several nodes', () => {
    it('an origin another node refused is answered as soon as a client registers it, and refused again once it is deleted', async () => {
      const node2 = await startTestServer({ database: fx.database });
      try {
        const origin = 'https://cluster.example';
        const preflightOn = (server: TestServer) =>
          httpRequest(`${server.url}/oauth/token`, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'POST' },
          });
        // Node 2 is asked until it answers from memory (on PostgreSQL its listener is then up):
        // each request is the wait, with no pause between them.
        const hitsBefore = node2.store.clientCacheHits;
        for (let round = 0; round < 500 && node2.store.clientCacheHits - hitsBefore < 3; round++)
          expectNoCors(await preflightOn(node2));
        expect(node2.store.clientCacheHits - hitsBefore).toBeGreaterThanOrEqual(3);
        const created = await fx.createClient(['--name', 'cluster', '--allowed-origin', origin]);
        const passed = await preflightOn(node2);
        expect(passed.status).toBe(204);
        expect(passed.headers.get('access-control-allow-origin')).toBe(origin);
        await fx.store.deleteClient(created.client_id);
        expectNoCors(await preflightOn(node2));
      } finally {
        await node2.close();
      }
    });
  });

  describe('never on pages, the device flow, metrics or health', () => {
    const paths = [
      '/',
      '/oauth/authorize',
      '/login',
      '/account',
      '/register',
      '/reset',
      '/logout',
      '/oauth/logout',
      '/device',
      '/oauth/device_authorization',
      '/metrics',
      '/healthz',
    ];

    it('a registered origin gets no CORS header from them, to a preflight, a GET or a POST', async () => {
      for (const path of paths) {
        expectNoCors(await preflight(path, SPA, 'POST'), `OPTIONS ${path}`);
        expectNoCors(await preflight(path, SPA, 'GET'), `OPTIONS ${path}`);
        expectNoCors(await httpRequest(`${fx.url}${path}`, { headers: { origin: SPA } }), `GET ${path}`);
      }
      const deviceAuthorization = await httpRequest(`${fx.url}/oauth/device_authorization`, {
        method: 'POST',
        headers: { origin: SPA, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: spa.client_id }).toString(),
      });
      expectNoCors(deviceAuthorization);
    });
  });
});

describeEachEngine('CORS at the introspection endpoint, when cors.introspection is on (e2e)', (factory) => {
  let fx: TestServer;
  let api: CreatedClient & { client_secret: string };

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine, config: { cors: { introspection: true, max_age: 60 } } });
    api = (await fx.createClient([
      '--name',
      'dashboard',
      '--grant-type',
      'client_credentials',
      '--allowed-origin',
      'https://dashboard.example',
    ])) as CreatedClient & { client_secret: string };
    await fx.createClient(['--name', 'another', '--allowed-origin', 'https://another.example']);
  });

  afterAll(() => fx?.close());

  const introspect = (origin: string) =>
    httpRequest(`${fx.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        origin,
        authorization: basicAuthorization(api.client_id, api.client_secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'token=nothing',
    });

  it("preflights pass with the configured max age; the answer is readable by the authenticated client's page only", async () => {
    const pre = await httpRequest(`${fx.url}/oauth/introspect`, {
      method: 'OPTIONS',
      headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    expect(pre.headers.get('access-control-max-age')).toBe('60');
    const own = await introspect('https://dashboard.example');
    expect(own.status).toBe(200);
    expect(own.json).toEqual({ active: false });
    expect(own.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    const foreign = await introspect('https://another.example');
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
