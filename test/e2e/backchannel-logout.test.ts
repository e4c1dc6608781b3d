/**
 * Back-Channel Logout 1.0 and what a session's end does to OpenID grants, on both engines: a
 * local receiver (loopback, allowed for an http issuer on 127.0.0.1) checks each logout token
 * with jose against the published JWKS; a receiver that is down is retried with backoff as the
 * manual clock advances, logged, and given up after oidc.backchannel_logout_attempts, while the
 * browser's sign-out is answered at once; grants end with the session unless offline.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hashSecret } from '../../src/core/secrets.js';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hiddenField } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { gate, localServer, type LocalServer } from '../harness/local-servers.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import { createOidcClient, grantThrough, LOGOUT_PASSWORD, signedInBrowser } from '../harness/logout.js';
import { announcingSessionEnds, commandSessionLogout } from '../../src/accounts/logout.js';
import { UserAccounts } from '../../src/accounts/users.js';
import { makeCode } from '../helpers/storage-contract.js';
import type { ClientRecord } from '../../src/core/ports.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Received {
  path: string;
  contentType: string | undefined;
  body: URLSearchParams;
}

describeEachEngine('Back-Channel Logout (e2e)', (factory) => {
  let fx: TestServer;
  let receiver: LocalServer;
  const received: Received[] = [];
  /** What the receiver answers next (and whether it holds the answer until the gate opens). */
  let answer: { status: number; held?: Promise<void> } = { status: 200 };

  beforeAll(async () => {
    receiver = await localServer((request: IncomingMessage, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        text += chunk;
      });
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'],
          body: new URLSearchParams(text),
        });
        const { status, held } = answer;
        void (held ?? Promise.resolve()).then(() => {
          response.writeHead(status);
          response.end();
        });
      });
    });
    fx = await startTestServer({ engine: factory.engine, config: { oidc: { backchannel_logout_attempts: 3 } } });
  });

  afterAll(async () => {
    await fx?.close();
    await receiver?.close();
  });

  const clientWithReceiver = (path: string, name = 'Acme Notes') =>
    createOidcClient(fx, { backchannelLogoutUri: receiver.url(path), postLogoutRedirectUris: [] }, { name });

  /** Signs the browser out through Gatehouse's own sign-out page. */
  async function signOut(browser: Awaited<ReturnType<typeof signedInBrowser>>['browser']) {
    const page = await browser.get('/logout');
    return browser.post('/logout', { csrf_token: hiddenField(page.text, 'csrf_token')! });
  }

  async function verifyLogoutToken(token: string, client: ClientRecord) {
    const jwks = (await (await fetch(`${fx.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    return jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: fx.config.issuer,
      audience: client.id,
      typ: 'logout+jwt',
      currentDate: new Date(fx.clock.now() * 1000),
    });
  }

  it('signing out POSTs one logout token per client of the session; grants end with it unless offline', async () => {
    answer = { status: 200 };
    const notes = await clientWithReceiver('/notes');
    const silent = await createOidcClient(fx, {}, { name: 'No back-channel' });
    const { browser, session } = await signedInBrowser(fx);
    const first = await grantThrough(fx, notes, session);
    const second = await grantThrough(fx, notes, session);
    const offline = await grantThrough(fx, notes, session, true);
    const ofSilent = await grantThrough(fx, silent, session);
    // A code of the grant not exchanged yet: it must not outlive the session either.
    const code = makeCode(
      { clientId: notes.id, userId: session.userId },
      { familyId: first.familyId, expiresAt: fx.clock.now() + 60 },
    );
    await fx.store.saveAuthorizationCode(code);
    const before = received.length;

    const out = await signOut(browser);
    expect(out.status).toBe(303);
    await fx.gatehouse.logoutDeliveries!.idle();

    const mine = received.slice(before);
    expect(mine.map((r) => r.path)).toEqual(['/notes']);
    expect(mine[0]!.contentType).toBe('application/x-www-form-urlencoded');
    const token = mine[0]!.body.get('logout_token')!;
    expect([...mine[0]!.body.keys()]).toEqual(['logout_token']);
    expect(decodeProtectedHeader(token).typ).toBe('logout+jwt');
    const { payload } = await verifyLogoutToken(token, notes);
    expect(payload).toMatchObject({
      iss: fx.config.issuer,
      aud: notes.id,
      sub: session.userId,
      sid: session.sid,
      events: { [EVENT]: {} },
    });
    expect(typeof payload.jti).toBe('string');
    expect(payload.iat).toBe(fx.clock.now());
    expect(payload).not.toHaveProperty('nonce');
    // Delivered: nothing left in the queue.
    expect(await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id)).toEqual([]);

    for (const grant of [first, second, ofSilent]) {
      expect((await fx.store.findRefreshToken(grant.refreshHash))!.revokedAt).not.toBeNull();
      expect((await fx.store.findAccessToken(grant.accessHash))!.revokedAt).not.toBeNull();
    }
    expect((await fx.store.findAuthorizationCode(code.codeHash))!.consumedAt).not.toBeNull();
    // OIDC Core §11: offline_access outlives the session.
    expect((await fx.store.findRefreshToken(offline.refreshHash))!.revokedAt).toBeNull();
    expect((await fx.store.findAccessToken(offline.accessHash))!.revokedAt).toBeNull();
  });

  it('another user signing in over the session ends it the same way', async () => {
    answer = { status: 204 };
    const notes = await clientWithReceiver('/over');
    const first = await signedInBrowser(fx);
    const grant = await grantThrough(fx, notes, first.session);
    const second = await signedInBrowser(fx);
    const before = received.length;
    await first.browser.signInOrFail(second.username, 'correct horse battery staple');
    await fx.gatehouse.logoutDeliveries!.idle();
    const mine = received.slice(before);
    expect(mine.map((r) => r.path)).toEqual(['/over']);
    const { payload } = await verifyLogoutToken(mine[0]!.body.get('logout_token')!, notes);
    expect(payload.sid).toBe(first.session.sid);
    expect((await fx.store.findRefreshToken(grant.refreshHash))!.revokedAt).not.toBeNull();
    expect(await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id)).toEqual([]);
  });

  it('a password change ends every session of the user: their grants end and their clients are told', async () => {
    answer = { status: 200 };
    const notes = await clientWithReceiver('/password');
    const { session, userId } = await signedInBrowser(fx);
    const grant = await grantThrough(fx, notes, session);
    const offline = await grantThrough(fx, notes, session, true);
    const before = received.length;
    const user = (await fx.store.findUserById(userId))!;
    const changed = await fx.gatehouse.profile.changePassword(
      user,
      { currentPassword: LOGOUT_PASSWORD, password: 'a whole new passphrase', passwordAgain: 'a whole new passphrase' },
      '127.0.0.1',
    );
    expect(changed.kind).not.toBe('invalid');
    await fx.gatehouse.logoutDeliveries!.idle();
    const mine = received.slice(before);
    expect(mine.map((r) => r.path)).toEqual(['/password']);
    const { payload } = await verifyLogoutToken(mine[0]!.body.get('logout_token')!, notes);
    expect(payload).toMatchObject({ sub: userId, sid: session.sid });
    expect((await fx.store.findRefreshToken(grant.refreshHash))!.revokedAt).not.toBeNull();
    expect((await fx.store.findRefreshToken(offline.refreshHash))!.revokedAt).toBeNull();
  });

  it('a password reset by e-mailed link ends every session of the user the same way', async () => {
    answer = { status: 200 };
    const notes = await clientWithReceiver('/reset');
    const { session, userId } = await signedInBrowser(fx);
    const grant = await grantThrough(fx, notes, session);
    const link = randomBytes(32).toString('base64url');
    const now = fx.clock.now();
    await fx.store.issueAccountToken(
      { tokenHash: hashSecret(link), userId, purpose: 'reset', createdAt: now, expiresAt: now + 3600 },
      0,
    );
    const before = received.length;
    const result = await fx.gatehouse.resetting.reset(
      link,
      'a brand new passphrase',
      'a brand new passphrase',
      '127.0.0.1',
    );
    expect(result.kind).not.toBe('link-not-usable');
    expect(await fx.store.findSession(session.idHash)).toBeNull();
    await fx.gatehouse.logoutDeliveries!.idle();
    const mine = received.slice(before);
    expect(mine.map((r) => r.path)).toEqual(['/reset']);
    expect((await verifyLogoutToken(mine[0]!.body.get('logout_token')!, notes)).payload.sid).toBe(session.sid);
    expect((await fx.store.findRefreshToken(grant.refreshHash))!.revokedAt).not.toBeNull();
  });

  it("an administrator's deactivation (the CLI's accounts) queues the logout tokens; the server's worker sends them at its tick", async () => {
    answer = { status: 200 };
    const notes = await clientWithReceiver('/admin');
    const { session, username } = await signedInBrowser(fx);
    await grantThrough(fx, notes, session);
    const before = received.length;
    const warnings: string[] = [];
    const logout = commandSessionLogout(fx.config.key_encryption_key, fx.store, fx.clock, (line) =>
      warnings.push(line),
    );
    const accounts = new UserAccounts(announcingSessionEnds(fx.store, logout, fx.clock), {
      clock: fx.clock,
      passwords: fx.gatehouse.passwords,
      events: fx.gatehouse.events,
    });
    await accounts.setEnabled(username, false);
    expect(await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id)).toHaveLength(1);
    expect(warnings).toEqual([]);
    await fx.tickLogoutDeliveries();
    const mine = received.slice(before);
    expect(mine.map((r) => r.path)).toEqual(['/admin']);
    const { payload } = await verifyLogoutToken(mine[0]!.body.get('logout_token')!, notes);
    expect(payload.sid).toBe(session.sid);

    // Deleting an account tells the apps of its live sessions before its grants go with it.
    const doomed = await signedInBrowser(fx);
    await grantThrough(fx, notes, doomed.session);
    await accounts.delete(doomed.username);
    expect(await fx.store.findUserById(doomed.userId)).toBeNull();
    await fx.tickLogoutDeliveries();
    const last = received.at(-1)!;
    expect(last.path).toBe('/admin');
    expect((await verifyLogoutToken(last.body.get('logout_token')!, notes)).payload).toMatchObject({
      sub: doomed.userId,
      sid: doomed.session.sid,
    });
  });

  it('a receiver that is down: the browser is answered at once, the delivery retried with backoff, logged, given up after N', async () => {
    const held = gate();
    answer = { status: 503, held: held.opened };
    const notes = await clientWithReceiver('/down');
    const { browser, session } = await signedInBrowser(fx);
    await grantThrough(fx, notes, session);
    const before = received.length;
    const paths = () => received.slice(before).map((r) => r.path);

    // The receiver holds its answer: the sign-out is answered all the same.
    const out = await signOut(browser);
    expect(out.status).toBe(303);
    held.open();
    await fx.gatehouse.logoutDeliveries!.idle();
    expect(paths()).toEqual(['/down']);
    let [row] = await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id);
    expect(row).toMatchObject({ attempts: 1, givenUpAt: null, nextAttemptAt: fx.clock.now() + 10 });
    expect(row!.lastError).toContain('answered 503');

    // Not before its time.
    fx.clock.advance(9);
    await fx.tickLogoutDeliveries();
    expect(paths()).toHaveLength(1);
    fx.clock.advance(1);
    await fx.tickLogoutDeliveries();
    expect(paths()).toHaveLength(2);
    [row] = await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id);
    expect(row).toMatchObject({ attempts: 2, nextAttemptAt: fx.clock.now() + 60 });
    fx.clock.advance(59);
    await fx.tickLogoutDeliveries();
    expect(paths()).toHaveLength(2);
    fx.clock.advance(1);
    await fx.tickLogoutDeliveries();
    expect(paths()).toHaveLength(3);
    // The third attempt was the last (backchannel_logout_attempts: 3).
    [row] = await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id);
    expect(row).toMatchObject({ attempts: 3, givenUpAt: fx.clock.now() });
    fx.clock.advance(86_400);
    await fx.tickLogoutDeliveries();
    expect(paths()).toHaveLength(3);

    const lines = fx
      .logs()
      .split('\n')
      .filter((line) => line.includes(notes.id) && line.includes('back-channel logout'));
    expect(lines.filter((line) => line.includes('will retry'))).toHaveLength(2);
    expect(lines.filter((line) => line.includes('given up'))).toHaveLength(1);
    expect(JSON.parse(lines.find((line) => line.includes('given up'))!)).toMatchObject({
      level: 40,
      client_id: notes.id,
      attempt: 3,
    });
    // Never the token itself.
    for (const r of received.slice(before)) expect(fx.logs()).not.toContain(r.body.get('logout_token')!);

    // The clean-up removes the given-up delivery.
    const counts = await fx.store.deleteExpired(fx.clock.now());
    expect(counts.logoutDeliveries).toBeGreaterThanOrEqual(1);
    expect(await fx.store.logoutDeliveries.listLogoutDeliveries(notes.id)).toEqual([]);
  });

  it('an unreachable receiver is retried too, and nothing is sent to an address the guarded fetcher refuses', async () => {
    const closed = await localServer(() => {});
    const url = closed.url('/gone');
    await closed.close();
    const gone = await createOidcClient(fx, { backchannelLogoutUri: url }, { name: 'Gone' });
    const internal = await createOidcClient(
      fx,
      { backchannelLogoutUri: 'https://10.0.0.1/logout' },
      { name: 'Internal' },
    );
    const { browser, session } = await signedInBrowser(fx);
    await grantThrough(fx, gone, session);
    await grantThrough(fx, internal, session);
    await signOut(browser);
    await fx.gatehouse.logoutDeliveries!.idle();
    const [row] = await fx.store.logoutDeliveries.listLogoutDeliveries(gone.id);
    expect(row).toMatchObject({ attempts: 1, givenUpAt: null });
    expect(row!.lastError).toContain('ECONNREFUSED');
    const [refused] = await fx.store.logoutDeliveries.listLogoutDeliveries(internal.id);
    expect(refused).toMatchObject({ attempts: 1, givenUpAt: null });
    expect(refused!.lastError).toContain('resolves to an address that is not fetched');
  });
});
