/**
 * No secret ever reaches the logs: a server at GATEHOUSE_LOG_LEVEL=trace is driven through every
 * grant (successes and failures, plus misdirected requests carrying secrets in the query string,
 * in a JSON body, in an oversized body, in headers), then stopped; its whole stdout+stderr must
 * contain none of the secret values involved, while still containing the request lines.
 * Revocation and introspection (whose bodies carry tokens) and a JWT server (whose signing keys
 * are encrypted under key_encryption_key) are held to the same rule.
 * So are the self-service pages (issue 5): the confirmation and reset links (their tokens travel
 * in query strings and e-mails), the passwords typed into the sign-up, reset and account forms,
 * and the outbox mode, where e-mails are written to files whose paths (only) are logged.
 *
 * The servers run in the test's process (../harness) and `logs()` is every line their logger
 * writes. The CLI commands, and what `gatehouse serve` itself prints besides its log (the banner),
 * are checked with the built CLI in test/cli/secrets-not-printed.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBJECT, tokenOf } from '../helpers/account-pages.js';
import { describeEachEngine } from '../helpers/databases.js';
import { csrfTokenOf, HttpBrowser, pkcePair, type BrowserResponse } from '../helpers/browser-http.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { basicAuthorization, httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';
import { settleAllServers, startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { expectNoSecrets, secretBook } from '../harness/secrets.js';

const TRACE = {
  GATEHOUSE_LOG_LEVEL: 'trace',
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
};
const unique = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

interface LogLine {
  msg?: string;
  method?: string;
  path?: string;
  status?: number;
  error?: string;
  [key: string]: unknown;
}

function parseLogLines(logs: string): LogLine[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        return {};
      }
    });
}

describeEachEngine('secrets are never logged by the server (e2e)', (factory) => {
  const { secrets, remember } = secretBook();

  afterAll(async () => {
    // jwtServer first: `server` removes the database they share.
    await jwtServer?.close();
    await server?.close();
    await mail?.close();
  });

  /** Receives the server's e-mail (registration is on, so every self-service page is in use). */
  let mail: MailServer;
  let server: TestServer;
  /** access_token_format jwt, on the same database, with its own record of answers. */
  let jwtServer: TestServer;
  const jwtAnswers: HttpResult[] = [];
  let kek: string;
  let client: CreatedClient & { client_secret: string };
  let publicClient: CreatedClient;
  let webClient: CreatedClient & { client_secret: string };
  const WEB_CB = 'https://app.example/cb';
  let password: string;
  const answers: HttpResult[] = [];
  const keep = async <T extends HttpResult>(promise: Promise<T>): Promise<T> => {
    const res = await promise;
    answers.push(res);
    return res;
  };

  beforeAll(async () => {
    password = remember('user password', unique('pass'));
    kek = remember('server key_encryption_key', randomBytes(33).toString('base64url'));
    mail = await startMailServer();
    server = await startTestServer({
      engine: factory.engine,
      env: { ...TRACE, GATEHOUSE_REGISTRATION_ENABLED: 'true', GATEHOUSE_MAIL_URL: mail.url },
    });
    jwtServer = await startTestServer({
      database: server.database,
      env: { ...TRACE, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: kek },
    });
    const refreshable = ['--grant-type', 'refresh_token'];
    const [confidential, pub, web] = await Promise.all([
      server.createClient(['--grant-type', 'client_credentials', '--grant-type', 'password', ...refreshable]),
      server.createClient(['--public', '--grant-type', 'password', '--grant-type', 'refresh_token']),
      // The browser flow: authorization_code and refresh_token (the defaults).
      server.createClient(['--name', 'Logged Web App', '--redirect-uri', WEB_CB]),
      server.createUser('logged-user', 'logged-user@example.com', password),
    ]);
    client = confidential as typeof client;
    publicClient = pub;
    webClient = web as typeof webClient;
    remember('client secret', client.client_secret);
    remember('web client secret', webClient.client_secret);
  });

  it('exercises every grant, successes and failures, and misdirected requests carrying secrets', async () => {
    const id = client.client_id;
    const secret = client.client_secret;
    const basic: [string, string] = [id, secret];
    remember('Basic credentials', basicAuthorization(id, secret).slice('Basic '.length));
    const wrongSecret = remember('wrong client secret', unique('wrong-secret'));
    remember('wrong Basic credentials', basicAuthorization(id, wrongSecret).slice('Basic '.length));
    const wrongPassword = remember('wrong password', unique('wrong-pass'));
    const unknownUserPassword = remember('unknown user password', unique('nobody-pass'));
    const token = (res: HttpResult, field: 'access_token' | 'refresh_token', label: string) => {
      expect(res.status, res.text).toBe(200);
      return remember(label, res.json[field] as string);
    };

    // client_credentials: Basic, post, wrong secret both ways, bad scope.
    token(
      await keep(tokenRequest(server.url, { grant_type: 'client_credentials' }, { basic })),
      'access_token',
      'cc access token (basic)',
    );
    token(
      await keep(tokenRequest(server.url, { grant_type: 'client_credentials', client_id: id, client_secret: secret })),
      'access_token',
      'cc access token (post)',
    );
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'client_credentials' }, { basic: [id, wrongSecret] }))).status,
    ).toBe(401);
    expect(
      (
        await keep(
          tokenRequest(server.url, { grant_type: 'client_credentials', client_id: id, client_secret: wrongSecret }),
        )
      ).status,
    ).toBe(401);
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'nope' }, { basic }))).status,
    ).toBe(400);

    // password: success (confidential and public client), wrong password, unknown user, missing password.
    const pw = await keep(
      tokenRequest(server.url, { grant_type: 'password', username: 'logged-user', password }, { basic }),
    );
    token(pw, 'access_token', 'password access token');
    const firstRefresh = token(pw, 'refresh_token', 'password refresh token');
    const pub = await keep(
      tokenRequest(server.url, {
        grant_type: 'password',
        username: 'logged-user@example.com',
        password,
        client_id: publicClient.client_id,
      }),
    );
    token(pub, 'access_token', 'public client access token');
    token(pub, 'refresh_token', 'public client refresh token');
    expect(
      (
        await keep(
          tokenRequest(
            server.url,
            { grant_type: 'password', username: 'logged-user', password: wrongPassword },
            { basic },
          ),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await keep(
          tokenRequest(
            server.url,
            { grant_type: 'password', username: 'ghost', password: unknownUserPassword },
            { basic },
          ),
        )
      ).status,
    ).toBe(400);
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'password', username: 'logged-user' }, { basic }))).status,
    ).toBe(400);
    // The user's correct password, sent with a wrong client secret.
    expect(
      (
        await keep(
          tokenRequest(server.url, {
            grant_type: 'password',
            username: 'logged-user',
            password,
            client_id: id,
            client_secret: wrongSecret,
          }),
        )
      ).status,
    ).toBe(401);

    // refresh_token: rotation, reuse of the consumed token (revokes the family), the revoked successor, an unknown token.
    const rotated = await keep(
      tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: firstRefresh }, { basic }),
    );
    token(rotated, 'access_token', 'rotated access token');
    const secondRefresh = token(rotated, 'refresh_token', 'rotated refresh token');
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: firstRefresh }, { basic })))
        .status,
    ).toBe(400);
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: secondRefresh }, { basic })))
        .status,
    ).toBe(400);
    const forged = remember('forged refresh token', unique('forged-refresh'));
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: forged }, { basic }))).status,
    ).toBe(400);
    expect(
      (
        await keep(
          tokenRequest(server.url, {
            grant_type: 'refresh_token',
            refresh_token: secondRefresh,
            client_id: id,
            client_secret: wrongSecret,
          }),
        )
      ).status,
    ).toBe(401);

    // Misdirected requests: secrets in the query string, a JSON body, a wrong content type, an
    // oversized body, a 405 with a body, a bearer token on an unknown path, two auth methods.
    const query = new URLSearchParams({
      grant_type: 'password',
      client_id: id,
      client_secret: secret,
      username: 'logged-user',
      password,
      refresh_token: secondRefresh,
    });
    expect((await keep(httpRequest(`${server.url}/oauth/token?${query}`))).status).toBe(405);
    expect((await keep(httpRequest(`${server.url}/nope?${query}`))).status).toBe(404);
    expect((await keep(httpRequest(`${server.url}/healthz?${query}`))).status).toBe(200);
    expect(
      (
        await keep(
          httpRequest(`${server.url}/oauth/token?${query}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          }),
        )
      ).status,
    ).toBe(401);
    const json = JSON.stringify({
      grant_type: 'password',
      client_id: id,
      client_secret: secret,
      username: 'logged-user',
      password,
    });
    expect(
      (
        await keep(
          httpRequest(`${server.url}/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: json,
          }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await keep(
          httpRequest(`${server.url}/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: query.toString(),
          }),
        )
      ).status,
    ).toBe(400);
    const huge = new URLSearchParams({
      grant_type: 'password',
      username: 'logged-user',
      password,
      client_id: id,
      client_secret: secret,
      pad: 'x'.repeat(70 * 1024),
    });
    const tooLarge = await keep(
      httpRequest(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: huge.toString(),
      }),
    );
    expect(tooLarge.status).toBeGreaterThanOrEqual(400);
    expect(
      (
        await keep(
          httpRequest(`${server.url}/oauth/token`, {
            method: 'PUT',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: query.toString(),
          }),
        )
      ).status,
    ).toBe(405);
    const bearer = remember('bearer header token', unique('bearer'));
    expect(
      (
        await keep(
          httpRequest(`${server.url}/nope`, {
            headers: { authorization: `Bearer ${bearer}`, cookie: `session=${bearer}` },
          }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await keep(tokenRequest(server.url, { grant_type: 'client_credentials', client_secret: secret }, { basic })))
        .status,
    ).toBe(400);
    expect(
      (
        await keep(
          tokenRequest(
            server.url,
            { grant_type: 'client_credentials' },
            { headers: { authorization: `Basic ${Buffer.from(`${id}:${wrongSecret}%zz`).toString('base64')}` } },
          ),
        )
      ).status,
    ).toBe(401);

    // None of the answers is a 5xx (httpRequest throws on those), and every answer was read.
    expect(answers.length).toBeGreaterThan(25);
  });

  it('a browser flow over HTTP: sign-in with the password, consent, code exchange, refresh, sign-out', async () => {
    const browser = new HttpBrowser(server.url);
    const { verifier, challenge } = pkcePair();
    remember('PKCE code_verifier', verifier);
    const basic: [string, string] = [webClient.client_id, webClient.client_secret];
    const authorize = `/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: webClient.client_id,
      redirect_uri: WEB_CB,
      scope: 'read write',
      state: 'logged-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;

    const toLogin = await keep(browser.get(authorize));
    expect(toLogin.status).toBe(302);
    const returnTo = new URL(toLogin.location!, server.url).searchParams.get('return_to')!;
    const { page: loginPage, csrfToken } = await browser.loginForm(returnTo);
    answers.push(loginPage);
    remember('login CSRF token', csrfToken);
    remember('CSRF cookie', browser.jar.get('gatehouse_csrf'));

    // A wrong password first, then the right one, both through the sign-in form.
    const wrongLoginPassword = remember('wrong sign-in password', unique('wrong-login'));
    const refused = await keep(
      browser.post('/login', {
        csrf_token: csrfToken,
        username: 'logged-user',
        password: wrongLoginPassword,
        return_to: returnTo,
      }),
    );
    expect(refused.status).toBe(400);
    const signedIn = await keep(
      browser.post('/login', { csrf_token: csrfToken, username: 'logged-user', password, return_to: returnTo }),
    );
    expect(signedIn.status, signedIn.text).toBe(303);
    remember('session cookie', browser.jar.get('gatehouse_session'));

    const consent = await keep(browser.get(returnTo));
    expect(consent.status, consent.text).toBe(200);
    remember('consent CSRF token', csrfTokenOf(consent.text));
    const allowed = await keep(browser.answerConsent(consent.text, 'allow'));
    expect(allowed.status).toBe(303);
    const code = remember('authorization code', new URL(allowed.location!).searchParams.get('code'));

    const exchanged = await keep(
      tokenRequest(
        server.url,
        { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
        { basic },
      ),
    );
    expect(exchanged.status, exchanged.text).toBe(200);
    remember('code-flow access token', exchanged.json.access_token);
    const codeRefresh = remember('code-flow refresh token', exchanged.json.refresh_token);
    const refreshed = await keep(
      tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: codeRefresh }, { basic }),
    );
    expect(refreshed.status, refreshed.text).toBe(200);
    remember('code-flow refreshed access token', refreshed.json.access_token);
    remember('code-flow refreshed refresh token', refreshed.json.refresh_token);
    // The code replayed: refused, and its tokens revoked.
    expect(
      (
        await keep(
          tokenRequest(
            server.url,
            { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
            { basic },
          ),
        )
      ).status,
    ).toBe(400);

    // Consent remembered: the second code comes straight back in a 302.
    const again = await keep(browser.get(authorize));
    expect(again.status).toBe(302);
    remember('second authorization code', new URL(again.location!).searchParams.get('code'));

    const logoutPage = await keep(browser.get('/logout'));
    const logoutToken = remember('logout CSRF token', csrfTokenOf(logoutPage.text));
    expect((await keep(browser.post('/logout', { csrf_token: logoutToken }))).status).toBe(303);
  });

  it('revocation and introspection requests, whose bodies carry tokens, on an opaque and a JWT server', async () => {
    const id = client.client_id;
    const secret = client.client_secret;
    const basic: [string, string] = [id, secret];
    const form = (
      target: TestServer,
      path: string,
      params: Record<string, string>,
      auth?: [string, string],
      contentType = 'application/x-www-form-urlencoded',
    ) =>
      httpRequest(`${target.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          ...(auth ? { authorization: basicAuthorization(auth[0], auth[1]) } : {}),
        },
        body: new URLSearchParams(params).toString(),
      });
    const wrongSecret = remember('wrong secret (token management)', unique('wrong-tm-secret'));

    for (const [target, record, label] of [
      [server, answers, 'opaque'],
      [jwtServer, jwtAnswers, 'jwt'],
    ] as const) {
      const track = async (promise: Promise<HttpResult>) => {
        const res = await promise;
        record.push(res);
        return res;
      };
      const login = await track(
        tokenRequest(target.url, { grant_type: 'password', username: 'logged-user', password }, { basic }),
      );
      expect(login.status, login.text).toBe(200);
      const access = remember(`${label} introspected access token`, login.json.access_token);
      const refresh = remember(`${label} revoked refresh token`, login.json.refresh_token);
      const cc = await track(
        tokenRequest(target.url, { grant_type: 'client_credentials', client_id: id, client_secret: secret }),
      );
      const serviceToken = remember(`${label} service token`, cc.json.access_token);
      const publicLogin = await track(
        tokenRequest(target.url, {
          grant_type: 'password',
          username: 'logged-user',
          password,
          client_id: publicClient.client_id,
        }),
      );
      const publicToken = remember(`${label} public client token`, publicLogin.json.access_token);

      // Introspection: Basic and post, hints, a foreign client's view, a failed authentication, an unknown token.
      expect((await track(form(target, '/oauth/introspect', { token: access }, basic))).json.active).toBe(true);
      expect(
        (
          await track(
            form(target, '/oauth/introspect', {
              token: refresh,
              token_type_hint: 'refresh_token',
              client_id: id,
              client_secret: secret,
            }),
          )
        ).json.active,
      ).toBe(true);
      expect(
        (await track(form(target, '/oauth/introspect', { token: publicToken, client_id: publicClient.client_id }))).json
          .active,
      ).toBe(true);
      expect(
        (await track(form(target, '/oauth/introspect', { token: serviceToken, client_id: publicClient.client_id })))
          .json,
      ).toEqual({ active: false });
      expect((await track(form(target, '/oauth/introspect', { token: access }, [id, wrongSecret]))).status).toBe(401);
      const forged = remember(`${label} forged introspected token`, unique('forged-introspect'));
      expect((await track(form(target, '/oauth/introspect', { token: forged }, basic))).json).toEqual({
        active: false,
      });

      // Revocation: an access token by Basic, a refresh token by post, a wrong secret, unknown and foreign tokens, misdirected requests.
      expect((await track(form(target, '/oauth/revoke', { token: serviceToken }, basic))).status).toBe(200);
      expect(
        (await track(form(target, '/oauth/revoke', { token: refresh, client_id: id, client_secret: secret }))).status,
      ).toBe(200);
      expect(
        (await track(form(target, '/oauth/revoke', { token: access, client_id: id, client_secret: wrongSecret })))
          .status,
      ).toBe(401);
      const forgedRevoke = remember(`${label} forged revoked token`, unique('forged-revoke'));
      expect((await track(form(target, '/oauth/revoke', { token: forgedRevoke }, basic))).status).toBe(200);
      expect((await track(form(target, '/oauth/revoke', { token: publicToken }, basic))).status).toBe(200);
      expect((await track(form(target, '/oauth/revoke', { token: access }, basic, 'application/json'))).status).toBe(
        400,
      );
      const query = new URLSearchParams({ token: access, client_id: id, client_secret: secret });
      expect((await track(httpRequest(`${target.url}/oauth/revoke?${query}`))).status).toBe(405);
      expect((await track(httpRequest(`${target.url}/oauth/introspect?${query}`))).status).toBe(405);
      expect((await track(form(target, '/oauth/introspect', { token: access }, basic))).json).toEqual({
        active: false,
      });
    }
    const jwks = await httpRequest(`${jwtServer.url}/.well-known/jwks.json`);
    jwtAnswers.push(jwks);
    expect(jwks.json.keys.length).toBeGreaterThanOrEqual(1);
    expect(jwtAnswers.length).toBeGreaterThanOrEqual(19);
  });

  it('the self-service pages: sign-up, confirmation link, reset link and the account forms, with every password typed into them', async () => {
    const post = async (browser: HttpBrowser, path: string, form: Record<string, string>) =>
      keep(browser.post(path, form));
    const browser = new HttpBrowser(server.url);
    const email = 'self-served@example.com';

    // Sign-up: refused (the two passwords differ), then accepted.
    const registerPage = await keep(browser.get('/register'));
    const registerCsrf = remember('sign-up CSRF token', csrfTokenOf(registerPage.text));
    const signupPassword = remember('sign-up password', unique('signup-pass'));
    const mismatched = remember('mismatched sign-up password', unique('signup-mismatch'));
    const fields = { csrf_token: registerCsrf, username: 'self-served', email };
    expect(
      (await post(browser, '/register', { ...fields, password: signupPassword, password_again: mismatched })).status,
    ).toBe(400);
    expect(
      (await post(browser, '/register', { ...fields, password: signupPassword, password_again: signupPassword }))
        .status,
    ).toBe(303);
    // Signed up again before confirming (another username: its own is taken): the account takes
    // this sign-up's username and password.
    const takeoverPassword = remember(
      'second sign-up password (takes the pending account over)',
      unique('takeover-pass'),
    );
    expect(
      (
        await post(browser, '/register', {
          ...fields,
          username: 'self-served-b',
          password: takeoverPassword,
          password_again: takeoverPassword,
        })
      ).status,
    ).toBe(303);
    // Sign-in before the link is followed: refused, with the right password.
    const early = new HttpBrowser(server.url);
    const { page: earlyLogin, csrfToken: earlyCsrf } = await early.loginForm();
    answers.push(earlyLogin);
    expect(
      (await post(early, '/login', { csrf_token: earlyCsrf, username: 'self-served-b', password: takeoverPassword }))
        .status,
    ).toBe(400);

    // The confirmation link: its page (token in the query string), the button with a wrong and
    // a replaced password, then the right one, the used link again.
    // The second sign-up sent a new link, which replaced the first.
    remember(
      'first (replaced) confirmation token',
      tokenOf(linkIn(await mail.waitFor(email, SUBJECT.confirmation), '/register/confirm')),
    );
    const confirmation = await mail.waitFor(email, SUBJECT.confirmation);
    const confirmLink = linkIn(confirmation, '/register/confirm');
    const confirmToken = remember('confirmation token', tokenOf(confirmLink));
    const confirmPage = await keep(browser.get(confirmLink));
    expect(confirmPage.status).toBe(200);
    const confirmCsrf = remember('confirm CSRF token', csrfTokenOf(confirmPage.text));
    const wrongConfirm = remember('wrong confirmation password', unique('confirm-wrong'));
    expect(
      (
        await post(browser, '/register/confirm', {
          csrf_token: confirmCsrf,
          token: confirmToken,
          password: wrongConfirm,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await post(browser, '/register/confirm', {
          csrf_token: confirmCsrf,
          token: confirmToken,
          password: signupPassword,
        })
      ).status,
    ).toBe(400);
    const confirmed = await post(browser, '/register/confirm', {
      csrf_token: confirmCsrf,
      token: confirmToken,
      password: takeoverPassword,
    });
    expect(confirmed.status, confirmed.text).toBe(303);
    expect(confirmed.location).toBe('/account?done=confirmed');
    remember('session cookie after confirmation', browser.jar.get('gatehouse_session'));
    expect((await keep(browser.get('/account?done=confirmed'))).status).toBe(200);
    expect((await keep(browser.get(confirmLink))).status).toBe(400);
    expect(
      (
        await post(browser, '/register/confirm', {
          csrf_token: confirmCsrf,
          token: confirmToken,
          password: takeoverPassword,
        })
      ).status,
    ).toBe(400);

    // A second sign-up with the same address: same answer, the owner gets a notice.
    const duplicatePassword = remember('duplicate sign-up password', unique('dup-pass'));
    expect(
      (
        await post(browser, '/register', {
          csrf_token: registerCsrf,
          username: 'self-served-2',
          email,
          password: duplicatePassword,
          password_again: duplicatePassword,
        })
      ).status,
    ).toBe(303);
    await mail.waitFor(email, SUBJECT.alreadyRegistered);

    // Password reset: request, link page, a refused new password, the new password, the used link again.
    const resetForm = await keep(browser.get('/reset'));
    const resetRequestCsrf = remember('reset-request CSRF token', csrfTokenOf(resetForm.text));
    expect((await post(browser, '/reset', { csrf_token: resetRequestCsrf, username: email })).status).toBe(303);
    expect((await post(browser, '/reset', { csrf_token: resetRequestCsrf, username: 'nobody-here' })).status).toBe(303);
    const resetMail = await mail.waitFor(email, SUBJECT.resetting);
    const resetLink = linkIn(resetMail, '/reset/password');
    const resetToken = remember('reset token', tokenOf(resetLink));
    const resetPage = await keep(browser.get(resetLink));
    expect(resetPage.status).toBe(200);
    const resetCsrf = remember('reset-password CSRF token', csrfTokenOf(resetPage.text));
    const refusedA = remember('refused reset password', unique('reset-refused-a'));
    const refusedB = remember('refused reset password (again)', unique('reset-refused-b'));
    expect(
      (
        await post(browser, '/reset/password', {
          csrf_token: resetCsrf,
          token: resetToken,
          password: refusedA,
          password_again: refusedB,
        })
      ).status,
    ).toBe(400);
    const resetPassword = remember('reset password', unique('reset-pass'));
    expect(
      (
        await post(browser, '/reset/password', {
          csrf_token: resetCsrf,
          token: resetToken,
          password: resetPassword,
          password_again: resetPassword,
        })
      ).status,
    ).toBe(303);
    expect((await keep(browser.get(resetLink))).status).toBe(400);

    // The account page: a wrong and a right current password on each form, a new password.
    const { page: loginPage, csrfToken: loginCsrf } = await browser.loginForm('/account');
    answers.push(loginPage);
    const signedIn = await post(browser, '/login', {
      csrf_token: loginCsrf,
      username: email,
      password: resetPassword,
      return_to: '/account',
    });
    expect(signedIn.status, signedIn.text).toBe(303);
    remember('self-service session cookie', browser.jar.get('gatehouse_session'));
    const account = await keep(browser.get('/account'));
    expect(account.status).toBe(200);
    const accountCsrf = remember('account CSRF token', csrfTokenOf(account.text));
    const wrongCurrent = remember('wrong current password (profile)', unique('wrong-current'));
    const profile = { csrf_token: accountCsrf, username: 'self-served', email: 'self-served@example.org' };
    expect((await post(browser, '/account/profile', { ...profile, current_password: wrongCurrent })).status).toBe(400);
    expect((await post(browser, '/account/profile', { ...profile, current_password: resetPassword })).status).toBe(303);
    // The new address takes effect once the link sent there is followed, with the password.
    const changeLink = linkIn(
      await mail.waitFor('self-served@example.org', SUBJECT.emailChange),
      '/account/email/confirm',
    );
    const changeToken = remember('e-mail change token', tokenOf(changeLink));
    const changePage = await keep(browser.get(`/account/email/confirm?token=${changeToken}`));
    expect(changePage.status).toBe(200);
    const changeCsrf = remember('e-mail change CSRF token', csrfTokenOf(changePage.text));
    const wrongForChange = remember('wrong password (e-mail change)', unique('wrong-change'));
    expect(
      (
        await post(browser, '/account/email/confirm', {
          csrf_token: changeCsrf,
          token: changeToken,
          password: wrongForChange,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await post(browser, '/account/email/confirm', {
          csrf_token: changeCsrf,
          token: changeToken,
          password: resetPassword,
        })
      ).status,
    ).toBe(200);
    const wrongCurrentAgain = remember('wrong current password (password form)', unique('wrong-current-pw'));
    const changedPassword = remember('changed password', unique('changed-pass'));
    const change = { csrf_token: accountCsrf, password: changedPassword, password_again: changedPassword };
    expect((await post(browser, '/account/password', { ...change, current_password: wrongCurrentAgain })).status).toBe(
      400,
    );
    const mismatchedNew = remember('mismatched new password', unique('changed-mismatch'));
    expect(
      (
        await post(browser, '/account/password', {
          ...change,
          password_again: mismatchedNew,
          current_password: resetPassword,
        })
      ).status,
    ).toBe(400);
    const changed: BrowserResponse = await post(browser, '/account/password', {
      ...change,
      current_password: resetPassword,
    });
    expect(changed.status, changed.text).toBe(303);
    remember('session cookie after the password change', browser.jar.get('gatehouse_session'));
    await mail.waitFor('self-served@example.com', SUBJECT.emailChanged);
    const notice = await mail.waitFor('self-served@example.org', SUBJECT.passwordChanged);

    // The notices carry no password either.
    for (const message of [
      notice,
      confirmation,
      resetMail,
      ...mail.messagesTo('self-served@example.org'),
      ...mail.messagesTo('self-served@example.com'),
    ]) {
      expectNoSecrets(
        `${message.text}\n${message.html}`,
        new Map([...secrets].filter(([label]) => label.includes('password'))),
        `the e-mail "${message.subject}"`,
      );
    }
  });

  it('after the server stops, its output holds request lines but none of those secrets', async () => {
    // What SIGTERM does in serve (its exit code 0: test/cli/secrets-not-printed.test.ts).
    await expect(server.close()).resolves.toBeUndefined();
    const logs = server.logs();
    const lines = parseLogLines(logs);

    // The log is really there, at trace level, one line per request: the test can fail.
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(answers.length);
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/oauth/token', status: 200 }));
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/token', status: 401, error: 'invalid_client' }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/token', status: 400, error: 'invalid_grant' }),
    );
    // The misdirected GET is logged by its path alone.
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: '/oauth/token', status: 405 }));
    // The browser flow is in the log too, by path only.
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/login', status: 303 }));
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/login', status: 400, error: 'login_failed' }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: '/oauth/authorize', status: 302 }));
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/oauth/authorize', status: 303 }));
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/logout', status: 303 }));
    // Revocation and introspection are logged by path, status and client only.
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/revoke', status: 200, client_id: client.client_id }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/introspect', status: 200, client_id: client.client_id }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/introspect', status: 401, error: 'invalid_client' }),
    );
    // The self-service pages are in the log by path (the links' query strings left out) and status.
    for (const [method, path, status] of [
      ['POST', '/register', 400],
      ['POST', '/register', 303],
      ['GET', '/register/confirm', 200],
      ['POST', '/register/confirm', 303],
      ['POST', '/register/confirm', 400],
      ['GET', '/register/confirm', 400],
      ['POST', '/reset', 303],
      ['GET', '/reset/password', 200],
      ['POST', '/reset/password', 400],
      ['POST', '/reset/password', 303],
      ['GET', '/account', 200],
      ['POST', '/account/profile', 400],
      ['POST', '/account/profile', 303],
      ['GET', '/account/email/confirm', 200],
      ['POST', '/account/email/confirm', 400],
      ['POST', '/account/email/confirm', 200],
      ['POST', '/account/password', 400],
      ['POST', '/account/password', 303],
    ] as const) {
      expect(requests, `${method} ${path} ${status}`).toContainEqual(expect.objectContaining({ method, path, status }));
    }
    for (const line of requests) expect(String(line.path ?? ''), 'a logged path').not.toContain('?');
    // A wrong confirmation password is logged like a failed sign-in.
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/register/confirm', status: 400, error: 'login_failed' }),
    );
    // What happened to the account is logged as security events, without secrets.
    const events = lines
      .filter((line) => line.msg === 'security event')
      .map((line) => (line.event as { type?: string } | undefined)?.type);
    expect(events).toEqual(
      expect.arrayContaining([
        'user.registered',
        'user.confirmed',
        'user.reset_requested',
        'user.password_reset',
        'user.profile_updated',
        'user.password_changed',
        'login.succeeded',
        'login.failed',
      ]),
    );
    // token.issued is said once, by the request line, not again as an event.
    expect(events).not.toContain('token.issued');
    expect(logs).toMatch(/"path":"\/oauth\/token"/);
    expect(logs).toMatch(/"status":200/);

    expect(secrets.size).toBeGreaterThanOrEqual(15);
    expectNoSecrets(logs, secrets, 'the server output');
  });

  it('after the JWT server stops, its output holds request lines but none of those secrets, nor the key_encryption_key', async () => {
    await expect(jwtServer.close()).resolves.toBeUndefined();
    const logs = jwtServer.logs();
    const requests = parseLogLines(logs).filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(jwtAnswers.length);
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/oauth/revoke', status: 200 }));
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/introspect', status: 200 }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/oauth/introspect', status: 401, error: 'invalid_client' }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/.well-known/jwks.json', status: 200 }),
    );
    expect(logs).not.toContain('PRIVATE KEY');
    expect(secrets.get('server key_encryption_key')).toBe(kek);
    expectNoSecrets(logs, secrets, 'the JWT server output');
  });
});

// The outbox does not depend on the engine: once, on SQLite.
describe('outbox mode: e-mail written to files whose paths are logged, never their links (e2e, SQLite)', () => {
  let outbox: string;
  let server: TestServer;
  const { secrets, remember } = secretBook();
  const OUTBOX_LINE = 'e-mail written to the outbox (no mail.url is set)';

  beforeAll(async () => {
    outbox = join(mkdtempSync(join(tmpdir(), 'gatehouse-outbox-')), 'mail');
    // No GATEHOUSE_MAIL_URL: messages go to the outbox folder.
    server = await startTestServer({
      env: { ...TRACE, GATEHOUSE_REGISTRATION_ENABLED: 'true', GATEHOUSE_MAIL_OUTBOX: outbox },
    });
    const outboxPassword = remember('outbox user password', unique('outbox-pass'));
    await server.createUser('outbox-user', 'outbox-user@example.com', outboxPassword);
  });

  afterAll(async () => {
    await server?.close();
    if (outbox) rmSync(join(outbox, '..'), { recursive: true, force: true });
  });

  /** Every message in the outbox: its .eml path and the .txt beside it. */
  const messages = () =>
    readdirSync(outbox)
      .filter((name) => name.endsWith('.eml'))
      .sort()
      .map((name) => ({ eml: join(outbox, name), txt: join(outbox, name.replace(/\.eml$/, '.txt')) }));

  /** The message to `to` whose .txt holds a link to `path`, once the server's queues are drained; its files and link. */
  async function waitForFile(to: string, path: string, seen: Set<string>) {
    // Sign-ups, resets and the outbox writes they queue are all finished after this.
    await settleAllServers();
    let found: { eml: string; txt: string; text: string } | undefined;
    try {
      for (const message of messages()) {
        if (seen.has(message.eml)) continue;
        const text = readFileSync(message.txt, 'utf8');
        if (text.includes(`\nTo: ${to}\n`) && text.includes(`${server.url}${path}?token=`))
          found = { ...message, text };
      }
    } catch {
      // The folder or the .txt is not there: no message was written.
    }
    if (!found) throw new Error(`no outbox message to ${to} with a ${path} link in ${outbox}`);
    seen.add(found.eml);
    const link = /https?:\/\/\S+/.exec(found.text.slice(found.text.indexOf(`${server.url}${path}`)))![0];
    return { ...found, link };
  }

  it('sign-up and reset each write an .eml and a .txt (owner-only); the log names the .eml; no log line holds a link, token or password', async () => {
    const seen = new Set<string>();
    const browser = new HttpBrowser(server.url);
    const password = remember('outbox sign-up password', unique('outbox-signup'));
    const page = await browser.get('/register');
    const signedUp = await browser.post('/register', {
      csrf_token: csrfTokenOf(page.text),
      username: 'outboxer',
      email: 'outboxer@example.com',
      password,
      password_again: password,
    });
    expect(signedUp.status, signedUp.text).toBe(303);

    const confirmation = await waitForFile('outboxer@example.com', '/register/confirm', seen);
    const confirmToken = remember('outbox confirmation token', tokenOf(confirmation.link));
    expect(
      confirmation.text.startsWith(
        `From: Gatehouse <no-reply@localhost>\nTo: outboxer@example.com\nSubject: Confirm your e-mail address for 127.0.0.1:${server.port}\n\n`,
      ),
    ).toBe(true);
    // The .eml is a whole message any mail program opens: the same subject and link.
    const parsed = await simpleParser(readFileSync(confirmation.eml));
    expect(parsed.subject).toBe(`Confirm your e-mail address for 127.0.0.1:${server.port}`);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('outboxer@example.com');
    expect(parsed.text).toContain(confirmation.link);
    expect(typeof parsed.html === 'string' && parsed.html).toContain('Confirm my e-mail address');
    // Readable by their owner only: they carry a secret link.
    for (const file of [confirmation.eml, confirmation.txt]) expect(statSync(file).mode & 0o777, file).toBe(0o600);

    const confirmPage = await browser.get(confirmation.link);
    const wrongConfirm = remember('outbox wrong confirmation password', unique('outbox-confirm-wrong'));
    expect(
      (
        await browser.post('/register/confirm', {
          csrf_token: csrfTokenOf(confirmPage.text),
          token: confirmToken,
          password: wrongConfirm,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await browser.post('/register/confirm', {
          csrf_token: csrfTokenOf(confirmPage.text),
          token: confirmToken,
          password,
        })
      ).location,
    ).toBe('/account?done=confirmed');

    const resetForm = await browser.get('/reset');
    expect(
      (await browser.post('/reset', { csrf_token: csrfTokenOf(resetForm.text), username: 'outbox-user' })).location,
    ).toBe('/reset/sent');
    const reset = await waitForFile('outbox-user@example.com', '/reset/password', seen);
    const resetToken = remember('outbox reset token', tokenOf(reset.link));
    const resetPage = await browser.get(reset.link);
    const newPassword = remember('outbox new password', unique('outbox-new'));
    const done = await browser.post('/reset/password', {
      csrf_token: csrfTokenOf(resetPage.text),
      token: resetToken,
      password: newPassword,
      password_again: newPassword,
    });
    expect(done.location).toBe('/login?done=reset');
    await browser.signInOrFail('outbox-user', newPassword);

    await expect(server.close()).resolves.toBeUndefined();
    const logs = server.logs();
    const lines = parseLogLines(logs);

    // One log line per message, naming its .eml (and nothing else of it).
    // The confirmation link, the reset link and the "password changed" notice after the reset.
    const files = messages();
    expect(files).toHaveLength(3);
    const written = lines.filter((line) => line.msg === OUTBOX_LINE);
    expect(written.map((line) => line.path).sort()).toEqual(files.map((file) => file.eml));
    for (const line of written)
      expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['to', 'subject', 'text', 'html', 'link']));
    expect(logs).not.toContain('/register/confirm?token=');
    expect(logs).not.toContain('/reset/password?token=');
    expect(lines.filter((line) => line.msg === 'request').length).toBeGreaterThanOrEqual(10);

    expect(secrets.size).toBeGreaterThanOrEqual(5);
    expectNoSecrets(logs, secrets, 'the outbox server output');
  });
});
