/**
 * Brute-force throttling end to end: the real app in the test's process (test/harness, SQLite),
 * threshold 2 unless said otherwise, so the third failure of one login from one address blocks
 * it for 2 seconds.
 *
 * Every request here comes from 127.0.0.1, and the address counter (4× the threshold) is shared
 * by everything from there, so each scenario gets its own database and server. The tests only
 * look at the blocked state and its headers, right after the failure that caused it: they never
 * wait for a block to end (the unit tests in src/accounts/throttle.test.ts move a clock for that).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertOf, csrfTokenOf, HttpBrowser, type BrowserResponse } from '../helpers/browser-http.js';
import { tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'not the password at all';
const BAD_CREDENTIALS = 'invalid username or password';
const THROTTLE = { GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2' };
const BLOCKED_GRANT = /^too many failed sign-in attempts; retry in (\d+) seconds$/;
const BLOCKED_CLIENT = /^too many failed client authentications; retry in (\d+) seconds$/;
const BLOCKED_PAGE = /^Too many failed sign-in attempts\. Please wait (\d+) seconds, then try again\.$/;

type Client = CreatedClient & { client_secret: string };

interface Scenario {
  server: TestServer;
  /** Confidential: password and client_credentials grants. */
  client: Client;
  /** Another confidential client, same grants. */
  otherClient: Client;
}

/** A fresh database with users alice and bob (both PASSWORD), two clients, and a server on it. */
async function scenario(env: Record<string, string>): Promise<Scenario> {
  const server = await startTestServer({ engine: 'sqlite', env });
  const grants = ['--grant-type', 'password', '--grant-type', 'client_credentials'];
  const [client, otherClient] = await Promise.all([
    server.createClient(['--name', 'app', ...grants]),
    server.createClient(['--name', 'other-app', ...grants]),
    server.createUser('alice', 'alice@example.com', PASSWORD),
    server.createUser('bob', 'bob@example.com', PASSWORD),
  ]);
  return { server, client: client as Client, otherClient: otherClient as Client };
}

function passwordGrant(s: Scenario, username: string, password: string): Promise<HttpResult> {
  return tokenRequest(
    s.server.url,
    { grant_type: 'password', username, password },
    { basic: [s.client.client_id, s.client.client_secret] },
  );
}

/** The Retry-After header as a whole number of seconds; fails unless it is one. */
function retryAfterOf(res: { headers: Headers }): number {
  const header = res.headers.get('retry-after');
  expect(header, 'Retry-After').toMatch(/^\d+$/);
  return Number(header);
}

/** A blocked answer names the same wait as its Retry-After: at least 1 s, at most the first block (2 s). */
function expectWait(res: { headers: Headers }, description: string | undefined, pattern: RegExp): number {
  const match = pattern.exec(description ?? '');
  expect(match, `"${description}" should match ${pattern}`).not.toBeNull();
  const seconds = retryAfterOf(res);
  expect(Number(match![1])).toBe(seconds);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(2);
  return seconds;
}

function expectPlainBadCredentials(res: HttpResult, label: string): void {
  expect(
    { status: res.status, error: res.json?.error, description: res.json?.error_description },
    `${label}: ${res.text}`,
  ).toEqual({
    status: 400,
    error: 'invalid_grant',
    description: BAD_CREDENTIALS,
  });
  expect(res.headers.get('retry-after'), label).toBeNull();
}

function expectTokens(res: HttpResult, label: string): void {
  expect(res.status, `${label}: ${res.text}`).toBe(200);
  expect(typeof res.json.access_token).toBe('string');
}

function sessionCookieOf(res: BrowserResponse) {
  return res.setCookies.find((cookie) => /gatehouse_session$/.test(cookie.name) && cookie.value !== '');
}

