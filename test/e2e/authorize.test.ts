/**
 * The browser side end to end: GET/POST /oauth/authorize, the sign-in and sign-out pages, and
 * the authorization code (and implicit) flows through to the token endpoint, against the real app
 * served in the test's process (test/harness). A cookie-keeping HTTP client (../helpers/browser-http.ts)
 * plays the browser: it signs in with the form, reads the CSRF token out of the page, answers
 * the consent form and stops at every redirect so each Location can be checked.
 *
 * The core flow (sign in → consent → code → token → refresh) runs once per engine; everything
 * else runs on SQLite, where several servers with different settings share one database (and one
 * manual clock, so a code's lifetime passes without sleeping).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { describeEachEngine } from '../helpers/databases.js';
import {
  alertOf,
  authorizePath,
  csrfTokenOf,
  hiddenField,
  hiddenFields,
  HttpBrowser,
  pkcePair,
  type BrowserResponse,
  type SetCookie,
} from '../helpers/browser-http.js';
import { tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const SCOPE_ENV = {
  GATEHOUSE_SUPPORTED_SCOPES: 'read write admin',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
  GATEHOUSE_SCOPE_DESCRIPTIONS: '{"read":"Read your files"}',
};
const HTTPS_ISSUER = 'https://auth.example.test';
const PASSWORD = 'correct horse battery staple';
const BAD_LOGIN = 'The username or password is incorrect.';
/** 256 random bits, base64url. */
const SECRET_VALUE = /^[A-Za-z0-9_-]{43}$/;
/** Codes and tokens: their issue time (8 characters), then 256 random bits. */
const OAUTH_VALUE = /^[A-Za-z0-9_-]{51}$/;
/** A state with characters that must survive the round trip encoded, not mangled. */
const STATE = 'st&te=1 /?#é+%';

type Mode = 'query' | 'fragment';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The parameters of an authorization response (query or fragment) at `location`. */
function responseParams(location: string, mode: Mode): URLSearchParams {
  const url = new URL(location);
  return mode === 'query' ? url.searchParams : new URLSearchParams(url.hash.slice(1));
}

/** Headers every HTML page must carry, and no script anywhere in it. */
function expectPageHeaders(res: HttpResult): void {
  expect(res.headers.get('content-type')).toMatch(/^text\/html\b/);
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = new Map(
    csp
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values] as const),
  );
  expect(directives.get('frame-ancestors'), csp).toEqual(["'none'"]);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  // No script may run: script-src (or, without it, default-src) allows nothing.
  expect(directives.get('script-src') ?? directives.get('default-src'), csp).toEqual(["'none'"]);
  for (const [name, values] of directives) if (name.startsWith('script-src')) expect(values).toEqual(["'none'"]);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toMatch(/\bno-store\b/);
  expect(res.text).not.toMatch(/<script/i);
}

/** An untrusted request: a 400 page naming the reason, and never a redirect anywhere. */
function expectUntrusted(res: BrowserResponse, reason: string): void {
  expect(res.status, res.text).toBe(400);
  expect(res.location).toBeNull();
  expectPageHeaders(res);
  expect(res.text).toContain('This sign-in link does not work');
  expect(res.text).toContain(escapeHtml(reason));
}

/** An error sent back to the (trusted) redirect URI, RFC 6749 §4.1.2.1 / §4.2.2.1 and RFC 9207. */
function expectErrorRedirect(
  res: BrowserResponse,
  expected: { status: number; redirectUri: string; error: string; issuer: string; state?: string; mode?: Mode },
): URLSearchParams {
  const mode = expected.mode ?? 'query';
  expect(res.status, res.text).toBe(expected.status);
  const location = res.location ?? '';
  const separator = mode === 'fragment' ? '#' : expected.redirectUri.includes('?') ? '&' : '?';
  expect(location.startsWith(`${expected.redirectUri}${separator}`), location).toBe(true);
  const params = responseParams(location, mode);
  expect(params.get('error'), location).toBe(expected.error);
  expect(params.get('error_description')).toMatch(/\S/);
  expect(params.get('state')).toBe(expected.state ?? null);
  expect(params.get('iss')).toBe(expected.issuer);
  expect(params.has('code')).toBe(false);
  expect(params.has('access_token')).toBe(false);
  if (mode === 'fragment') expect(location.slice(0, location.indexOf('#'))).toBe(expected.redirectUri);
  else expect(new URL(location).hash).toBe('');
  return params;
}

/** A successful code response at the redirect URI: code, state and iss, nothing else added. */
function expectCodeRedirect(
  res: BrowserResponse,
  expected: { status: number; redirectUri: string; issuer: string; state?: string },
): string {
  expect(res.status, res.text).toBe(expected.status);
  const location = res.location ?? '';
  const separator = expected.redirectUri.includes('?') ? '&' : '?';
  expect(location.startsWith(`${expected.redirectUri}${separator}`), location).toBe(true);
  const params = responseParams(location, 'query');
  const added = [...new URLSearchParams(location.slice(expected.redirectUri.length + 1)).keys()].sort();
  expect(added).toEqual(['code', 'iss', ...(expected.state === undefined ? [] : ['state'])].sort());
  expect(params.get('code')).toMatch(OAUTH_VALUE);
  expect(params.get('state')).toBe(expected.state ?? null);
  expect(params.get('iss')).toBe(expected.issuer);
  expect(new URL(location).hash).toBe('');
  return params.get('code')!;
}

function expectNoStore(res: HttpResult): void {
  expect(res.headers.get('cache-control')).toBe('no-store');
}

function expectTokenError(res: HttpResult, code: string): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status: 400, error: code });
  expectNoStore(res);
}

interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

function expectTokens(res: HttpResult, { scope, refresh }: { scope: string; refresh: boolean }): Tokens {
  expect(res.status, res.text).toBe(200);
  expectNoStore(res);
  expect(Object.keys(res.json).sort()).toEqual(
    ['access_token', 'expires_in', 'scope', 'token_type', ...(refresh ? ['refresh_token'] : [])].sort(),
  );
  expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope });
  expect(res.json.access_token).toMatch(OAUTH_VALUE);
  if (refresh) expect(res.json.refresh_token).toMatch(OAUTH_VALUE);
  return res.json as Tokens;
}

function sessionCookieOf(res: BrowserResponse, name = 'gatehouse_session'): SetCookie | undefined {
  return res.setCookies.find((cookie) => cookie.name === name);
}

/**
 * The login redirect for an unauthenticated authorization: 302/303 to /login?return_to=<the
 * request's opaque id>. The request itself stays on the server: none of `params` is in the URL.
 */
function expectLoginRedirect(res: BrowserResponse, status: number, params?: Record<string, string>): string {
  expect(res.status, res.text).toBe(status);
  const location = res.location ?? '';
  expect(location, location).toMatch(/^\/login\?return_to=/);
  const returnTo = new URL(location, 'http://gatehouse.invalid').searchParams.get('return_to') ?? '';
  expect(location).toBe(`/login?return_to=${encodeURIComponent(returnTo)}`);
  expect(returnTo).toMatch(/^\/oauth\/authorize\?pending=[A-Za-z0-9_-]{43}$/);
  for (const value of Object.values(params ?? {})) expect(decodeURIComponent(location)).not.toContain(value);
  return returnTo;
}

// --- both engines: the core flow ----------------------------------------------------

