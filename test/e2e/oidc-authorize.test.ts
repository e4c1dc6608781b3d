/**
 * OpenID Connect at the authorization endpoint, end to end through the browser pages (a
 * cookie-keeping HTTP client, redirects not followed): prompt, max_age, login_hint,
 * id_token_hint, claims, nonce, request objects, offline_access and single sign-on. ID tokens are
 * the token endpoint's; here the sign-in behind a grant is read from the stored OidcGrantRecord
 * (by the family of the code that came back).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IdTokenSigner } from '../../src/core/oidc/id-tokens.js';
import { tokenKey } from '../../src/core/secrets.js';
import type { OidcGrantRecord } from '../../src/core/ports.js';
import { describeEachEngine } from '../helpers/databases.js';
import {
  authorizePath,
  csrfTokenOf,
  hiddenField,
  HttpBrowser,
  pkcePair,
  type BrowserResponse,
} from '../helpers/browser-http.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const RP_CB = 'https://photos.example/cb';
const OTHER_CB = 'https://other.example/cb';
const TRUSTED_CB = 'https://console.example/cb';
const IMPLICIT_CB = 'https://spa.example/cb';
const STATE = 'state-1';

type Mode = 'query' | 'fragment';

function responseParams(location: string, mode: Mode = 'query'): URLSearchParams {
  const url = new URL(location);
  return mode === 'query' ? url.searchParams : new URLSearchParams(url.hash.slice(1));
}

describeEachEngine('OpenID Connect authorization requests (e2e)', (factory) => {
  let server: TestServer;
  let rp: CreatedClient;
  let other: CreatedClient;
  let trusted: CreatedClient;
  let implicit: CreatedClient;
  let userCount = 0;

  beforeAll(async () => {
    server = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'read offline_access' },
      config: { registration: { enabled: true, confirmation: false, token_ttl: 86_400 } },
    });
    [rp, other, trusted, implicit] = await Promise.all([
      server.createClient([
        '--name',
        'Photo Book',
        '--redirect-uri',
        RP_CB,
        '--scope',
        'openid profile email offline_access read',
      ]),
      server.createClient(['--name', 'Other App', '--redirect-uri', OTHER_CB, '--scope', 'openid profile read']),
      server.createClient([
        '--name',
        'Console',
        '--redirect-uri',
        TRUSTED_CB,
        '--trusted',
        '--scope',
        'openid offline_access',
      ]),
      server.createClient([
        '--name',
        'Spa',
        '--grant-type',
        'implicit',
        '--redirect-uri',
        IMPLICIT_CB,
        '--scope',
        'openid read offline_access',
      ]),
    ]);
  });

  afterAll(() => server?.close());

  /** A user of its own for one test (consent is remembered per user and client). */
  async function newUser(): Promise<{ username: string; id: string }> {
    const username = `oidc${++userCount}`;
    await server.createUser(username, `${username}@example.com`, PASSWORD);
    const user = await server.store.findUserByLogin(username);
    return { username, id: user!.id };
  }

  async function signedIn(username: string): Promise<HttpBrowser> {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail(username, PASSWORD);
    return browser;
  }

  function codeRequest(client: CreatedClient, extra: Record<string, string | undefined> = {}): string {
    return authorizePath({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0],
      scope: 'openid',
      state: STATE,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
  }

  /** An error at the client's redirect URI with state and iss (RFC 9207), no code. */
  function expectError(res: BrowserResponse, client: CreatedClient, error: string, mode: Mode = 'query') {
    expect(res.status, res.text).toBe(302);
    const location = res.location ?? '';
    expect(location.startsWith(client.redirect_uris[0]!), location).toBe(true);
    const params = responseParams(location, mode);
    expect(params.get('error'), location).toBe(error);
    expect(params.get('state')).toBe(STATE);
    expect(params.get('iss')).toBe(server.config.issuer);
    expect(params.has('code')).toBe(false);
    return params;
  }

  /** A code at the client's redirect URI; returns the OidcGrantRecord saved with it. */
  async function expectCodeWithGrant(res: BrowserResponse, client: CreatedClient): Promise<OidcGrantRecord> {
    // 302 from GET /oauth/authorize, 303 from the consent form.
    expect([302, 303], res.text).toContain(res.status);
    const location = res.location ?? '';
    expect(location.startsWith(`${client.redirect_uris[0]}?`), location).toBe(true);
    const code = responseParams(location).get('code');
    expect(code).toBeTruthy();
    const stored = await server.store.findAuthorizationCode(tokenKey(code!));
    const grant = await server.store.oidcGrants.findOidcGrant(stored!.familyId);
    expect(grant).not.toBeNull();
    return grant!;
  }

  /** The consent page's scope items as the user reads them. */
  function consentItems(page: string): string[] {
    return [...page.matchAll(/<li>[\s\S]*?<span>([^<]*)<\/span>(?:<code>([^<]*)<\/code>)?/g)].map(
      (match) => `${match[1]}${match[2] ? ` [${match[2]}]` : ''}`,
    );
  }

  async function allow(browser: HttpBrowser, page: BrowserResponse): Promise<BrowserResponse> {
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('name="consent_id"');
    return browser.answerConsent(page.text, 'allow');
  }

  /** Signs in, allows the client once (openid), and returns the browser and the first grant. */
  async function consentedOnce(client = rp, scope = 'openid') {
    const user = await newUser();
    const browser = await signedIn(user.username);
    const answer = await allow(browser, await browser.get(codeRequest(client, { scope })));
    expect(answer.status).toBe(303);
    const code = responseParams(answer.location!).get('code')!;
    const stored = await server.store.findAuthorizationCode(tokenKey(code));
    const grant = (await server.store.oidcGrants.findOidcGrant(stored!.familyId))!;
    return { user, browser, grant };
  }

  it('display, ui_locales, claims_locales, acr_values, scopes in any order and an unknown parameter are accepted: a code as usual (conformance: Basic OP)', async () => {
    const { browser } = await consentedOnce(rp, 'openid email');
    for (const extra of [
      { display: 'page' },
      { display: 'popup' },
      { ui_locales: 'fr-CA fr en' },
      { claims_locales: 'de' },
      { acr_values: 'urn:mace:incommon:iap:silver' },
      { scope: 'email openid' },
      { extra_parameter_from_the_future: 'x' },
    ]) {
      const grant = await expectCodeWithGrant(await browser.get(codeRequest(rp, { prompt: 'none', ...extra })), rp);
      expect(grant.clientId, JSON.stringify(extra)).toBe(rp.client_id);
    }
  });

  // --- prompt=none ------------------------------------------------------------------

  it('prompt=none without a session: login_required at the redirect URI, no page', async () => {
    const browser = new HttpBrowser(server.url);
    expectError(await browser.get(codeRequest(rp, { prompt: 'none' })), rp, 'login_required');
  });

  it('prompt=none with a session but no consent yet: consent_required; once allowed, a code without any page', async () => {
    const user = await newUser();
    const browser = await signedIn(user.username);
    expectError(await browser.get(codeRequest(rp, { prompt: 'none' })), rp, 'consent_required');
    await allow(browser, await browser.get(codeRequest(rp)));
    const grant = await expectCodeWithGrant(
      await browser.get(codeRequest(rp, { prompt: 'none', nonce: 'n-0S6_WzA2Mj' })),
      rp,
    );
    const session = (await server.store.findSessionsBySid(grant.sid))[0];
    expect(session?.userId).toBe(user.id);
    expect(grant).toMatchObject({ clientId: rp.client_id, userId: user.id, amr: ['pwd'], nonce: 'n-0S6_WzA2Mj' });
    expect(grant.offline).toBe(false);
  });

  it('prompt=none when max_age has passed: login_required', async () => {
    const { browser } = await consentedOnce();
    server.clock.advance(120);
    expectError(await browser.get(codeRequest(rp, { prompt: 'none', max_age: '60' })), rp, 'login_required');
    await expectCodeWithGrant(await browser.get(codeRequest(rp, { prompt: 'none', max_age: '600' })), rp);
  });

  it('prompt=none with an id_token_hint of another user than the session’s: login_required', async () => {
    const { browser } = await consentedOnce();
    const someoneElse = await newUser();
    const hint = await idTokenFor(rp, someoneElse.id);
    expectError(await browser.get(codeRequest(rp, { prompt: 'none', id_token_hint: hint })), rp, 'login_required');
  });

  // --- re-authentication -------------------------------------------------------------

  /** Follows the re-authentication: the sign-in page for the session's user, then the request again. */
  async function reauthenticate(browser: HttpBrowser, res: BrowserResponse, username: string) {
    expect(res.status, res.text).toBe(302);
    const location = new URL(res.location!, server.url);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('reauthenticate')).toBe('1');
    const returnTo = location.searchParams.get('return_to')!;
    expect(returnTo).toMatch(/^\/oauth\/authorize\?pending=/);
    const page = await browser.get(`${location.pathname}${location.search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Sign in again</h1>');
    expect(page.text).toContain('to continue to <strong>Photo Book</strong>');
    expect(page.text).toMatch(new RegExp(`name="username" type="text" value="${username}"[^>]*readonly`));
    expect(page.text).toContain(`href="/logout?return_to=${encodeURIComponent(returnTo).replace(/&/g, '&amp;')}"`);
    // Without a new password the request is asked again, never answered.
    server.clock.advance(1);
    const skipped = await browser.get(returnTo);
    expect(new URL(skipped.location!, server.url).searchParams.get('reauthenticate')).toBe('1');
    const posted = await browser.post('/login', {
      csrf_token: csrfTokenOf(page.text),
      return_to: returnTo,
      username,
      password: PASSWORD,
    });
    expect(posted.status, posted.text).toBe(303);
    expect(posted.location).toBe(returnTo);
    // With the link it answered, for tests that replay it.
    return Object.assign(await browser.get(returnTo), { resumedFrom: returnTo });
  }

  it('prompt=login signs the same user in again: same sid, new auth_time; the resumed request does not ask again', async () => {
    const { user, browser, grant: first } = await consentedOnce();
    server.clock.advance(100);
    const res = await browser.get(codeRequest(rp, { prompt: 'login' }));
    const resumed = await reauthenticate(browser, res, user.username);
    const second = await expectCodeWithGrant(resumed, rp);
    expect(second.sid).toBe(first.sid);
    expect(second.authTime).toBe(first.authTime + 101);
    // The session carries the new sign-in: without prompt=login nothing is asked.
    const third = await expectCodeWithGrant(await browser.get(codeRequest(rp)), rp);
    expect(third.authTime).toBe(second.authTime);
  });

  it('max_age=0 always asks for the password again, even right after signing in', async () => {
    const { user, browser, grant: first } = await consentedOnce();
    // (A sign-in in the very second the request arrives would answer it: auth_time has whole seconds.)
    server.clock.advance(1);
    const res = await browser.get(codeRequest(rp, { max_age: '0' }));
    const resumed = await reauthenticate(browser, res, user.username);
    const second = await expectCodeWithGrant(resumed, rp);
    expect(second.sid).toBe(first.sid);
    expect(second.authTime).toBeGreaterThan(first.authTime);
    // Attacker (or a back button): the resumed link again, later, answers nothing: no second code
    // for the same nonce, no re-authentication skipped.
    server.clock.advance(5);
    const replay = await browser.get(resumed.resumedFrom);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('This sign-in link has expired');
  });

  it('max_age within the sign-in’s age: no page; beyond it: sign in again', async () => {
    const { user, browser } = await consentedOnce();
    server.clock.advance(300);
    await expectCodeWithGrant(await browser.get(codeRequest(rp, { max_age: '301' })), rp);
    const res = await browser.get(codeRequest(rp, { max_age: '299' }));
    await expectCodeWithGrant(await reauthenticate(browser, res, user.username), rp);
  });

  it('a wrong password on the re-authentication page shows it again for the same user, nothing issued', async () => {
    const { user, browser } = await consentedOnce();
    const res = await browser.get(codeRequest(rp, { prompt: 'login' }));
    const location = new URL(res.location!, server.url);
    const page = await browser.get(`${location.pathname}${location.search}`);
    const wrong = await browser.post('/login', {
      csrf_token: csrfTokenOf(page.text),
      return_to: location.searchParams.get('return_to')!,
      username: user.username,
      password: 'not the password',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('<h1>Sign in again</h1>');
    expect(wrong.text).toMatch(new RegExp(`value="${user.username}"[^>]*readonly`));
  });

  it('"Not you?" on the re-authentication page: another user signs in and the same request goes on for them, in a new session', async () => {
    const { browser, grant: first } = await consentedOnce();
    const someoneElse = await newUser();
    const res = await browser.get(codeRequest(rp, { prompt: 'login' }));
    const returnTo = new URL(res.location!, server.url).searchParams.get('return_to')!;
    const signOutPage = await browser.get(`/logout?return_to=${encodeURIComponent(returnTo)}`);
    const signedOut = await browser.post('/logout', { csrf_token: csrfTokenOf(signOutPage.text), return_to: returnTo });
    expect(signedOut.location).toBe(`/login?return_to=${encodeURIComponent(returnTo)}`);
    server.clock.advance(1);
    const signedIn = await browser.signInOrFail(someoneElse.username, PASSWORD, returnTo);
    expect(signedIn.location).toBe(returnTo);
    const grant = await expectCodeWithGrant(await allow(browser, await browser.get(returnTo)), rp);
    expect(grant.userId).toBe(someoneElse.id);
    expect(grant.sid).not.toBe(first.sid);
  });

  // --- login_hint --------------------------------------------------------------------

  /** The sign-in page the request leads a signed-out browser to. */
  async function signInPageFor(browser: HttpBrowser, path: string): Promise<string> {
    const res = await browser.get(path);
    expect(res.status, res.text).toBe(302);
    expect(res.location).toMatch(/^\/login\?return_to=/);
    const page = await browser.get(res.location!);
    expect(page.status).toBe(200);
    return page.text;
  }

  it('login_hint pre-fills the username of the sign-in page; only for an openid request', async () => {
    const browser = new HttpBrowser(server.url);
    const page = await signInPageFor(browser, codeRequest(rp, { login_hint: 'ada@example.com' }));
    expect(page).toMatch(/id="username" name="username" type="text" value="ada@example\.com"/);
    const oauth = await signInPageFor(browser, codeRequest(rp, { scope: 'read', login_hint: 'ada@example.com' }));
    expect(oauth).toMatch(/id="username" name="username" type="text" value=""/);
  });

  it('attacker: a login_hint with markup is escaped, never markup', async () => {
    const browser = new HttpBrowser(server.url);
    const hint = '"><script>alert(1)</script><input value="';
    const page = await signInPageFor(browser, codeRequest(rp, { login_hint: hint }));
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;input value=&quot;"');
  });

  // --- parameter checks -----------------------------------------------------------------

  it('malformed claims, prompt and max_age are invalid_request at the redirect URI', async () => {
    const browser = await signedIn((await newUser()).username);
    for (const extra of [
      { claims: '{not json' },
      { claims: '["id_token"]' },
      { claims: '{"id_token":{"email":{"essential":"yes"}}}' },
      { prompt: 'none login' },
      { prompt: 'select_account' },
      { max_age: '-1' },
      { max_age: 'soon' },
      { display: 'fullscreen' },
      { nonce: 'n'.repeat(256) },
      { login_hint: 'a'.repeat(321) },
    ]) {
      const res = await browser.get(codeRequest(rp, extra));
      expect(res.status, JSON.stringify(extra)).toBe(302);
      expectError(res, rp, 'invalid_request');
    }
  });

  it('a claims request is kept with the grant, as sent', async () => {
    const { browser } = await consentedOnce();
    const claims = JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { name: null } });
    const grant = await expectCodeWithGrant(await browser.get(codeRequest(rp, { claims, nonce: 'abc' })), rp);
    expect(grant.claims).toBe(claims);
    expect(grant.nonce).toBe('abc');
  });

  it('request, request_uri and registration: their own error codes (Core 6.1, 6.2, 7.2.1); an OAuth request ignores them as before', async () => {
    const browser = new HttpBrowser(server.url);
    expectError(
      await browser.get(codeRequest(rp, { request: 'eyJhbGciOiJub25lIn0.e30.' })),
      rp,
      'request_not_supported',
    );
    expectError(
      await browser.get(codeRequest(rp, { request_uri: 'https://photos.example/r/1' })),
      rp,
      'request_uri_not_supported',
    );
    expectError(await browser.get(codeRequest(rp, { registration: '{}' })), rp, 'registration_not_supported');
    const oauth = await browser.get(codeRequest(rp, { scope: 'read', request: 'x', prompt: 'none' }));
    expect(oauth.location).toMatch(/^\/login\?return_to=/);
  });

  it('response_type=token with openid needs a nonce; offline_access is dropped from an implicit response (Core 11)', async () => {
    const browser = await signedIn((await newUser()).username);
    const implicitRequest = (extra: Record<string, string>) =>
      authorizePath({
        response_type: 'token',
        client_id: implicit.client_id,
        redirect_uri: IMPLICIT_CB,
        state: STATE,
        ...extra,
      });
    expectError(await browser.get(implicitRequest({ scope: 'openid read' })), implicit, 'invalid_request', 'fragment');
    const consent = await browser.get(implicitRequest({ scope: 'openid read offline_access', nonce: 'n1' }));
    expect(consentItems(consent.text)).not.toContain(expect.stringContaining('offline_access'));
    const answer = await browser.answerConsent(consent.text, 'allow');
    expect(responseParams(answer.location!, 'fragment').get('scope')).toBe('openid read');
  });

  it('repeated OpenID parameters are refused', async () => {
    const browser = await signedIn((await newUser()).username);
    for (const name of ['nonce', 'prompt', 'max_age', 'claims', 'login_hint', 'id_token_hint']) {
      const path = `${codeRequest(rp)}&${name}=a&${name}=b`;
      expectError(await browser.get(path), rp, 'invalid_request');
    }
  });

  // --- id_token_hint ------------------------------------------------------------------

  /** An ID token of this server (or one claiming another issuer) for `client` and the user. */
  async function idTokenFor(client: CreatedClient, userId: string, issuer = server.config.issuer): Promise<string> {
    const signer = new IdTokenSigner(server.gatehouse.keys!, server.clock, { issuer, lifetime: 300 });
    return signer.idToken({
      client: { id: client.client_id },
      subject: server.gatehouse.subjects.of({ redirectUris: client.redirect_uris }, userId),
      grant: { authTime: server.clock.now(), sid: 'sid-1', amr: ['pwd'], acr: null },
    });
  }

  it('id_token_hint: ours for this client and the session’s user is accepted (even expired); another client’s, a bad signature or a foreign iss is invalid_request', async () => {
    const { user, browser } = await consentedOnce();
    const own = await idTokenFor(rp, user.id);
    server.clock.advance(3600);
    await expectCodeWithGrant(await browser.get(codeRequest(rp, { id_token_hint: own })), rp);
    const [header, payload] = own.split('.');
    const otherSignature = (await idTokenFor(rp, (await newUser()).id)).split('.')[2];
    for (const hint of [
      await idTokenFor(other, user.id),
      `${header}.${payload}.${otherSignature}`,
      await idTokenFor(rp, user.id, 'https://evil.example'),
      'not-a-jwt',
    ]) {
      expectError(await browser.get(codeRequest(rp, { id_token_hint: hint })), rp, 'invalid_request');
    }
  });

  // --- consent: prompt=consent, offline_access ---------------------------------------

  it('offline_access is asked for on the consent page and named, even for a trusted client; remembered once allowed', async () => {
    const user = await newUser();
    const browser = await signedIn(user.username);
    // A trusted client asks nothing for openid alone…
    await expectCodeWithGrant(await browser.get(codeRequest(trusted)), trusted);
    // …but offline_access needs the user's explicit consent.
    const page = await browser.get(codeRequest(trusted, { scope: 'openid offline_access' }));
    expect(consentItems(page.text)).toEqual([
      'Sign you in with your account [openid]',
      'Keep access when you are not using the app (until you revoke it) [offline_access]',
    ]);
    const answer = await allow(browser, page);
    const code = responseParams(answer.location!).get('code')!;
    const stored = await server.store.findAuthorizationCode(tokenKey(code));
    expect((await server.store.oidcGrants.findOidcGrant(stored!.familyId))?.offline).toBe(true);
    const again = await expectCodeWithGrant(
      await browser.get(codeRequest(trusted, { scope: 'openid offline_access' })),
      trusted,
    );
    expect(again.offline).toBe(true);
  });

  it('offline_access for a client not registered for it is invalid_scope', async () => {
    const browser = await signedIn((await newUser()).username);
    expectError(await browser.get(codeRequest(other, { scope: 'openid offline_access' })), other, 'invalid_scope');
  });

  it('prompt=consent shows the consent page even for a trusted client or a remembered consent', async () => {
    const { browser } = await consentedOnce();
    expect((await browser.get(codeRequest(rp, { prompt: 'consent' }))).text).toContain('name="consent_id"');
    expect((await browser.get(codeRequest(trusted, { prompt: 'consent' }))).text).toContain('name="consent_id"');
  });

  // --- single sign-on, prompt=create ------------------------------------------------------

  it('single sign-on: a second client’s request with a live session shows no sign-in page; both grants name the same sid', async () => {
    const { browser, grant: first } = await consentedOnce(rp);
    const page = await browser.get(codeRequest(other));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Other App');
    const answer = await allow(browser, page);
    const code = responseParams(answer.location!).get('code')!;
    const stored = await server.store.findAuthorizationCode(tokenKey(code));
    const second = await server.store.oidcGrants.findOidcGrant(stored!.familyId);
    expect(second).toMatchObject({ sid: first.sid, authTime: first.authTime, clientId: other.client_id });
  });

  it('prompt=create opens the sign-up page; after signing up the request goes on', async () => {
    const browser = new HttpBrowser(server.url);
    const res = await browser.get(codeRequest(rp, { prompt: 'create' }));
    expect(res.location).toMatch(/^\/register\?return_to=/);
    const page = await browser.get(res.location!);
    const returnTo = hiddenField(page.text, 'return_to')!;
    expect(returnTo).toMatch(/^\/oauth\/authorize\?pending=/);
    const username = `created${++userCount}`;
    const registered = await browser.post('/register', {
      csrf_token: csrfTokenOf(page.text),
      return_to: returnTo,
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
      password_again: PASSWORD,
    });
    expect(registered.status, registered.text).toBe(303);
    expect(registered.location).toBe(returnTo);
    const consent = await browser.get(returnTo);
    expect(consent.text).toContain('Photo Book');
    await expectCodeWithGrant(await allow(browser, consent), rp);
  });

  it('an authorization request sent by POST (Core 3.1.2.1) is the same request by GET; it decides nothing', async () => {
    const { browser } = await consentedOnce();
    const query = codeRequest(rp, { nonce: 'by-post', resource: undefined }).split('?')[1]!;
    const posted = await browser.post('/oauth/authorize', [...new URLSearchParams(query)]);
    expect(posted.status, posted.text).toBe(303);
    expect(posted.location).toBe(`/oauth/authorize?${query}`);
    const grant = await expectCodeWithGrant(await browser.get(posted.location!), rp);
    expect(grant.nonce).toBe('by-post');
    // A request that also says decision=allow is a consent answer without its form: refused.
    const forged = await browser.post('/oauth/authorize', [...new URLSearchParams(query), ['decision', 'allow']]);
    expect(forged.status).toBe(400);
    expect(forged.location).toBeNull();
  });

  it('attacker: a forged pending id or consent id answers nothing', async () => {
    const browser = await signedIn((await newUser()).username);
    const forged = await browser.get(`/oauth/authorize?pending=${'A'.repeat(43)}`);
    expect(forged.status).toBe(400);
    expect(forged.location).toBeNull();
    const page = await browser.get(codeRequest(rp, { prompt: 'consent' }));
    const answer = await browser.answerConsent(page.text, 'allow', (fields) =>
      fields.map(([name, value]) => [name, name === 'consent_id' ? 'B'.repeat(43) : value]),
    );
    expect(answer.status).toBe(400);
    expect(answer.location).toBeNull();
  });
});

describeEachEngine('OpenID prompt=create with e-mail confirmation, and with sign-up closed (e2e)', (factory) => {
  let mail: MailServer;
  let open: TestServer;
  let closed: TestServer;
  let openClient: CreatedClient;
  let closedClient: CreatedClient;

  beforeAll(async () => {
    mail = await startMailServer();
    [open, closed] = await Promise.all([
      startTestServer({
        engine: factory.engine,
        env: { GATEHOUSE_REGISTRATION_ENABLED: 'true', GATEHOUSE_MAIL_URL: mail.url },
      }),
      startTestServer({ engine: factory.engine }),
    ]);
    [openClient, closedClient] = await Promise.all([
      open.createClient(['--name', 'Photo Book', '--redirect-uri', RP_CB, '--scope', 'openid']),
      closed.createClient(['--name', 'Photo Book', '--redirect-uri', RP_CB, '--scope', 'openid']),
    ]);
  });

  afterAll(async () => {
    await Promise.all([open?.close(), closed?.close()]);
    await mail?.close();
  });

  const request = (client: CreatedClient) =>
    authorizePath({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: RP_CB,
      scope: 'openid',
      state: STATE,
      prompt: 'create',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });

  it('sign up, confirm the e-mail, come back: the pending request goes on to the consent page', async () => {
    const browser = new HttpBrowser(open.url);
    const start = await browser.get(request(openClient));
    expect(start.location).toMatch(/^\/register\?return_to=/);
    const returnTo = new URL(start.location!, open.url).searchParams.get('return_to')!;
    const form = await browser.get(start.location!);
    const signedUp = await browser.post('/register', {
      csrf_token: csrfTokenOf(form.text),
      return_to: returnTo,
      username: 'maya',
      email: 'maya@example.com',
      password: PASSWORD,
      password_again: PASSWORD,
    });
    expect(signedUp.status, signedUp.text).toBe(303);
    expect(signedUp.location).toBe(`/register/sent?return_to=${encodeURIComponent(returnTo)}`);
    const sent = await browser.get(signedUp.location!);
    const back = `/login?return_to=${encodeURIComponent(returnTo)}`;
    expect(sent.text).toContain(`href="${back}"`);

    // The link from the e-mail, in the same browser: confirmed and signed in.
    const link = new URL(linkIn(await mail.waitFor('maya@example.com'), '/register/confirm'));
    const confirmPage = await browser.get(`${link.pathname}${link.search}`);
    const confirmed = await browser.post('/register/confirm', {
      csrf_token: csrfTokenOf(confirmPage.text),
      token: link.searchParams.get('token')!,
      password: PASSWORD,
    });
    expect(confirmed.status, confirmed.text).toBe(303);

    // "Back to sign in" on the first tab: the session answers it, and the request resumes.
    const resumed = await browser.get(back);
    expect(resumed.location).toBe(returnTo);
    const consent = await browser.get(returnTo);
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('name="consent_id"');
    expect(consent.text).toContain('Photo Book');
  });

  it('offline_access where supported_scopes does not list it: invalid_scope, even for a client registered for every scope', async () => {
    const anyScope = await closed.createClient(['--name', 'Any Scope', '--redirect-uri', RP_CB]);
    expect(anyScope.scope).toBeNull();
    const browser = new HttpBrowser(closed.url);
    const path = (scope: string) =>
      authorizePath({
        response_type: 'code',
        client_id: anyScope.client_id,
        redirect_uri: RP_CB,
        scope,
        state: STATE,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      });
    const refused = await browser.get(path('openid offline_access'));
    expect(new URL(refused.location!).searchParams.get('error')).toBe('invalid_scope');
    expect((await browser.get(path('openid email'))).location).toMatch(/^\/login\?return_to=/);
  });

  it('sign-up closed: prompt=create is the sign-in page', async () => {
    const browser = new HttpBrowser(closed.url);
    expect((await browser.get(request(closedClient))).location).toMatch(/^\/login\?return_to=/);
  });
});