describe('brute-force throttling (e2e, SQLite)', () => {
  const scenarios: Scenario[] = [];
  let grant: Scenario;
  let form: Scenario;
  let clientAuth: Scenario;
  let defaults: Scenario;
  let parallel: Scenario;

  beforeAll(async () => {
    const started = await Promise.allSettled([
      scenario(THROTTLE),
      scenario(THROTTLE),
      scenario(THROTTLE),
      scenario({}),
      scenario(THROTTLE),
    ]);
    for (const result of started) if (result.status === 'fulfilled') scenarios.push(result.value);
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    [grant, form, clientAuth, defaults, parallel] = scenarios as [Scenario, Scenario, Scenario, Scenario, Scenario];
  });

  afterAll(async () => {
    await Promise.allSettled(scenarios.map((s) => s.server.close()));
  });

  it('password grant: 2 wrong passwords are plain invalid_grant; the 3rd blocks alice, even with the right password, but not bob', async () => {
    for (const n of [1, 2, 3])
      expectPlainBadCredentials(await passwordGrant(grant, 'alice', WRONG), `wrong password ${n}`);

    // The right password, checked straight after the third failure: refused before it is looked at.
    const blocked = await passwordGrant(grant, 'alice', PASSWORD);
    expect(blocked.status, blocked.text).toBe(400);
    expect(blocked.json.error).toBe('invalid_grant');
    expect(blocked.headers.get('content-type')).toMatch(/^application\/json/);
    expect(blocked.headers.get('cache-control')).toBe('no-store');
    expectWait(blocked, blocked.json.error_description, BLOCKED_GRANT);

    // The same login in other letters is the same login; a wrong password gets the same answer.
    for (const [username, password] of [
      ['ALICE', PASSWORD],
      ['alice', WRONG],
    ] as const) {
      const again = await passwordGrant(grant, username, password);
      expect(again.status, again.text).toBe(400);
      expectWait(again, again.json.error_description, BLOCKED_GRANT);
    }

    // Another username from the same address is not affected.
    expectTokens(await passwordGrant(grant, 'bob', PASSWORD), 'bob');
  });

  it('sign-in form: after the threshold, 429 HTML with Retry-After and the message, and no session even with the right password', async () => {
    const browser = new HttpBrowser(form.server.url);
    let { csrfToken } = await browser.loginForm();
    for (const n of [1, 2, 3]) {
      const wrong = await browser.post('/login', { csrf_token: csrfToken, username: 'alice', password: WRONG });
      expect(wrong.status, `wrong password ${n}: ${wrong.text.slice(0, 500)}`).toBe(400);
      expect(alertOf(wrong.text)).toBe('The username or password is incorrect.');
      expect(wrong.headers.get('retry-after')).toBeNull();
      csrfToken = csrfTokenOf(wrong.text);
    }

    const blocked = await browser.post('/login', { csrf_token: csrfToken, username: 'alice', password: PASSWORD });
    expect(blocked.status, blocked.text.slice(0, 500)).toBe(429);
    expect(blocked.headers.get('content-type')).toMatch(/^text\/html/);
    expectWait(blocked, alertOf(blocked.text), BLOCKED_PAGE);
    expect(blocked.location).toBeNull();
    expect(sessionCookieOf(blocked), 'no session cookie').toBeUndefined();
    // The sign-in form again, ready for later.
    expect(blocked.text).toContain('action="/login"');
    expect(csrfTokenOf(blocked.text)).toBeTruthy();

    // Not signed in: /login still shows the form, not the signed-in page.
    const after = await browser.get('/login');
    expect(after.status).toBe(200);
    expect(after.text).toContain('action="/login"');

    // Someone else signs in from the same address.
    const bob = await new HttpBrowser(form.server.url).signIn('bob', PASSWORD);
    expect(bob.status, bob.text.slice(0, 500)).toBe(303);
    expect(sessionCookieOf(bob)).toBeDefined();
  });

  it('client authentication: wrong secrets past the threshold get 401 with Retry-After; the right secret still gets 200 at once', async () => {
    const { client, otherClient, server } = clientAuth;
    const withSecret = (secret: string, id = client.client_id) =>
      tokenRequest(server.url, { grant_type: 'client_credentials' }, { basic: [id, secret] });

    for (const n of [1, 2]) {
      const wrong = await withSecret('wrong secret');
      expect(
        { status: wrong.status, error: wrong.json?.error, description: wrong.json?.error_description },
        `wrong secret ${n}`,
      ).toEqual({
        status: 401,
        error: 'invalid_client',
        description: 'client authentication failed',
      });
      expect(wrong.headers.get('retry-after')).toBeNull();
    }

    // The third failure already says how long to wait.
    const blocked = await withSecret('wrong secret');
    expect(blocked.status, blocked.text).toBe(401);
    expect(blocked.json.error).toBe('invalid_client');
    expect(blocked.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(blocked.headers.get('cache-control')).toBe('no-store');
    expectWait(blocked, blocked.json.error_description, BLOCKED_CLIENT);

    // No lock-out weapon: the right secret works while the failures are blocked.
    expectTokens(await withSecret(client.client_secret), 'right secret while blocked');

    // A wrong secret in the body is still refused with the wait (and no Basic challenge).
    const posted = await tokenRequest(server.url, {
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: 'wrong secret',
    });
    expect(posted.status, posted.text).toBe(401);
    expect(posted.json.error).toBe('invalid_client');
    expect(BLOCKED_CLIENT.test(posted.json.error_description), posted.json.error_description).toBe(true);
    expect(retryAfterOf(posted)).toBeGreaterThanOrEqual(1);
    expect(posted.headers.get('www-authenticate')).toBeNull();

    // Another client from the same address is not affected.
    const other = await withSecret('wrong secret', otherClient.client_id);
    expect(other.json.error_description).toBe('client authentication failed');
    expect(other.headers.get('retry-after')).toBeNull();
    expectTokens(await withSecret(otherClient.client_secret, otherClient.client_id), 'other client');
  });

  it('the default threshold (5) lets 5 wrong passwords through as plain invalid_grant, and the 6th blocks', async () => {
    for (const n of [1, 2, 3, 4, 5])
      expectPlainBadCredentials(await passwordGrant(defaults, 'alice', WRONG), `wrong password ${n}`);
    // Still allowed to try: the right password works, and clears alice's count.
    expectTokens(await passwordGrant(defaults, 'alice', PASSWORD), 'right password after 5 failures');

    for (const n of [1, 2, 3, 4, 5, 6])
      expectPlainBadCredentials(
        await passwordGrant(defaults, 'alice', WRONG),
        `after the success, wrong password ${n}`,
      );
    const blocked = await passwordGrant(defaults, 'alice', PASSWORD);
    expect(blocked.status, blocked.text).toBe(400);
    expectWait(blocked, blocked.json.error_description, BLOCKED_GRANT);
  });

  // src bug: the block is checked before the password and the failure counted after it, so
  // guesses sent at the same time all pass the check: one client checks as many passwords as
  // it sends in parallel, past any threshold.
  it('20 wrong passwords sent at once: no more than threshold + 1 are checked, the rest are refused as blocked', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => passwordGrant(parallel, 'alice', WRONG)));
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.error).toBe('invalid_grant');
    }
    const checked = answers.filter((answer) => answer.json.error_description === BAD_CREDENTIALS).length;
    const refused = answers.filter((answer) => BLOCKED_GRANT.test(answer.json.error_description)).length;
    expect(checked + refused).toBe(20);
    expect(checked, `${checked} of 20 simultaneous guesses were checked against the password`).toBeLessThanOrEqual(3);
  });
});