describeEachEngine('authorization code flow through the browser pages (e2e)', (factory) => {
  let server: TestServer;
  let web: CreatedClient & { client_secret: string };
  let spa: CreatedClient;
  const WEB_CB = 'https://app.example/cb';
  const SPA_CB = 'http://127.0.0.1/callback';

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: SCOPE_ENV });
    const [created, pub] = await Promise.all([
      server.createClient(['--name', 'Core Web App', '--redirect-uri', WEB_CB]),
      server.createClient(['--name', 'Core SPA', '--public', '--redirect-uri', SPA_CB]),
      server.createUser('alice', 'alice@example.com', PASSWORD),
      server.createUser('bruno', 'bruno@example.com', PASSWORD),
      server.createUser('chloe', 'chloe@example.com', PASSWORD),
    ]);
    web = created as typeof web;
    spa = pub;
  });

  afterAll(() => server?.close());

  it('sign in → consent → code → token → refresh, for a confidential client', async () => {
    const browser = new HttpBrowser(server.url);
    const { verifier, challenge } = pkcePair();
    const request = {
      response_type: 'code',
      client_id: web.client_id,
      redirect_uri: WEB_CB,
      scope: 'read write',
      state: STATE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };

    // Not signed in: off to the sign-in page, which remembers where to come back to (by an opaque id).
    const first = await browser.get(authorizePath(request));
    const returnTo = expectLoginRedirect(first, 302, request);
    const { page: login, csrfToken } = await browser.loginForm(returnTo);
    expect(login.text).toContain('to continue to <strong>Core Web App</strong>');
    expect(hiddenField(login.text, 'return_to')).toBe(returnTo);

    const signedIn = await browser.post('/login', {
      csrf_token: csrfToken,
      username: 'alice',
      password: PASSWORD,
      return_to: returnTo,
    });
    expect(signedIn.status, signedIn.text).toBe(303);
    expect(signedIn.location).toBe(returnTo);
    expect(sessionCookieOf(signedIn)?.value).toMatch(SECRET_VALUE);

    // Signed in: the consent page, whose form names the request kept on the server and nothing more.
    const consent = await browser.get(returnTo);
    expect(consent.status, consent.text).toBe(200);
    expectPageHeaders(consent);
    expect(consent.text).toContain('<strong>Core Web App</strong> wants to access your account');
    expect(
      hiddenFields(consent.text)
        .map(([name]) => name)
        .sort(),
    ).toEqual(['consent_id', 'csrf_token']);

    const allowed = await browser.answerConsent(consent.text, 'allow');
    const code = expectCodeRedirect(allowed, { status: 303, redirectUri: WEB_CB, issuer: server.url, state: STATE });

    const tokens = expectTokens(
      await tokenRequest(
        server.url,
        { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
        { basic: [web.client_id, web.client_secret] },
      ),
      { scope: 'read write', refresh: true },
    );
    const refreshed = expectTokens(
      await tokenRequest(
        server.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        { basic: [web.client_id, web.client_secret] },
      ),
      { scope: 'read write', refresh: true },
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });

  it('remembers the consent: same or fewer scopes go straight back with a code, more scopes ask again', async () => {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('bruno', PASSWORD);
    const ask = (scope: string) =>
      browser.get(
        authorizePath({
          response_type: 'code',
          client_id: web.client_id,
          scope,
          state: 's',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
        }),
      );

    const consent = await ask('read write');
    expect(consent.status).toBe(200);
    expectCodeRedirect(await browser.answerConsent(consent.text, 'allow'), {
      status: 303,
      redirectUri: WEB_CB,
      issuer: server.url,
      state: 's',
    });

    expectCodeRedirect(await ask('read write'), { status: 302, redirectUri: WEB_CB, issuer: server.url, state: 's' });
    expectCodeRedirect(await ask('write'), { status: 302, redirectUri: WEB_CB, issuer: server.url, state: 's' });
    const wider = await ask('read write admin');
    expect(wider.status, wider.location ?? '').toBe(200);
    expect(wider.text).toContain('wants to access your account');
  });

  it('a replayed code is refused, and the refresh token of the first exchange stops working', async () => {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('chloe', PASSWORD);
    const { verifier, challenge } = pkcePair();
    const consent = await browser.get(
      authorizePath({
        response_type: 'code',
        client_id: web.client_id,
        redirect_uri: WEB_CB,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    const code = expectCodeRedirect(await browser.answerConsent(consent.text, 'allow'), {
      status: 303,
      redirectUri: WEB_CB,
      issuer: server.url,
    });
    const exchange = () =>
      tokenRequest(
        server.url,
        { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
        { basic: [web.client_id, web.client_secret] },
      );

    const tokens = expectTokens(await exchange(), { scope: 'read', refresh: true });
    expectTokenError(await exchange(), 'invalid_grant');
    expectTokenError(
      await tokenRequest(
        server.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        { basic: [web.client_id, web.client_secret] },
      ),
      'invalid_grant',
    );
  });

  it('a public client exchanges the code with its client_id and verifier only, then refreshes the same way', async () => {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('alice', PASSWORD);
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'http://127.0.0.1:49152/callback';
    const consent = await browser.get(
      authorizePath({
        response_type: 'code',
        client_id: spa.client_id,
        redirect_uri: redirectUri,
        scope: 'read',
        state: 'p',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(consent.status, consent.location ?? '').toBe(200);
    const code = expectCodeRedirect(await browser.answerConsent(consent.text, 'allow'), {
      status: 303,
      redirectUri,
      issuer: server.url,
      state: 'p',
    });
    const tokens = expectTokens(
      await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        client_id: spa.client_id,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
      { scope: 'read', refresh: true },
    );
    expectTokens(
      await tokenRequest(server.url, {
        grant_type: 'refresh_token',
        client_id: spa.client_id,
        refresh_token: tokens.refresh_token!,
      }),
      {
        scope: 'read',
        refresh: true,
      },
    );
  });
});

// --- SQLite: everything else ---------------------------------------------------------

describe('authorization endpoint, sign-in and consent pages (e2e, SQLite)', () => {
  /** Default settings; owns the database the others share. */
  let server: TestServer;
  /** GATEHOUSE_ISSUER=https://…: __Host- cookies. */
  let httpsServer: TestServer;
  /** GATEHOUSE_REQUIRE_PKCE=false. */
  let legacyServer: TestServer;
  /** GATEHOUSE_ENFORCE_STATE=true. */
  let stateServer: TestServer;
  /** GATEHOUSE_AUTH_CODE_LIFETIME=1. */
  let shortCodeServer: TestServer;
  /** One time for every server, as for the nodes of one deployment. */
  const clock = new ManualClock();

  const CB = 'https://app.example/callback';
  const QUERY_CB = 'https://app.example/cb?tenant=42&lang=en';
  const MULTI_CB = ['https://multi.example/one', 'https://multi.example/two'];
  const SPA_CB = 'https://spa.example/cb';
  const TRUSTED_CB = 'https://first.example/cb';
  const WEB_NAME = 'Photo <Printer> & "Co"';

  type Confidential = CreatedClient & { client_secret: string };
  const clients = {} as {
    web: Confidential;
    other: Confidential;
    query: Confidential;
    multi: Confidential;
    none: Confidential;
    limited: Confidential;
    trusted: Confidential;
    implicit: Confidential;
    publicApp: CreatedClient;
    loopPort: CreatedClient;
    loop6: CreatedClient;
    localhost: CreatedClient;
  };

  const USERS = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'gina', 'hugo', 'ivy', 'jack', 'kate'] as const;

  beforeAll(async () => {
    server = await startTestServer({ engine: 'sqlite', env: SCOPE_ENV, clock });
    const database = server.database;
    const specs: [keyof typeof clients, string[]][] = [
      ['web', ['--name', WEB_NAME, '--redirect-uri', CB]],
      ['other', ['--name', 'Other App', '--redirect-uri', CB]],
      ['query', ['--name', 'Query App', '--redirect-uri', QUERY_CB]],
      ['multi', ['--name', 'Multi App', '--redirect-uri', MULTI_CB[0]!, '--redirect-uri', MULTI_CB[1]!]],
      ['none', ['--name', 'No Redirect App']],
      ['limited', ['--name', 'Limited App', '--redirect-uri', CB, '--scope', 'read']],
      [
        'trusted',
        [
          '--name',
          'First Party',
          '--trusted',
          '--redirect-uri',
          TRUSTED_CB,
          ...['--resource', 'https://a.example/', '--resource', 'https://b.example/'],
        ],
      ],
      ['implicit', ['--name', 'Implicit SPA', '--grant-type', 'implicit', '--redirect-uri', SPA_CB]],
      ['publicApp', ['--name', 'Native App', '--public', '--redirect-uri', 'http://127.0.0.1/cb']],
      ['loopPort', ['--name', 'Loopback Port', '--public', '--redirect-uri', 'http://127.0.0.1:8000/cb']],
      ['loop6', ['--name', 'Loopback v6', '--public', '--redirect-uri', 'http://[::1]/cb']],
      ['localhost', ['--name', 'Localhost App', '--public', '--redirect-uri', 'http://localhost:3000/cb']],
    ];
    const [created, started] = await Promise.all([
      Promise.all(specs.map(async ([key, flags]) => [key, await server.createClient(flags)] as const)),
      Promise.all([
        startTestServer({ database, clock, env: { ...SCOPE_ENV, GATEHOUSE_ISSUER: HTTPS_ISSUER } }),
        startTestServer({ database, clock, env: { ...SCOPE_ENV, GATEHOUSE_REQUIRE_PKCE: 'false' } }),
        startTestServer({ database, clock, env: { ...SCOPE_ENV, GATEHOUSE_ENFORCE_STATE: 'true' } }),
        startTestServer({ database, clock, env: { ...SCOPE_ENV, GATEHOUSE_AUTH_CODE_LIFETIME: '1' } }),
      ]),
      Promise.all(USERS.map((name) => server.createUser(name, `${name}@example.com`, PASSWORD))),
    ]);
    for (const [key, client] of created) (clients as Record<string, CreatedClient>)[key] = client;
    [httpsServer, legacyServer, stateServer, shortCodeServer] = started;
  });

  // The servers sharing the database close before its owner removes it.
  afterAll(async () => {
    await Promise.all([httpsServer, legacyServer, stateServer, shortCodeServer].map((other) => other?.close()));
    await server?.close();
  });

  /** A complete, valid code request for `client` (PKCE included), with overrides; undefined removes a parameter. */
  function codeRequest(client: CreatedClient, overrides: Record<string, string | undefined> = {}) {
    const { verifier, challenge } = pkcePair();
    const params: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0],
      scope: 'read',
      state: STATE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    return { params, path: authorizePath(params), verifier };
  }

  /** A browser signed in as `user` on `target`. */
  async function signedIn(user: string, target: TestServer = server): Promise<HttpBrowser> {
    const browser = new HttpBrowser(target.url);
    await browser.signInOrFail(user, PASSWORD);
    return browser;
  }

  /**
   * Runs an authorization for a signed-in browser to the code: answers the consent page with
   * Allow when it is shown. Returns the code and the PKCE verifier.
   */
  async function obtainCode(
    browser: HttpBrowser,
    client: CreatedClient,
    overrides: Record<string, string | undefined> = {},
    issuer = server.url,
  ): Promise<{ code: string; verifier: string; redirectUri: string }> {
    const request = codeRequest(client, overrides);
    let res = await browser.get(request.path);
    if (res.status === 200) res = await browser.answerConsent(res.text, 'allow');
    const redirectUri = request.params.redirect_uri ?? client.redirect_uris[0]!;
    const code = expectCodeRedirect(res, {
      status: res.status === 303 ? 303 : 302,
      redirectUri,
      issuer,
      state: request.params.state,
    });
    return { code, verifier: request.verifier, redirectUri };
  }

  const codeExchange = (target: TestServer, client: Confidential, params: Record<string, string>) =>
    tokenRequest(
      target.url,
      { grant_type: 'authorization_code', ...params },
      { basic: [client.client_id, client.client_secret] },
    );

  describe('routes', () => {
    it('GET / redirects to the sign-in page', async () => {
      const res = await new HttpBrowser(server.url).get('/');
      expect(res.status).toBe(302);
      expect(res.location).toBe('/login');
    });

    it('answers other methods with a 405 HTML page and an Allow header', async () => {
      const browser = new HttpBrowser(server.url);
      for (const [method, path] of [
        ['PUT', '/oauth/authorize'],
        ['DELETE', '/oauth/authorize'],
        ['PATCH', '/login'],
        ['DELETE', '/login'],
        ['PUT', '/logout'],
        ['OPTIONS', '/logout'],
      ] as const) {
        const res = await browser.request(path, { method });
        expect(res.status, `${method} ${path}`).toBe(405);
        expectPageHeaders(res);
        expect(res.text).toContain('Not allowed');
        expect(res.location).toBeNull();
        // RFC 9110 §15.5.6: a 405 MUST name the allowed methods.
        expect(res.headers.get('allow'), `Allow header of ${method} ${path}`).toBe('GET, POST');
      }
    });
  });

  describe('cookies', () => {
    it('over http: gatehouse_csrf and gatehouse_session, HttpOnly, SameSite=Lax, Path=/, without Secure', async () => {
      const browser = new HttpBrowser(server.url);
      const { page } = await browser.loginForm();
      const csrf = page.setCookies.find((cookie) => cookie.name === 'gatehouse_csrf');
      expect(csrf?.value).toMatch(SECRET_VALUE);
      const signIn = await browser.signIn('alice', PASSWORD);
      const session = sessionCookieOf(signIn);
      expect(session?.value).toMatch(SECRET_VALUE);
      for (const cookie of [csrf!, session!]) {
        expect(cookie.attributes.get('httponly'), cookie.raw).toBe(true);
        expect(cookie.attributes.get('samesite'), cookie.raw).toBe('Lax');
        expect(cookie.attributes.get('path'), cookie.raw).toBe('/');
        expect(cookie.attributes.has('secure'), cookie.raw).toBe(false);
        expect(cookie.attributes.has('domain'), cookie.raw).toBe(false);
      }
      expect(page.setCookies.some((cookie) => cookie.name.startsWith('__Host-'))).toBe(false);
    });

    it('with an https issuer: __Host-gatehouse_csrf and __Host-gatehouse_session, Secure, and the unprefixed names are ignored', async () => {
      const browser = new HttpBrowser(httpsServer.url);
      const { page } = await browser.loginForm();
      expect(page.setCookies.map((cookie) => cookie.name)).toEqual(['__Host-gatehouse_csrf']);
      const signIn = await browser.signIn('alice', PASSWORD);
      expect(signIn.status, signIn.text).toBe(303);
      const session = sessionCookieOf(signIn, '__Host-gatehouse_session');
      expect(session?.value).toMatch(SECRET_VALUE);
      expect(signIn.setCookies.some((cookie) => cookie.name === 'gatehouse_session')).toBe(false);
      for (const cookie of [page.setCookies[0]!, session!]) {
        expect(cookie.attributes.get('secure'), cookie.raw).toBe(true);
        expect(cookie.attributes.get('httponly'), cookie.raw).toBe(true);
        expect(cookie.attributes.get('samesite'), cookie.raw).toBe('Lax');
        expect(cookie.attributes.get('path'), cookie.raw).toBe('/');
        expect(cookie.attributes.has('domain'), cookie.raw).toBe(false);
      }

      // The session works under its prefixed name only: the iss of the answer is the https issuer.
      const { path } = codeRequest(clients.trusted);
      expectCodeRedirect(await browser.get(path), {
        status: 302,
        redirectUri: TRUSTED_CB,
        issuer: HTTPS_ISSUER,
        state: STATE,
      });
      const unprefixed = await browser.get(path, { cookie: `gatehouse_session=${session!.value}` });
      expect(unprefixed.status).toBe(302);
      expect(unprefixed.location).toMatch(/^\/login\?return_to=/);
    });
  });

  describe('requests that cannot be trusted: an error page, never a redirect', () => {
    it('missing or unknown client_id', async () => {
      const browser = new HttpBrowser(server.url);
      expectUntrusted(
        await browser.get(codeRequest(clients.web, { client_id: undefined }).path),
        'the request has no client_id',
      );
      expectUntrusted(
        await browser.get(codeRequest(clients.web, { client_id: 'no-such-client' }).path),
        'no application is registered with this client_id',
      );
      expectUntrusted(
        await browser.get(codeRequest(clients.web, { client_id: 'x'.repeat(300) }).path),
        'no application is registered with this client_id',
      );
    });

    it('a redirect_uri that is not registered (exact match: trailing slash, case, query, other host)', async () => {
      const browser = new HttpBrowser(server.url);
      for (const redirectUri of [
        'https://evil.example/callback',
        `${CB}/`,
        'https://APP.example/callback',
        'https://app.example/Callback',
        `${CB}?extra=1`,
        'http://app.example/callback',
        'https://app.example:443/callback',
        'https://app.example/cb?tenant=42',
      ]) {
        expectUntrusted(
          await browser.get(codeRequest(clients.web, { redirect_uri: redirectUri }).path),
          'redirect_uri does not match any URI registered for this client',
        );
      }
      expectUntrusted(
        await browser.get(
          codeRequest(clients.query, { redirect_uri: 'https://app.example/cb?lang=en&tenant=42' }).path,
        ),
        'redirect_uri does not match',
      );
    });

    it('no redirect_uri when several are registered, or none registered at all', async () => {
      const browser = new HttpBrowser(server.url);
      expectUntrusted(
        await browser.get(codeRequest(clients.multi, { redirect_uri: undefined }).path),
        'redirect_uri is required: this client has several registered',
      );
      expectUntrusted(
        await browser.get(codeRequest(clients.none, { redirect_uri: undefined }).path),
        'this client has no registered redirect URI',
      );
      expectUntrusted(
        await browser.get(codeRequest(clients.none, { redirect_uri: CB }).path),
        'this client has no registered redirect URI',
      );
    });

    it('client_id or redirect_uri given twice', async () => {
      const browser = new HttpBrowser(server.url);
      const { path } = codeRequest(clients.web);
      expectUntrusted(
        await browser.get(`${path}&client_id=${clients.web.client_id}`),
        'client_id was given more than once',
      );
      expectUntrusted(
        await browser.get(`${path}&redirect_uri=${encodeURIComponent(CB)}`),
        'redirect_uri was given more than once',
      );
      expectUntrusted(
        await browser.get(`${path}&redirect_uri=${encodeURIComponent('https://evil.example/')}`),
        'redirect_uri was given more than once',
      );
    });

    it('the consent form cannot carry a redirect_uri (or any request parameter): a 400 page, never a redirect', async () => {
      const browser = await signedIn('kate');
      const consent = await browser.get(codeRequest(clients.web).path);
      expect(consent.status).toBe(200);
      for (const [name, value] of [
        ['redirect_uri', 'https://evil.example/callback'],
        ['client_id', clients.other.client_id],
        ['scope', 'admin'],
      ] as const) {
        const tampered = await browser.answerConsent(consent.text, 'allow', (fields) => [...fields, [name, value]]);
        expect(tampered.status, tampered.text).toBe(400);
        expect(tampered.location).toBeNull();
        expectPageHeaders(tampered);
      }
    });
  });

  describe('errors sent back to the redirect URI', () => {
    const issuer = () => server.url;

    it('missing response_type is invalid_request; an unknown one is unsupported_response_type', async () => {
      const browser = new HttpBrowser(server.url);
      expectErrorRedirect(await browser.get(codeRequest(clients.web, { response_type: undefined }).path), {
        status: 302,
        redirectUri: CB,
        error: 'invalid_request',
        issuer: issuer(),
        state: STATE,
      });
      for (const responseType of ['id_token', 'code token', 'CODE']) {
        expectErrorRedirect(await browser.get(codeRequest(clients.web, { response_type: responseType }).path), {
          status: 302,
          redirectUri: CB,
          error: 'unsupported_response_type',
          issuer: issuer(),
          state: STATE,
        });
      }
    });

    it('a scope that is not supported, or not allowed to the client, or malformed: invalid_scope', async () => {
      const browser = new HttpBrowser(server.url);
      for (const [client, scope] of [
        [clients.web, 'read superuser'],
        [clients.limited, 'write'],
        [clients.limited, 'read write'],
        [clients.web, 'read  write'],
      ] as const) {
        expectErrorRedirect(await browser.get(codeRequest(client, { scope }).path), {
          status: 302,
          redirectUri: CB,
          error: 'invalid_scope',
          issuer: issuer(),
          state: STATE,
        });
      }
    });

    it('PKCE is required from public clients, and by default from confidential ones', async () => {
      const browser = new HttpBrowser(server.url);
      const none = { code_challenge: undefined, code_challenge_method: undefined };
      expectErrorRedirect(await browser.get(codeRequest(clients.publicApp, none).path), {
        status: 302,
        redirectUri: 'http://127.0.0.1/cb',
        error: 'invalid_request',
        issuer: issuer(),
        state: STATE,
      });
      expectErrorRedirect(await browser.get(codeRequest(clients.web, none).path), {
        status: 302,
        redirectUri: CB,
        error: 'invalid_request',
        issuer: issuer(),
        state: STATE,
      });
    });

    it('GATEHOUSE_REQUIRE_PKCE=false lets a confidential client go without PKCE, never a public one', async () => {
      const browser = new HttpBrowser(legacyServer.url);
      const none = { code_challenge: undefined, code_challenge_method: undefined };
      expectLoginRedirect(await browser.get(codeRequest(clients.web, none).path), 302);
      expectErrorRedirect(await browser.get(codeRequest(clients.publicApp, none).path), {
        status: 302,
        redirectUri: 'http://127.0.0.1/cb',
        error: 'invalid_request',
        issuer: legacyServer.url,
        state: STATE,
      });
    });

    it('only S256: a plain or absent code_challenge_method, a malformed challenge, or a method alone are invalid_request', async () => {
      const browser = new HttpBrowser(server.url);
      const { challenge } = pkcePair();
      for (const overrides of [
        { code_challenge_method: 'plain' },
        { code_challenge_method: undefined },
        { code_challenge: challenge, code_challenge_method: 's256' },
        { code_challenge: 'too-short', code_challenge_method: 'S256' },
        { code_challenge: undefined, code_challenge_method: 'S256' },
      ]) {
        expectErrorRedirect(await browser.get(codeRequest(clients.web, overrides).path), {
          status: 302,
          redirectUri: CB,
          error: 'invalid_request',
          issuer: issuer(),
          state: STATE,
        });
      }
    });

    it('GATEHOUSE_ENFORCE_STATE=true: a request without state is refused (invalid_request), with state it goes on', async () => {
      const browser = new HttpBrowser(stateServer.url);
      expectErrorRedirect(await browser.get(codeRequest(clients.web, { state: undefined }).path), {
        status: 302,
        redirectUri: CB,
        error: 'invalid_request',
        issuer: stateServer.url,
      });
      expectLoginRedirect(await browser.get(codeRequest(clients.web).path), 302);
      // By default state is optional.
      expectLoginRedirect(
        await new HttpBrowser(server.url).get(codeRequest(clients.web, { state: undefined }).path),
        302,
      );
    });

    it('response_type=token for a client not registered for the implicit grant: unauthorized_client, in the fragment', async () => {
      const browser = new HttpBrowser(server.url);
      expectErrorRedirect(await browser.get(codeRequest(clients.web, { response_type: 'token' }).path), {
        status: 302,
        redirectUri: CB,
        error: 'unauthorized_client',
        issuer: issuer(),
        state: STATE,
        mode: 'fragment',
      });
      // And the implicit-only client may not use the code flow.
      expectErrorRedirect(await browser.get(codeRequest(clients.implicit).path), {
        status: 302,
        redirectUri: SPA_CB,
        error: 'unauthorized_client',
        issuer: issuer(),
        state: STATE,
      });
    });

    it("keeps the registered redirect URI's own query string", async () => {
      const browser = new HttpBrowser(server.url);
      const res = await browser.get(codeRequest(clients.query, { scope: 'nope' }).path);
      const params = expectErrorRedirect(res, {
        status: 302,
        redirectUri: QUERY_CB,
        error: 'invalid_scope',
        issuer: issuer(),
        state: STATE,
      });
      expect(params.get('tenant')).toBe('42');
      expect(params.get('lang')).toBe('en');
    });

    it('a repeated parameter is invalid_request; a repeated state is not echoed', async () => {
      const browser = new HttpBrowser(server.url);
      const { path } = codeRequest(clients.web);
      expectErrorRedirect(await browser.get(`${path}&response_type=code`), {
        status: 302,
        redirectUri: CB,
        error: 'invalid_request',
        issuer: issuer(),
        state: STATE,
      });
      expectErrorRedirect(await browser.get(`${path}&scope=write`), {
        status: 302,
        redirectUri: CB,
        error: 'invalid_request',
        issuer: issuer(),
        state: STATE,
      });
      expectErrorRedirect(await browser.get(`${path}&state=other`), {
        status: 302,
        redirectUri: CB,
        error: 'invalid_request',
        issuer: issuer(),
      });
    });

    it('resource (RFC 8707, each registered for the client) and audience may repeat', async () => {
      const browser = await signedIn('kate');
      const { path } = codeRequest(clients.trusted);
      for (const extra of [
        'resource=https%3A%2F%2Fa.example%2F&resource=https%3A%2F%2Fb.example%2F',
        'audience=a&audience=b',
      ]) {
        expectCodeRedirect(await browser.get(`${path}&${extra}`), {
          status: 302,
          redirectUri: TRUSTED_CB,
          issuer: issuer(),
          state: STATE,
        });
      }
    });
  });

  describe('loopback redirect URIs (RFC 8252 §7.3)', () => {
    /** Accepted: the (PKCE-less) request is answered at the requested URI itself. */
    async function expectAccepted(client: CreatedClient, redirectUri: string) {
      const res = await new HttpBrowser(server.url).get(
        codeRequest(client, { redirect_uri: redirectUri, code_challenge: undefined, code_challenge_method: undefined })
          .path,
      );
      expectErrorRedirect(res, {
        status: 302,
        redirectUri,
        error: 'invalid_request',
        issuer: server.url,
        state: STATE,
      });
    }
    async function expectRefused(client: CreatedClient, redirectUri: string) {
      expectUntrusted(
        await new HttpBrowser(server.url).get(codeRequest(client, { redirect_uri: redirectUri }).path),
        'redirect_uri does not match',
      );
    }

    it('http://127.0.0.1/cb registered: any port is accepted, the path still matches exactly', async () => {
      for (const uri of [
        'http://127.0.0.1/cb',
        'http://127.0.0.1:1/cb',
        'http://127.0.0.1:54321/cb',
        'http://127.0.0.1:65535/cb',
      ])
        await expectAccepted(clients.publicApp, uri);
      for (const uri of [
        'http://127.0.0.1:54321/cb/',
        'http://127.0.0.1:54321/CB',
        'http://127.0.0.1:54321/other',
        'https://127.0.0.1:54321/cb',
        'http://[::1]:54321/cb',
        'http://localhost:54321/cb',
        'http://127.0.0.1:54321@evil.example/cb',
      ]) {
        await expectRefused(clients.publicApp, uri);
      }
    });

    it('registered with a port: another port, or none, is accepted too', async () => {
      for (const uri of ['http://127.0.0.1:8000/cb', 'http://127.0.0.1:9000/cb', 'http://127.0.0.1/cb'])
        await expectAccepted(clients.loopPort, uri);
      await expectRefused(clients.loopPort, 'http://127.0.0.1:9000/other');
    });

    it('http://[::1]/cb registered: http://[::1]:<port>/cb is accepted', async () => {
      for (const uri of ['http://[::1]/cb', 'http://[::1]:4321/cb']) await expectAccepted(clients.loop6, uri);
      await expectRefused(clients.loop6, 'http://127.0.0.1:4321/cb');
    });

    it('localhost gets no exception: another port is refused', async () => {
      await expectAccepted(clients.localhost, 'http://localhost:3000/cb');
      for (const uri of ['http://localhost:4000/cb', 'http://localhost/cb'])
        await expectRefused(clients.localhost, uri);
    });
  });

  describe('signing in', () => {
    it('not signed in: 302 to /login?return_to=<the request kept on the server>; the login page names the app and keeps return_to', async () => {
      const browser = new HttpBrowser(server.url);
      const request = codeRequest(clients.web);
      const returnTo = expectLoginRedirect(
        await browser.get(request.path),
        302,
        request.params as Record<string, string>,
      );
      const { page } = await browser.loginForm(returnTo);
      expectPageHeaders(page);
      expect(page.text).toContain(`to continue to <strong>${escapeHtml(WEB_NAME)}</strong>`);
      expect(page.text).not.toContain(WEB_NAME);
      expect(hiddenField(page.text, 'return_to')).toBe(returnTo);
    });

    it('success: 303 to return_to with a new session cookie; already signed in, GET /login goes straight on', async () => {
      const browser = new HttpBrowser(server.url);
      const returnTo = expectLoginRedirect(await browser.get(codeRequest(clients.web).path), 302);
      const res = await browser.signIn('alice@EXAMPLE.com', PASSWORD, returnTo);
      expect(res.status, res.text).toBe(303);
      expect(res.location).toBe(returnTo);
      expect(sessionCookieOf(res)?.value).toMatch(SECRET_VALUE);

      const again = await browser.get(`/login?${new URLSearchParams({ return_to: returnTo })}`);
      expect(again.status).toBe(302);
      expect(again.location).toBe(returnTo);
      const plain = await browser.get('/login');
      expect(plain.status).toBe(200);
      expect(plain.text).toContain('You are signed in');
      expect(plain.text).toContain('action="/logout"');

      // Without return_to the form lands on /login.
      const other = new HttpBrowser(server.url);
      const direct = await other.signIn('alice', PASSWORD);
      expect(direct.status).toBe(303);
      expect(direct.location).toBe('/login');
    });

    it('the session id changes at sign-in: the previous session cookie stops working', async () => {
      const browser = new HttpBrowser(server.url);
      const { csrfToken } = await browser.loginForm();
      const login = () => browser.post('/login', { csrf_token: csrfToken, username: 'bob', password: PASSWORD });
      const first = sessionCookieOf(await login())?.value;
      expect(first).toMatch(SECRET_VALUE);
      const { path } = codeRequest(clients.trusted);
      expectCodeRedirect(await browser.get(path), {
        status: 302,
        redirectUri: TRUSTED_CB,
        issuer: server.url,
        state: STATE,
      });

      // Signing in again with that cookie still set: a new id, and the old one is dead.
      const second = sessionCookieOf(await login())?.value;
      expect(second).toMatch(SECRET_VALUE);
      expect(second).not.toBe(first);
      expectCodeRedirect(await browser.get(path), {
        status: 302,
        redirectUri: TRUSTED_CB,
        issuer: server.url,
        state: STATE,
      });
      expectLoginRedirect(
        await browser.get(path, {
          cookie: `gatehouse_session=${first}; gatehouse_csrf=${browser.jar.get('gatehouse_csrf')}`,
        }),
        302,
      );

      // A value planted before sign-in is never the one after it.
      const planted = 'A'.repeat(43);
      const victim = new HttpBrowser(server.url);
      victim.jar.set('gatehouse_session', planted);
      const victimLogin = await victim.signIn('bob', PASSWORD);
      expect(sessionCookieOf(victimLogin)?.value).toMatch(SECRET_VALUE);
      expect(sessionCookieOf(victimLogin)?.value).not.toBe(planted);
    });

    it('wrong password, unknown user and deactivated user: the same 400 page, no session', async () => {
      // What `gatehouse user deactivate jack` does.
      await expect(server.accounts().setEnabled('jack', false)).resolves.toMatchObject({ enabled: false });
      const attempts = await Promise.all(
        [
          ['alice', 'wrong password, really'],
          ['nobody-here', PASSWORD],
          ['nobody@example.com', PASSWORD],
          ['jack', PASSWORD],
          ['"><script>alert(1)</script>', PASSWORD],
        ].map(async ([username, password]) => ({
          username: username!,
          password: password!,
          res: await new HttpBrowser(server.url).signIn(username!, password!),
        })),
      );
      for (const { username, password, res } of attempts) {
        expect(res.status, username).toBe(400);
        expectPageHeaders(res);
        expect(alertOf(res.text)).toBe(BAD_LOGIN);
        expect(res.setCookies.some((cookie) => cookie.name === 'gatehouse_session')).toBe(false);
        expect(res.location).toBeNull();
        // The form is shown again, with the username but never the password.
        expect(hiddenField(res.text, 'csrf_token')).toBeTruthy();
        expect(res.text).toContain(`value="${escapeHtml(username)}"`);
        expect(res.text).not.toContain(password);
      }
      // Nothing tells the cases apart (no account enumeration): the pages differ only in the echoed username and the CSRF token.
      const normalized = attempts.map(({ res }) => res.text.replace(/ value="[^"]*"/g, ' value=""'));
      expect(new Set(normalized).size).toBe(1);
    });

    it('a user deactivated while signed in loses the session, and the code issued before cannot be exchanged', async () => {
      const browser = await signedIn('ivy');
      const { code, verifier } = await obtainCode(browser, clients.trusted);
      // What `gatehouse user deactivate ivy` does.
      await expect(server.accounts().setEnabled('ivy', false)).resolves.toMatchObject({ enabled: false });
      expectLoginRedirect(await browser.get(codeRequest(clients.trusted).path), 302);
      expectTokenError(
        await codeExchange(server, clients.trusted, { code, redirect_uri: TRUSTED_CB, code_verifier: verifier }),
        'invalid_grant',
      );
    });

    it('a missing or wrong CSRF token, or no CSRF cookie: 403 page and no session', async () => {
      const browser = new HttpBrowser(server.url);
      const { csrfToken } = await browser.loginForm();
      const other = new HttpBrowser(server.url);
      const { csrfToken: otherToken } = await other.loginForm();
      const credentials = { username: 'alice', password: PASSWORD };
      const answers = [
        await browser.post('/login', credentials),
        await browser.post('/login', { ...credentials, csrf_token: 'A'.repeat(43) }),
        await browser.post('/login', { ...credentials, csrf_token: otherToken }),
        await browser.post('/login', { ...credentials, csrf_token: `${csrfToken}x` }),
        await browser.request('/login', {
          method: 'POST',
          form: { ...credentials, csrf_token: csrfToken },
          withoutCookies: true,
        }),
      ];
      for (const res of answers) {
        expect(res.status, res.text).toBe(403);
        expectPageHeaders(res);
        expect(res.text).toContain('Please try again');
        expect(res.setCookies.some((cookie) => cookie.name === 'gatehouse_session')).toBe(false);
      }
      // The genuine token still works: the failures were the token's doing.
      expect((await browser.post('/login', { ...credentials, csrf_token: csrfToken })).status).toBe(303);
    });

    it('an off-site return_to is ignored: sign-in lands on /login', async () => {
      for (const returnTo of [
        'https://evil.example/',
        '//evil.example/oauth/authorize?x=1',
        '/\\evil.example',
        '/oauth/authorize?a=1\\@evil.example',
        // A copy of a request is no longer a place to come back to: only the id of one kept on the server.
        '/oauth/authorize?response_type=code&client_id=x',
        'javascript:alert(1)',
        '/login/../..//evil.example',
        ' /login',
      ]) {
        const browser = new HttpBrowser(server.url);
        const { page } = await browser.loginForm(returnTo);
        expect(hiddenField(page.text, 'return_to'), returnTo).toBeUndefined();
        const res = await browser.post('/login', {
          csrf_token: csrfTokenOf(page.text),
          username: 'alice',
          password: PASSWORD,
          return_to: returnTo,
        });
        expect(res.status, returnTo).toBe(303);
        expect(res.location, returnTo).toBe('/login');
        // Once signed in, GET /login ignores it as well.
        const again = await browser.get(`/login?${new URLSearchParams({ return_to: returnTo })}`);
        expect(again.status, returnTo).toBe(200);
        expect(again.location).toBeNull();
      }
    });
  });

  describe('consent', () => {
    it('shows the app name (escaped), each scope with its description, the account, Allow and Deny', async () => {
      const browser = await signedIn('carol');
      const request = codeRequest(clients.web, { scope: 'read write' });
      const res = await browser.get(request.path);
      expect(res.status, res.location ?? '').toBe(200);
      expectPageHeaders(res);
      expect(res.text).toContain(`<strong>${escapeHtml(WEB_NAME)}</strong> wants to access your account`);
      expect(res.text).not.toContain(WEB_NAME);
      expect(res.text).toContain('<span>Read your files</span><code>read</code>');
      expect(res.text).toContain('<span>write</span>');
      expect(res.text).not.toContain('admin');
      expect(res.text).toContain('Signed in as <strong>carol</strong>');
      expect(res.text).toMatch(/<button[^>]*name="decision" value="allow"[^>]*>Allow<\/button>/);
      expect(res.text).toMatch(/<button[^>]*name="decision" value="deny"[^>]*>Deny<\/button>/);
      expect(res.text).toContain('<form method="post" action="/oauth/authorize">');
      expect(res.text).toContain('sends you back to <strong>app.example</strong>');
      // No copy of the request in the form: one opaque id of the request kept on the server.
      const fields = new Map(hiddenFields(res.text));
      expect([...fields.keys()].sort()).toEqual(['consent_id', 'csrf_token']);
      expect(fields.get('csrf_token')).toBeTruthy();
      expect(fields.get('consent_id')).toMatch(SECRET_VALUE);
    });

    it('Deny: 303 to the redirect URI with access_denied, state and iss; nothing is remembered', async () => {
      const browser = await signedIn('dan');
      const request = codeRequest(clients.web);
      const consent = await browser.get(request.path);
      expectErrorRedirect(await browser.answerConsent(consent.text, 'deny'), {
        status: 303,
        redirectUri: CB,
        error: 'access_denied',
        issuer: server.url,
        state: STATE,
      });
      const again = await browser.get(codeRequest(clients.web).path);
      expect(again.status).toBe(200);
      expect(again.text).toContain('wants to access your account');
    });

    it('Allow: 303 with code, state and iss; then the same or fewer scopes skip the page, more scopes show it again', async () => {
      const browser = await signedIn('erin');
      const consent = await browser.get(codeRequest(clients.web, { scope: 'read write' }).path);
      expect(consent.status).toBe(200);
      expectCodeRedirect(await browser.answerConsent(consent.text, 'allow'), {
        status: 303,
        redirectUri: CB,
        issuer: server.url,
        state: STATE,
      });

      for (const scope of ['read write', 'write read', 'write', undefined]) {
        expectCodeRedirect(await browser.get(codeRequest(clients.web, { scope }).path), {
          status: 302,
          redirectUri: CB,
          issuer: server.url,
          state: STATE,
        });
      }
      const wider = await browser.get(codeRequest(clients.web, { scope: 'read admin' }).path);
      expect(wider.status, wider.location ?? '').toBe(200);
      expect(wider.text).toContain('<span>admin</span>');

      // The consent is per app: another client asks again.
      expect((await browser.get(codeRequest(clients.other).path)).status).toBe(200);
      // And per user.
      expect((await (await signedIn('frank')).get(codeRequest(clients.web, { scope: 'read' }).path)).status).toBe(200);
    });

    it('a client created with --trusted never shows the consent page', async () => {
      const browser = await signedIn('gina');
      for (const scope of ['read', 'read write admin']) {
        expectCodeRedirect(await browser.get(codeRequest(clients.trusted, { scope }).path), {
          status: 302,
          redirectUri: TRUSTED_CB,
          issuer: server.url,
          state: STATE,
        });
      }
    });

    it('a consent form with no CSRF token, a token of another session or another form: 403, nothing issued', async () => {
      const browser = await signedIn('hugo');
      const consent = await browser.get(codeRequest(clients.web).path);
      expect(consent.status).toBe(200);
      const withToken = (token: string | null) => (fields: [string, string][]) =>
        token === null
          ? fields.filter(([name]) => name !== 'csrf_token')
          : fields.map(([name, value]): [string, string] => [name, name === 'csrf_token' ? token : value]);

      // Another session of the same user, in another browser.
      const elsewhere = await signedIn('hugo');
      const foreign = csrfTokenOf((await elsewhere.get(codeRequest(clients.web).path)).text);
      // Tokens of this very browser and session, but made for the sign-in and sign-out forms.
      const loginToken = (await browser.loginForm()).csrfToken;
      const logoutToken = csrfTokenOf((await browser.get('/logout')).text);

      for (const change of [
        withToken(null),
        withToken(foreign),
        withToken(loginToken),
        withToken(logoutToken),
        withToken(''),
      ]) {
        const res = await browser.answerConsent(consent.text, 'allow', change);
        expect(res.status, res.text).toBe(403);
        expect(res.location).toBeNull();
        expectPageHeaders(res);
      }
      // Nothing was remembered: the page is still shown.
      expect((await browser.get(codeRequest(clients.web).path)).status).toBe(200);

      // A token from before signing in again (the same browser, an older session) is refused too.
      await browser.signInOrFail('hugo', PASSWORD);
      const stale = await browser.answerConsent(consent.text, 'allow');
      expect(stale.status).toBe(403);
      // The fresh page's token works.
      const fresh = await browser.get(codeRequest(clients.web).path);
      expectCodeRedirect(await browser.answerConsent(fresh.text, 'allow'), {
        status: 303,
        redirectUri: CB,
        issuer: server.url,
        state: STATE,
      });
    });

    it('a decision other than allow or deny is a 400 page, not a redirect', async () => {
      const browser = await signedIn('kate');
      const consent = await browser.get(codeRequest(clients.limited).path);
      expect(consent.status).toBe(200);
      const res = await browser.answerConsent(consent.text, 'maybe');
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
      expectPageHeaders(res);
    });
  });

  describe('the implicit grant (client registered with --grant-type implicit)', () => {
    it('answers in the fragment: access_token, token_type, expires_in, scope, state, iss and no refresh token', async () => {
      const browser = await signedIn('alice');
      const request = codeRequest(clients.implicit, {
        response_type: 'token',
        scope: 'read write',
        code_challenge: undefined,
        code_challenge_method: undefined,
      });
      const consent = await browser.get(request.path);
      expect(consent.status, consent.location ?? '').toBe(200);
      // The response type is kept on the server with the request, not in the form.
      expect(hiddenField(consent.text, 'response_type')).toBeUndefined();
      const res = await browser.answerConsent(consent.text, 'allow');
      expect(res.status).toBe(303);
      const location = res.location ?? '';
      expect(location.startsWith(`${SPA_CB}#`), location).toBe(true);
      const params = responseParams(location, 'fragment');
      expect([...params.keys()].sort()).toEqual(['access_token', 'expires_in', 'iss', 'scope', 'state', 'token_type']);
      expect(params.get('access_token')).toMatch(OAUTH_VALUE);
      expect(params.get('token_type')).toBe('Bearer');
      expect(params.get('expires_in')).toBe('3600');
      expect(params.get('scope')).toBe('read write');
      expect(params.get('state')).toBe(STATE);
      expect(params.get('iss')).toBe(server.url);

      // Consent remembered: straight back, in the fragment again.
      const again = await browser.get(request.path);
      expect(again.status).toBe(302);
      expect(responseParams(again.location ?? '', 'fragment').get('access_token')).toMatch(OAUTH_VALUE);
    });

    it('errors go in the fragment too (invalid_scope, access_denied)', async () => {
      const browser = await signedIn('bob');
      expectErrorRedirect(
        await browser.get(codeRequest(clients.implicit, { response_type: 'token', scope: 'superuser' }).path),
        {
          status: 302,
          redirectUri: SPA_CB,
          error: 'invalid_scope',
          issuer: server.url,
          state: STATE,
          mode: 'fragment',
        },
      );
      const consent = await browser.get(codeRequest(clients.implicit, { response_type: 'token', scope: 'admin' }).path);
      expect(consent.status).toBe(200);
      expectErrorRedirect(await browser.answerConsent(consent.text, 'deny'), {
        status: 303,
        redirectUri: SPA_CB,
        error: 'access_denied',
        issuer: server.url,
        state: STATE,
        mode: 'fragment',
      });
    });
  });

  describe('page headers', () => {
    it('login, consent, signed-in, logout, error and CSRF pages: CSP, no framing, no referrer, no-store, no script', async () => {
      const browser = new HttpBrowser(server.url);
      const pages: BrowserResponse[] = [];
      pages.push((await browser.loginForm()).page);
      pages.push(await browser.get(codeRequest(clients.web, { client_id: 'unknown' }).path));
      pages.push(await browser.post('/login', { username: 'x', password: 'y' }));
      pages.push(await browser.signIn('alice', 'wrong password'));
      pages.push(await browser.get('/logout'));
      await browser.signInOrFail('alice', PASSWORD);
      pages.push(await browser.get('/login'));
      pages.push(await browser.get('/logout'));
      pages.push(await browser.get(codeRequest(clients.web, { scope: 'read write admin' }).path));
      pages.push(await browser.request('/oauth/authorize', { method: 'PUT' }));
      expect(pages.map((page) => page.status)).toEqual([200, 400, 403, 400, 200, 200, 200, 200, 405]);
      for (const page of pages) expectPageHeaders(page);
    });
  });

  describe('the code at the token endpoint', () => {
    it('confidential client: Basic + code + redirect_uri + code_verifier → access and refresh token', async () => {
      const browser = await signedIn('alice');
      const { code, verifier } = await obtainCode(browser, clients.web, { scope: 'read write' });
      const tokens = expectTokens(
        await codeExchange(server, clients.web, { code, redirect_uri: CB, code_verifier: verifier }),
        { scope: 'read write', refresh: true },
      );
      expect(tokens.refresh_token).not.toBe(tokens.access_token);
      expect(tokens.access_token).not.toBe(code);
    });

    it('replay: the second exchange is invalid_grant and the refresh token of the first is revoked', async () => {
      const browser = await signedIn('alice');
      const { code, verifier } = await obtainCode(browser, clients.web);
      const params = { code, redirect_uri: CB, code_verifier: verifier };
      const tokens = expectTokens(await codeExchange(server, clients.web, params), { scope: 'read', refresh: true });
      expectTokenError(await codeExchange(server, clients.web, params), 'invalid_grant');
      expectTokenError(
        await tokenRequest(
          server.url,
          { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
          { basic: [clients.web.client_id, clients.web.client_secret] },
        ),
        'invalid_grant',
      );
    });

    it('a wrong or missing code_verifier is invalid_grant', async () => {
      const browser = await signedIn('alice');
      const { code } = await obtainCode(browser, clients.web);
      expectTokenError(
        await codeExchange(server, clients.web, { code, redirect_uri: CB, code_verifier: pkcePair().verifier }),
        'invalid_grant',
      );
      expectTokenError(await codeExchange(server, clients.web, { code, redirect_uri: CB }), 'invalid_grant');
    });

    it('a redirect_uri different from the authorization request, or left out, is invalid_grant', async () => {
      const browser = await signedIn('alice');
      const first = await obtainCode(browser, clients.multi, { redirect_uri: MULTI_CB[0] });
      expectTokenError(
        await codeExchange(server, clients.multi, {
          code: first.code,
          redirect_uri: MULTI_CB[1]!,
          code_verifier: first.verifier,
        }),
        'invalid_grant',
      );
      const second = await obtainCode(browser, clients.multi, { redirect_uri: MULTI_CB[0] });
      expectTokenError(
        await codeExchange(server, clients.multi, { code: second.code, code_verifier: second.verifier }),
        'invalid_grant',
      );
      const third = await obtainCode(browser, clients.multi, { redirect_uri: MULTI_CB[0] });
      expectTokens(
        await codeExchange(server, clients.multi, {
          code: third.code,
          redirect_uri: MULTI_CB[0]!,
          code_verifier: third.verifier,
        }),
        { scope: 'read', refresh: true },
      );
    });

    it('when the authorization request named no redirect_uri, the exchange may leave it out too', async () => {
      const browser = await signedIn('alice');
      const { code, verifier } = await obtainCode(browser, clients.web, { redirect_uri: undefined });
      expectTokens(await codeExchange(server, clients.web, { code, code_verifier: verifier }), {
        scope: 'read',
        refresh: true,
      });
    });

    it('another client cannot redeem the code, and the owner still can', async () => {
      const browser = await signedIn('alice');
      const { code, verifier } = await obtainCode(browser, clients.web);
      expectTokenError(
        await codeExchange(server, clients.other, { code, redirect_uri: CB, code_verifier: verifier }),
        'invalid_grant',
      );
      expectTokens(await codeExchange(server, clients.web, { code, redirect_uri: CB, code_verifier: verifier }), {
        scope: 'read',
        refresh: true,
      });
    });

    it('PKCE downgrade (GATEHOUSE_REQUIRE_PKCE=false, no challenge, a verifier at the token endpoint) is invalid_grant', async () => {
      const browser = await signedIn('alice', legacyServer);
      const none = { code_challenge: undefined, code_challenge_method: undefined };
      const downgraded = await obtainCode(browser, clients.web, none, legacyServer.url);
      expectTokenError(
        await codeExchange(legacyServer, clients.web, {
          code: downgraded.code,
          redirect_uri: CB,
          code_verifier: downgraded.verifier,
        }),
        'invalid_grant',
      );
      // Without the verifier the legacy (PKCE-less) exchange works.
      const legacy = await obtainCode(browser, clients.web, none, legacyServer.url);
      expectTokens(await codeExchange(legacyServer, clients.web, { code: legacy.code, redirect_uri: CB }), {
        scope: 'read',
        refresh: true,
      });
    });

    it('an expired code (GATEHOUSE_AUTH_CODE_LIFETIME=1, used 2 s later) is invalid_grant', async () => {
      const browser = await signedIn('alice', shortCodeServer);
      // Issued and exchanged while the clock stands still: the lifetime is honoured, not zero.
      const fresh = await obtainCode(browser, clients.trusted, {}, shortCodeServer.url);
      expectTokens(
        await codeExchange(shortCodeServer, clients.trusted, {
          code: fresh.code,
          redirect_uri: TRUSTED_CB,
          code_verifier: fresh.verifier,
        }),
        {
          scope: 'read',
          refresh: true,
        },
      );

      const stale = await obtainCode(browser, clients.trusted, {}, shortCodeServer.url);
      clock.advance(2);
      expectTokenError(
        await codeExchange(shortCodeServer, clients.trusted, {
          code: stale.code,
          redirect_uri: TRUSTED_CB,
          code_verifier: stale.verifier,
        }),
        'invalid_grant',
      );
    });

    it('public client: client_id and code_verifier only, then a refresh with the client_id only', async () => {
      const browser = await signedIn('alice');
      const redirectUri = 'http://127.0.0.1:61000/cb';
      const { code, verifier } = await obtainCode(browser, clients.publicApp, { redirect_uri: redirectUri });
      const tokens = expectTokens(
        await tokenRequest(server.url, {
          grant_type: 'authorization_code',
          client_id: clients.publicApp.client_id,
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier,
        }),
        { scope: 'read', refresh: true },
      );
      const refreshed = expectTokens(
        await tokenRequest(server.url, {
          grant_type: 'refresh_token',
          client_id: clients.publicApp.client_id,
          refresh_token: tokens.refresh_token!,
        }),
        { scope: 'read', refresh: true },
      );
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    });
  });

  describe('signing out', () => {
    it('GET /logout shows a form; POST with the CSRF token clears the cookie and ends the session', async () => {
      const browser = await signedIn('alice');
      const session = browser.jar.get('gatehouse_session')!;
      const { path } = codeRequest(clients.trusted);
      expectCodeRedirect(await browser.get(path), {
        status: 302,
        redirectUri: TRUSTED_CB,
        issuer: server.url,
        state: STATE,
      });

      const page = await browser.get('/logout');
      expect(page.status).toBe(200);
      expectPageHeaders(page);
      expect(page.text).toContain('<form method="post" action="/logout">');
      expect(page.text).toContain('<strong>alice</strong>');

      // Without the token (a cross-site form): refused, still signed in.
      const forged = await browser.post('/logout', {});
      expect(forged.status).toBe(403);
      expect(forged.setCookies).toEqual([]);
      expectCodeRedirect(await browser.get(path), {
        status: 302,
        redirectUri: TRUSTED_CB,
        issuer: server.url,
        state: STATE,
      });

      const res = await browser.post('/logout', { csrf_token: csrfTokenOf(page.text) });
      expect(res.status).toBe(303);
      expect(res.location).toBe('/logout');
      const cleared = sessionCookieOf(res);
      expect(cleared?.value).toBe('');
      expect(cleared?.attributes.get('max-age')).toBe('0');
      expect(cleared?.attributes.get('path')).toBe('/');

      const after = await browser.get('/logout');
      expect(after.status).toBe(200);
      expect(after.text).toContain('You are signed out');
      // The old cookie, replayed by hand, no longer signs anyone in.
      expectLoginRedirect(await browser.get(path, { cookie: `gatehouse_session=${session}` }), 302);
    });
  });

  describe('malformed input never gives a 5xx', () => {
    it('a NUL character in the query or the form: 400 page, no redirect', async () => {
      const browser = await signedIn('alice');
      const { path } = codeRequest(clients.web);
      for (const res of [
        await browser.get(`${path}&nonce=a%00b`),
        await browser.get(path.replace('state=', 'state=%00')),
        await browser.post('/login', { username: 'alice\0', password: PASSWORD, csrf_token: 'x' }),
        await browser.post('/oauth/authorize', { client_id: clients.web.client_id, state: 'a\0b' }),
      ]) {
        expect(res.status, res.text).toBe(400);
        expect(res.location).toBeNull();
        expectPageHeaders(res);
      }
    });

    it('a huge state: echoed intact when it fits in a URL, a 4xx when the request line is too long', async () => {
      const browser = await signedIn('alice');
      const state = `${'é&= '.repeat(500)}end`;
      const res = await browser.get(codeRequest(clients.trusted, { state }).path);
      expectCodeRedirect(res, { status: 302, redirectUri: TRUSTED_CB, issuer: server.url, state });
      const huge = await browser.get(codeRequest(clients.trusted, { state: 'x'.repeat(200_000) }).path);
      expect(huge.status).toBeGreaterThanOrEqual(400);
      expect(huge.status).toBeLessThan(500);
      expect(huge.location).toBeNull();
    });

    it('invalid percent-encoding and odd parameters: a 4xx page or an error redirect', async () => {
      const browser = new HttpBrowser(server.url);
      const { path } = codeRequest(clients.web);
      for (const target of [
        '/oauth/authorize?%',
        '/oauth/authorize?client_id=%E0%A4%A&redirect_uri=%zz',
        `/oauth/authorize?client_id=${encodeURIComponent(clients.web.client_id)}%FF`,
        `${path}&scope=%C3%28`,
        '/oauth/authorize?&&&=&=x',
        `/login?return_to=%00`,
      ]) {
        const res = await browser.get(target);
        expect(res.status, target).toBeLessThan(500);
        expect([200, 302, 400], target).toContain(res.status);
        if (res.status === 302) expect(res.location!.startsWith(`${CB}?`), target).toBe(true);
      }
    });

    it('POST /login with a JSON body is a 400 page; POST /oauth/authorize without a body is a 400 page', async () => {
      const browser = new HttpBrowser(server.url);
      const { csrfToken } = await browser.loginForm();
      const json = await browser.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: PASSWORD, csrf_token: csrfToken }),
      });
      expect(json.status).toBe(400);
      expectPageHeaders(json);
      expect(json.setCookies.some((cookie) => cookie.name === 'gatehouse_session')).toBe(false);

      for (const init of [
        { method: 'POST' },
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'decision=allow' },
      ]) {
        const res = await browser.request('/oauth/authorize', init);
        expect(res.status, JSON.stringify(init)).toBe(400);
        expect(res.location).toBeNull();
        expectPageHeaders(res);
      }
    });

    it('POST /logout and POST /login with an empty or foreign body do not fail', async () => {
      const browser = new HttpBrowser(server.url);
      const logout = await browser.request('/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(logout.status).toBe(303);
      expect(logout.location).toBe('/logout');
      const login = await browser.request('/login', { method: 'POST' });
      expect(login.status).toBe(400);
      expectPageHeaders(login);
    });
  });
});
