/**
 * Resource indicators (RFC 8707) end to end, on both engines: `resource` at the authorization
 * endpoint (through sign-in and the consent page, where the request waits on the server) and at
 * the token endpoint for every grant; the access token's audience in the JWT (`aud`) and in
 * introspection; a code's resources as the ceiling of its token request, refreshes that narrow
 * but never widen; each client limited to its own registered resources. Two servers share one
 * database: opaque access tokens, and JWT access tokens.
 */
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJwks } from '../harness/jwks.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { HttpBrowser, pkcePair } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';

const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
const JWT_ENV = {
  ...SCOPE_ENV,
  GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt',
  GATEHOUSE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};
const PASSWORD = 'correct horse battery staple';
const CB = 'https://app.example/cb';
const CALENDAR = 'https://calendar.example.com/';
const CONTACTS = 'https://contacts.example.com/api';
const BILLING = 'urn:example:billing';
/** Registered for the rival client only. */
const RIVAL_API = 'https://rival.example.com/';

type Confidential = CreatedClient & { client_secret: string };
type Pairs = [string, string][];

const resourcePairs = (resources: string[]): Pairs => resources.map((resource) => ['resource', resource]);

function expectInvalidTarget(res: HttpResult): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status: 400, error: 'invalid_target' });
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describeEachEngine('resource indicators, RFC 8707 (e2e)', (factory) => {
  let server: TestServer;
  let jwtServer: TestServer;
  let web: Confidential;
  let rival: Confidential;
  let service: Confidential;
  let api: Confidential;
  let implicit: Confidential;

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: SCOPE_ENV });
    const flows = ['--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--grant-type', 'password'];
    const created = await Promise.all([
      server.createClient([
        '--name',
        'Calendar App',
        '--redirect-uri',
        CB,
        ...flows,
        ...['--resource', CALENDAR, '--resource', CONTACTS, '--resource', BILLING],
      ]),
      server.createClient(['--name', 'Rival', '--redirect-uri', CB, ...flows, '--resource', RIVAL_API]),
      server.createClient(['--name', 'Service', '--grant-type', 'client_credentials', '--resource', BILLING]),
      server.createClient(['--name', 'Resource server', '--introspect', '--grant-type', 'client_credentials']),
      server.createClient([
        '--name',
        'Implicit',
        '--redirect-uri',
        CB,
        '--grant-type',
        'implicit',
        '--resource',
        CALENDAR,
        '--resource',
        CONTACTS,
      ]),
      server.createUser('alice', 'alice@example.com', PASSWORD),
    ]);
    [web, rival, service, api, implicit] = created.slice(0, 5) as Confidential[] as [
      Confidential,
      Confidential,
      Confidential,
      Confidential,
      Confidential,
    ];
    jwtServer = await startTestServer({ database: server.database, env: JWT_ENV });
  });

  afterAll(async () => {
    await jwtServer?.close();
    await server?.close();
  });

  /** GET /oauth/authorize with `resources` repeated, in a browser that signs in (and consents) as alice. */
  async function authorize(
    target: TestServer,
    client: Confidential,
    resources: string[],
    browser?: HttpBrowser,
    responseType: 'code' | 'token' = 'code',
  ) {
    const web = browser ?? new HttpBrowser(target.url);
    const { verifier, challenge } = pkcePair();
    const pkce: Pairs = [
      ['code_challenge', challenge],
      ['code_challenge_method', 'S256'],
    ];
    const query = new URLSearchParams([
      ['response_type', responseType],
      ['client_id', client.client_id],
      ['redirect_uri', CB],
      ['state', 'st'],
      ...(responseType === 'code' ? pkce : []),
      ...resourcePairs(resources),
    ]);
    let res = await web.get(`/oauth/authorize?${query}`);
    if (res.location?.startsWith('/login')) {
      // The request waits on the server while the browser signs in: its resources with it.
      const returnTo = new URL(res.location, target.url).searchParams.get('return_to')!;
      expect(returnTo).not.toContain('resource');
      const { csrfToken } = await web.loginForm(returnTo);
      const signedIn = await web.post('/login', {
        csrf_token: csrfToken,
        username: 'alice',
        password: PASSWORD,
        return_to: returnTo,
      });
      expect(signedIn.status, signedIn.text).toBe(303);
      res = await web.get(returnTo);
    }
    // The consent page keeps the request (and its resources) on the server, too.
    if (res.status === 200) res = await web.answerConsent(res.text, 'allow');
    return { res, verifier, browser: web };
  }

  async function codeFor(target: TestServer, client: Confidential, resources: string[], browser?: HttpBrowser) {
    const { res, verifier } = await authorize(target, client, resources, browser);
    const location = new URL(res.location ?? '', 'http://invalid.test');
    expect(location.searchParams.get('error'), res.location ?? res.text).toBeNull();
    return { code: location.searchParams.get('code')!, verifier };
  }

  const redeem = (
    target: TestServer,
    client: Confidential,
    code: { code: string; verifier: string },
    extra: Pairs = [],
  ) =>
    tokenRequest(
      target.url,
      [
        ['grant_type', 'authorization_code'],
        ['code', code.code],
        ['redirect_uri', CB],
        ['code_verifier', code.verifier],
        ...extra,
      ],
      { basic: [client.client_id, client.client_secret] },
    );

  const refresh = (target: TestServer, client: Confidential, refreshToken: string, resources: string[] = []) =>
    tokenRequest(
      target.url,
      [['grant_type', 'refresh_token'], ['refresh_token', refreshToken], ...resourcePairs(resources)],
      {
        basic: [client.client_id, client.client_secret],
      },
    );

  const clientCredentials = (target: TestServer, client: Confidential, resources: string[]) =>
    tokenRequest(target.url, [['grant_type', 'client_credentials'], ...resourcePairs(resources)], {
      basic: [client.client_id, client.client_secret],
    });

  /** The `aud` introspection reports, asked by the resource server's client. */
  async function introspectedAudience(target: TestServer, token: string) {
    const res = await httpRequest(`${target.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: api.client_id, client_secret: api.client_secret }).toString(),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.active).toBe(true);
    return res.json.aud as string | string[];
  }

  /** The verified `aud` of a JWT access token, checked against the JWKS and the expected audience. */
  async function jwtAudience(token: string, expected: string) {
    const jwks = createLocalJWKSet({ keys: await fetchJwks(jwtServer) });
    const { payload } = await jwtVerify(token, jwks, { issuer: jwtServer.url, audience: expected, typ: 'at+jwt' });
    return payload.aud;
  }

  const tokens = (res: HttpResult) => {
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token?: string };
  };

  describe('authorization code flow', () => {
    it('opaque tokens: the authorized resources are the audience introspection reports (an array for several)', async () => {
      const code = await codeFor(server, web, [CALENDAR, CONTACTS]);
      const issued = tokens(await redeem(server, web, code));
      expect(await introspectedAudience(server, issued.access_token)).toEqual([CALENDAR, CONTACTS]);
    });

    it('JWT: aud is the requested resource (a string for one), verified with the published keys', async () => {
      const one = tokens(await redeem(jwtServer, web, await codeFor(jwtServer, web, [CALENDAR])));
      expect(await jwtAudience(one.access_token, CALENDAR)).toBe(CALENDAR);
      expect(await introspectedAudience(jwtServer, one.access_token)).toBe(CALENDAR);

      const several = tokens(await redeem(jwtServer, web, await codeFor(jwtServer, web, [CALENDAR, BILLING])));
      expect(decodeJwt(several.access_token).aud).toEqual([CALENDAR, BILLING]);
      expect(await introspectedAudience(jwtServer, several.access_token)).toEqual([CALENDAR, BILLING]);
    });

    it('implicit grant: the access token in the fragment is for the requested resources', async () => {
      const { res } = await authorize(jwtServer, implicit, [CALENDAR, CONTACTS], undefined, 'token');
      const fragment = new URLSearchParams(new URL(res.location!).hash.slice(1));
      expect(fragment.get('error'), res.location!).toBeNull();
      expect(decodeJwt(fragment.get('access_token')!).aud).toEqual([CALENDAR, CONTACTS]);
      const refused = await authorize(jwtServer, implicit, [BILLING], undefined, 'token');
      expect(new URLSearchParams(new URL(refused.res.location!).hash.slice(1)).get('error')).toBe('invalid_target');
    });

    it('without any resource the audience is the default (the issuer), as before', async () => {
      const issued = tokens(await redeem(jwtServer, web, await codeFor(jwtServer, web, [])));
      expect(await jwtAudience(issued.access_token, jwtServer.url)).toBe(jwtServer.url);
      expect(
        await introspectedAudience(
          server,
          tokens(await redeem(server, web, await codeFor(server, web, []))).access_token,
        ),
      ).toBe(server.url);
    });

    it('the token request may name a subset of the authorized resources; one outside them is invalid_target', async () => {
      const code = await codeFor(jwtServer, web, [CALENDAR, CONTACTS]);
      // BILLING is registered for the client, but was not authorized for this code.
      expectInvalidTarget(await redeem(jwtServer, web, code, resourcePairs([CALENDAR, BILLING])));
      expectInvalidTarget(await redeem(jwtServer, web, code, resourcePairs(['https://calendar.example.com/#x'])));

      const narrowed = tokens(await redeem(jwtServer, web, code, resourcePairs([CONTACTS])));
      expect(decodeJwt(narrowed.access_token).aud).toBe(CONTACTS);
      // The refresh token stays bound to the whole grant (RFC 8707 section 2.2).
      const other = tokens(await refresh(jwtServer, web, narrowed.refresh_token!, [CALENDAR]));
      expect(decodeJwt(other.access_token).aud).toBe(CALENDAR);
    });

    it('refresh narrows to a subset, again and again, and never widens', async () => {
      const code = await codeFor(server, web, [CALENDAR, CONTACTS]);
      let current = tokens(await redeem(server, web, code));

      current = tokens(await refresh(server, web, current.refresh_token!, [CONTACTS]));
      expect(await introspectedAudience(server, current.access_token)).toBe(CONTACTS);
      current = tokens(await refresh(server, web, current.refresh_token!));
      expect(await introspectedAudience(server, current.access_token)).toEqual([CALENDAR, CONTACTS]);

      // Registered for the client, but not part of this grant; and another client's resource.
      expectInvalidTarget(await refresh(server, web, current.refresh_token!, [BILLING]));
      expectInvalidTarget(await refresh(server, web, current.refresh_token!, [CALENDAR, RIVAL_API]));
      expectInvalidTarget(await refresh(server, web, current.refresh_token!, [server.url]));
      // A refused widening changes nothing: the refresh token still works.
      current = tokens(await refresh(server, web, current.refresh_token!, [CALENDAR]));
      expect(await introspectedAudience(server, current.access_token)).toBe(CALENDAR);
    });

    it("a resource registered for another client is refused at the authorization endpoint, at the client's redirect URI", async () => {
      const { res } = await authorize(server, web, [CALENDAR, RIVAL_API]);
      expect(res.status).toBe(302);
      const location = new URL(res.location!);
      expect(`${location.origin}${location.pathname}`).toBe(CB);
      expect(location.searchParams.get('error')).toBe('invalid_target');
      expect(location.searchParams.get('state')).toBe('st');
      expect(location.searchParams.get('iss')).toBe(server.url);
      expect(location.searchParams.has('code')).toBe(false);
      expect(location.searchParams.get('error_description')).not.toContain('rival');
    });

    it.each([
      ['a relative URI', '/calendar'],
      ['a fragment', `${CALENDAR}#today`],
      ['an unknown resource', 'https://unknown.example.com/'],
      ['a value that is no URI at all', '<script>alert(1)</script>'],
      ['an overlong value', `https://calendar.example.com/${'x'.repeat(3000)}`],
    ])('%s at the authorization endpoint → error=invalid_target at the redirect URI, never a 5xx', async (_, bad) => {
      const browser = new HttpBrowser(server.url);
      const query = new URLSearchParams([
        ['response_type', 'code'],
        ['client_id', web.client_id],
        ['redirect_uri', CB],
        ['state', 'st'],
        ['code_challenge', pkcePair().challenge],
        ['code_challenge_method', 'S256'],
        ['resource', CALENDAR],
        ['resource', bad],
      ]);
      const res = await browser.get(`/oauth/authorize?${query}`);
      expect(res.status, res.text).toBe(302);
      const location = new URL(res.location!);
      expect(location.searchParams.get('error')).toBe('invalid_target');
      expect(location.searchParams.get('state')).toBe('st');
      // Nothing of the request is echoed to the client.
      expect(location.searchParams.get('error_description')).not.toMatch(/alert|calendar|today|xxx/);
    });

    it('the redirect URI is checked first: a bad resource with an unregistered redirect URI is an error page, no redirect', async () => {
      const query = new URLSearchParams([
        ['response_type', 'code'],
        ['client_id', web.client_id],
        ['redirect_uri', 'https://attacker.example/cb'],
        ['resource', '/relative'],
      ]);
      const res = await new HttpBrowser(server.url).get(`/oauth/authorize?${query}`);
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
    });

    it('a repeated scope at the authorization endpoint is still refused beside repeated resources', async () => {
      const query = new URLSearchParams([
        ['response_type', 'code'],
        ['client_id', web.client_id],
        ['redirect_uri', CB],
        ['code_challenge', pkcePair().challenge],
        ['code_challenge_method', 'S256'],
        ['resource', CALENDAR],
        ['resource', CONTACTS],
        ['scope', 'read'],
        ['scope', 'write'],
      ]);
      const res = await new HttpBrowser(server.url).get(`/oauth/authorize?${query}`);
      expect(new URL(res.location!).searchParams.get('error')).toBe('invalid_request');
    });
  });

  describe('client_credentials and password', () => {
    it('client_credentials: an allowed resource is the audience; the default audience is always allowed', async () => {
      const billing = tokens(await clientCredentials(jwtServer, service, [BILLING]));
      expect(await jwtAudience(billing.access_token, BILLING)).toBe(BILLING);
      expect(await introspectedAudience(jwtServer, billing.access_token)).toBe(BILLING);
      const both = tokens(await clientCredentials(server, service, [BILLING, server.url]));
      expect(await introspectedAudience(server, both.access_token)).toEqual([BILLING, server.url]);
      const none = tokens(await clientCredentials(server, service, []));
      expect(await introspectedAudience(server, none.access_token)).toBe(server.url);
    });

    it("client_credentials: a foreign resource, another client's, or a malformed one is invalid_target (never 5xx)", async () => {
      for (const resources of [
        [CALENDAR],
        [RIVAL_API],
        [BILLING, 'https://elsewhere.example/'],
        ['relative/path'],
        ['urn:example:billing#part'],
        ['https://api.example/é'],
        Array.from({ length: 11 }, (_, i) => `https://api${i}.example/`),
      ]) {
        expectInvalidTarget(await clientCredentials(server, service, resources));
      }
    });

    it('a repeated scope is still invalid_request at the token endpoint, while resource may repeat', async () => {
      const res = await tokenRequest(
        server.url,
        [
          ['grant_type', 'client_credentials'],
          ['resource', BILLING],
          ['resource', BILLING],
          ['scope', 'read'],
          ['scope', 'write'],
        ],
        { basic: [service.client_id, service.client_secret] },
      );
      expect({ status: res.status, error: res.json?.error }).toEqual({ status: 400, error: 'invalid_request' });
      const duplicates = tokens(await clientCredentials(server, service, [BILLING, BILLING]));
      expect(await introspectedAudience(server, duplicates.access_token)).toBe(BILLING);
    });

    it("password grant: the audience, and refreshes within it; the rival's resource is refused", async () => {
      const login = (client: Confidential, resources: string[]) =>
        tokenRequest(
          server.url,
          [['grant_type', 'password'], ['username', 'alice'], ['password', PASSWORD], ...resourcePairs(resources)],
          { basic: [client.client_id, client.client_secret] },
        );
      const issued = tokens(await login(web, [CONTACTS, BILLING]));
      expect(await introspectedAudience(server, issued.access_token)).toEqual([CONTACTS, BILLING]);
      const narrowed = tokens(await refresh(server, web, issued.refresh_token!, [BILLING]));
      expect(await introspectedAudience(server, narrowed.access_token)).toBe(BILLING);
      expectInvalidTarget(await refresh(server, web, narrowed.refresh_token!, [CALENDAR]));
      expectInvalidTarget(await login(web, [RIVAL_API]));
      expectInvalidTarget(await login(rival, [CALENDAR]));
    });
  });
});
