/**
 * RP-Initiated Logout 1.0 over HTTP on both engines: the end_session_endpoint (GET and POST
 * /oauth/logout), its checks (id_token_hint ours, expired accepted; client_id its audience;
 * post_logout_redirect_uri registered, exactly), the confirmation page (Sign out / Cancel) and
 * the attacker's cases: a third-party page cannot sign the user out without the click, a form
 * without the session's CSRF token or with another session's ends nothing, a used logout id is
 * refused.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hiddenField, HttpBrowser } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import { createOidcClient, idTokenFor, sessionOf, signedInBrowser } from '../harness/logout.js';
import type { ClientRecord } from '../../src/core/ports.js';

const BYE = 'https://notes.example/signed-out';

describeEachEngine('RP-Initiated Logout: the end-session endpoint (e2e)', (factory) => {
  let fx: TestServer;
  let notes: ClientRecord;
  let other: ClientRecord;

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine });
    notes = await createOidcClient(fx, { postLogoutRedirectUris: [BYE, 'https://notes.example/other'] });
    other = await createOidcClient(
      fx,
      { postLogoutRedirectUris: ['https://evil.example/bye'] },
      { name: 'Other App', redirectUris: ['https://evil.example/cb'] },
    );
  });

  afterAll(async () => {
    await fx?.close();
  });

  const logoutPath = (params: Record<string, string>) => `/oauth/logout?${new URLSearchParams(params)}`;

  /** Answers the confirmation page with its hidden fields (csrf_token, logout_id) and the button's decision. */
  const answer = (browser: HttpBrowser, page: string, decision: 'signout' | 'cancel') =>
    browser.post('/oauth/logout/confirm', [
      ['csrf_token', hiddenField(page, 'csrf_token')!],
      ['logout_id', hiddenField(page, 'logout_id')!],
      ['decision', decision],
    ]);

  it('a valid hint: the confirmation page names the app; Sign out ends the session and redirects (303) with state', async () => {
    const { browser, session, username } = await signedInBrowser(fx);
    const hint = await idTokenFor(fx, notes, session);
    const page = await browser.get(
      logoutPath({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: 'xyz é&', ui_locales: 'en' }),
    );
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sign out of Gatehouse?');
    expect(page.text).toContain('<strong>Acme Notes</strong>');
    expect(page.text).toContain(username);
    expect(page.text).not.toContain('another account or session');
    // The form carries the opaque id and the CSRF token only: no copy of the request.
    const form = /<form[\s\S]*?<\/form>/.exec(page.text)![0];
    expect(form).not.toContain('notes.example');
    expect(form).not.toContain('xyz');
    expect(await sessionOf(fx, browser)).not.toBeNull();

    const out = await answer(browser, page.text, 'signout');
    expect(out.status).toBe(303);
    expect(out.location).toBe(`${BYE}?state=xyz+%C3%A9%26`);
    expect(await fx.store.findSession(session.idHash)).toBeNull();
    expect(out.setCookies.some((cookie) => cookie.name === 'gatehouse_session' && cookie.value === '')).toBe(true);
  });

  it('POST is the same request by GET: a cookieless cross-site post never answers the app "signed out"', async () => {
    const { browser, session } = await signedInBrowser(fx);
    // A third-party page's form post arrives without the session cookie (SameSite=Lax): answered
    // there, it would redirect to the app with state while the user stays signed in.
    const params = { client_id: notes.id, post_logout_redirect_uri: BYE, state: 's1' };
    const crossSite = await fetch(`${fx.url}/oauth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
      redirect: 'manual',
    });
    expect(crossSite.status).toBe(303);
    const location = crossSite.headers.get('location')!;
    expect(location.startsWith('/oauth/logout?')).toBe(true);
    expect(Object.fromEntries(new URL(location, fx.url).searchParams)).toEqual(params);
    // The browser follows it as a top-level GET, with its cookie: the confirmation page.
    const confirm = await browser.get(location);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Sign out of Gatehouse?');
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();
    const signedOut = await answer(browser, confirm.text, 'signout');
    expect(signedOut.location).toBe(`${BYE}?state=s1`);
  });

  it('without post_logout_redirect_uri the signed-out page is shown', async () => {
    const { browser, session } = await signedInBrowser(fx);
    const page = await browser.get(logoutPath({ client_id: notes.id }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<strong>Acme Notes</strong>');
    const out = await answer(browser, page.text, 'signout');
    expect(out.status).toBe(200);
    expect(out.text).toContain('You are signed out');
    expect(await fx.store.findSession(session.idHash)).toBeNull();
  });

  it('an expired hint of ours is accepted', async () => {
    const { browser, session } = await signedInBrowser(fx);
    const hint = await idTokenFor(fx, notes, session);
    fx.clock.advance(fx.config.oidc.id_token_lifetime + 600);
    const page = await browser.get(logoutPath({ id_token_hint: hint, post_logout_redirect_uri: BYE }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sign out of Gatehouse?');
  });

  it('a hint with a bad signature, a foreign iss, or aud other than client_id: an error page, no redirect', async () => {
    const { browser, session } = await signedInBrowser(fx);
    const hint = await idTokenFor(fx, notes, session);
    const [header, payload, signature] = hint.split('.');
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    const { privateKey } = await generateKeyPair('RS256');
    const foreignKey = await new SignJWT({ sub: session.userId })
      .setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(header!, 'base64url').toString()).kid })
      .setIssuer(fx.config.issuer)
      .setAudience(notes.id)
      .setIssuedAt(fx.clock.now())
      .setExpirationTime(fx.clock.now() + 600)
      .sign(privateKey);
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${signature}`;
    const cases: Array<[string, Record<string, string>]> = [
      ['bad signature', { id_token_hint: `${header}.${payload}.${flipped}`, post_logout_redirect_uri: BYE }],
      ['tampered payload', { id_token_hint: tampered, post_logout_redirect_uri: BYE }],
      ['signed by another key', { id_token_hint: foreignKey, post_logout_redirect_uri: BYE }],
      ['aud is not client_id', { id_token_hint: hint, client_id: other.id, post_logout_redirect_uri: BYE }],
    ];
    // A foreign issuer, signed by our own key (so only iss is wrong).
    const foreignIss = await fx.gatehouse.keys!.signingKey('RS256');
    cases.push([
      'foreign iss',
      {
        id_token_hint: await new SignJWT({ sub: session.userId, sid: session.sid })
          .setProtectedHeader({ alg: 'RS256', kid: foreignIss.kid, typ: 'JWT' })
          .setIssuer('https://elsewhere.example')
          .setAudience(notes.id)
          .setIssuedAt(fx.clock.now())
          .setExpirationTime(fx.clock.now() + 600)
          .sign(foreignIss.privateKey),
        post_logout_redirect_uri: BYE,
      },
    ]);
    // A signed userinfo answer (ours, typ JWT, one aud, a sub) is not an ID token: a resource
    // server holding an access token could have it signed.
    cases.push([
      'signed userinfo',
      {
        id_token_hint: await fx.gatehouse.idTokens!.userinfo(notes, 'RS256', { sub: session.userId }),
        post_logout_redirect_uri: BYE,
      },
    ]);
    for (const [name, params] of cases) {
      const res = await browser.get(logoutPath(params));
      expect({ name, status: res.status, location: res.location }).toEqual({ name, status: 400, location: null });
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).not.toContain('logout_id');
    }
    expect(await sessionOf(fx, browser)).not.toBeNull();
  });

  it('an unregistered post_logout_redirect_uri is an error page, never a redirect, signed in or not', async () => {
    const { browser, session } = await signedInBrowser(fx);
    const hint = await idTokenFor(fx, notes, session);
    const signedOut = new HttpBrowser(fx.url);
    const cases: Record<string, string>[] = [
      { id_token_hint: hint, post_logout_redirect_uri: 'https://evil.example/bye' },
      { client_id: notes.id, post_logout_redirect_uri: `${BYE}/` },
      { client_id: notes.id, post_logout_redirect_uri: `${BYE}?x=1` },
      // Another client's registered URI, with this client named.
      { client_id: notes.id, post_logout_redirect_uri: 'https://evil.example/bye' },
      // No client to check it against.
      { post_logout_redirect_uri: BYE },
      { client_id: 'no-such-client', post_logout_redirect_uri: BYE },
    ];
    for (const params of cases) {
      for (const who of [browser, signedOut]) {
        const res = await who.get(logoutPath(params));
        expect({ params, status: res.status, location: res.location }).toEqual({ params, status: 400, location: null });
      }
    }
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();
  });

  it('repeated parameters are refused', async () => {
    const { browser } = await signedInBrowser(fx);
    const res = await browser.get(
      `/oauth/logout?client_id=${notes.id}&post_logout_redirect_uri=${encodeURIComponent(BYE)}&state=a&state=b`,
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('parameter repeated: state');
    const posted = await browser.post('/oauth/logout', [
      ['client_id', notes.id],
      ['client_id', other.id],
    ]);
    expect(posted.status).toBe(400);
  });

  it('without a session: straight to the validated post_logout_redirect_uri with state, or the signed-out page', async () => {
    const { session } = await signedInBrowser(fx);
    const hint = await idTokenFor(fx, notes, session);
    const signedOut = new HttpBrowser(fx.url);
    const res = await signedOut.get(logoutPath({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: 's1' }));
    expect(res.status).toBe(303);
    expect(res.location).toBe(`${BYE}?state=s1`);
    const page = await signedOut.get('/oauth/logout');
    expect(page.status).toBe(200);
    expect(page.text).toContain('You are signed out');
    // The hint's session is another browser's: it is not ended from here.
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();
  });

  it('Cancel keeps the session; the page links back to the app, without state', async () => {
    const { browser, session } = await signedInBrowser(fx);
    const page = await browser.get(logoutPath({ client_id: notes.id, post_logout_redirect_uri: BYE, state: 's2' }));
    const res = await answer(browser, page.text, 'cancel');
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are still signed in');
    expect(res.text).toContain(`href="${BYE}"`);
    expect(res.text).not.toContain('s2');
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();
    // The answered request cannot be used again, for Sign out either.
    const replay = await answer(browser, page.text, 'signout');
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('expired');
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();
  });

  it('a hint naming another session still shows the confirmation page, saying so; nothing ends without the click', async () => {
    const first = await signedInBrowser(fx);
    const second = await signedInBrowser(fx);
    const hintOfFirst = await idTokenFor(fx, notes, first.session);
    const page = await second.browser.get(logoutPath({ id_token_hint: hintOfFirst, post_logout_redirect_uri: BYE }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('another account or session');
    expect(await fx.store.findSession(first.session.idHash)).not.toBeNull();
    expect(await fx.store.findSession(second.session.idHash)).not.toBeNull();
  });

  it("CSRF: a form without the token, with another session's token, or another session's logout id ends nothing", async () => {
    const victim = await signedInBrowser(fx);
    const attacker = await signedInBrowser(fx);
    const victimPage = await victim.browser.get(logoutPath({ client_id: notes.id }));
    const attackerPage = await attacker.browser.get(logoutPath({ client_id: notes.id }));
    const victimId = hiddenField(victimPage.text, 'logout_id')!;
    // A third-party page posting straight to the endpoint only gets the same request by GET.
    const crossSite = await victim.browser.post(
      '/oauth/logout',
      { client_id: notes.id },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(303);
    expect(await fx.store.findSession(victim.session.idHash)).not.toBeNull();
    // No token.
    const noToken = await victim.browser.post('/oauth/logout/confirm', [
      ['logout_id', victimId],
      ['decision', 'signout'],
    ]);
    expect(noToken.status).toBe(403);
    // The attacker's token (of the attacker's session) with the victim's id, in the victim's browser.
    const othersToken = await victim.browser.post('/oauth/logout/confirm', [
      ['csrf_token', hiddenField(attackerPage.text, 'csrf_token')!],
      ['logout_id', victimId],
      ['decision', 'signout'],
    ]);
    expect(othersToken.status).toBe(403);
    // The attacker's own session and token with the victim's logout id: bound to another session.
    const othersId = await attacker.browser.post('/oauth/logout/confirm', [
      ['csrf_token', hiddenField(attackerPage.text, 'csrf_token')!],
      ['logout_id', victimId],
      ['decision', 'signout'],
    ]);
    expect(othersId.status).toBe(400);
    expect(await fx.store.findSession(victim.session.idHash)).not.toBeNull();
    expect(await fx.store.findSession(attacker.session.idHash)).not.toBeNull();
    // The victim's own answer still works: nothing above used its request up.
    const out = await answer(victim.browser, victimPage.text, 'signout');
    expect(out.status).toBe(200);
    expect(await fx.store.findSession(victim.session.idHash)).toBeNull();
    // Replayed after sign-out: the browser has no session left, nothing to confirm.
    const replay = await answer(victim.browser, victimPage.text, 'signout');
    expect(replay.status).toBe(303);
    expect(replay.location).toBe('/logout');
  });

  it('a confirmation page answered after it expired ends nothing', async () => {
    const { browser, session } = await signedInBrowser(fx);
    const page = await browser.get(logoutPath({ client_id: notes.id }));
    fx.clock.advance(601);
    const res = await answer(browser, page.text, 'signout');
    expect(res.status).toBe(400);
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();
  });
});
