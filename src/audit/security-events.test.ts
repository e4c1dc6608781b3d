/**
 * Which security events an in-process Gatehouse emits, and with what: every grant's
 * token.issued, refresh-token and code reuse, revocation, sign-ins (form and password grant,
 * each failure reason) and consent. The grants and revocation are called on the core
 * endpoints with a chosen client address; the sign-in form, the consent page and the implicit
 * grant go through the real HTTP server (buildHttpServer, in this process, on 127.0.0.1), so
 * the routes' wiring of the caller's address is checked too.
 *
 * After every test: no event contains a token, code, secret, password or attempted login.
 * At the end: Services.close() leaves every event in the audit_events table.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { authorizePath, HttpBrowser, pkcePair } from '../../test/helpers/browser-http.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { rejectedOAuthError } from '../../test/helpers/errors.js';
import { freePort } from '../../test/helpers/server.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import type { GatehouseConfig } from '../config/schema.js';
import { ClientRegistry } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { hashSecret, tokenKey } from '../core/secrets.js';
import type { TokenOutcome } from '../core/token-endpoint.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from '../http/server.js';
import type { UserRecord } from '../storage/store.js';
import { toAuditRecord } from './audit-log.js';
import { COUNTED_EVENT_TYPES } from './failure-counts.js';
import type { SecurityEvent } from './events.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const DAVE_PASSWORD = 'daves own long passphrase';
const CALLBACK = 'https://app.example/callback';
const LEGACY_CALLBACK = 'https://legacy.example/cb';
const MAX_DELAY = 60;

describe('security events of an in-process Gatehouse', () => {
  let db: TestStore;
  const clock = new ManualClock(T);
  let config: GatehouseConfig;
  let gatehouse: Services;
  let app: FastifyInstance;
  let origin: string;
  let alice: UserRecord;
  let dave: UserRecord;
  /** Confidential, every grant but implicit. */
  let web: { id: string; secret: string };
  /** Another confidential client (for revoking someone else's token). */
  let other: { id: string; secret: string };
  /** Registered for the implicit grant only. */
  let legacy: { id: string };

  /** Every event the Gatehouse emitted, in order. */
  const events: SecurityEvent[] = [];
  let seen = 0;
  /** The events emitted since the last call. */
  const newEvents = () => {
    const fresh = events.slice(seen);
    seen = events.length;
    return fresh;
  };
  /** Values that must never appear in an event: tokens, codes, secrets, passwords. */
  const secrets = new Set<string>([PASSWORD, DAVE_PASSWORD]);
  /** Logins typed (compared ignoring case: none may appear in any form). */
  const attemptedLogins = new Set<string>();
  const remember = (value: string | undefined | null) => {
    expect(typeof value === 'string' && value.length >= 8, `not a secret: ${value}`).toBe(true);
    secrets.add(value!);
    return value!;
  };

  beforeAll(async () => {
    db = await createSqliteStore();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    config = validateConfig({
      issuer: origin,
      supported_scopes: ['read', 'write'],
      default_scope: 'read',
      login_throttle_threshold: 2,
      login_throttle_max_delay: MAX_DELAY,
    });
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    gatehouse.events.on((event) => events.push(event));
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port, host: '127.0.0.1' });

    const registry = new ClientRegistry(db.store, clock);
    const registered = await registry.create({
      name: 'Web',
      redirectUris: [CALLBACK],
      grantTypes: ['authorization_code', 'refresh_token', 'password', 'client_credentials'],
    });
    web = { id: registered.client.id, secret: remember(registered.secret) };
    const second = await registry.create({ name: 'Other', grantTypes: ['client_credentials'] });
    other = { id: second.client.id, secret: remember(second.secret) };
    legacy = {
      id: (await registry.create({ name: 'Legacy', redirectUris: [LEGACY_CALLBACK], grantTypes: ['implicit'] })).client
        .id,
    };

    // Administrators' account events go to another bus: only the Gatehouse's are collected.
    const accounts = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
    alice = await accounts.create({ username: 'alice', email: 'Alice@Example.com', password: PASSWORD });
    dave = await accounts.create({
      username: 'dave',
      email: 'dave@example.com',
      password: DAVE_PASSWORD,
      enabled: false,
    });
  });

  beforeEach(() => {
    // Every throttle counter forgets failures older than max_delay: each test starts unthrottled.
    clock.advance(MAX_DELAY + 1);
    newEvents();
  });

  afterEach(() => {
    const everything = JSON.stringify(events);
    for (const secret of secrets) {
      expect(everything, 'a secret in an event').not.toContain(secret);
      // Neither is any hash of it stored in an event.
      expect(everything, 'a hashed secret in an event').not.toContain(hashSecret(secret));
    }
    for (const login of attemptedLogins)
      expect(everything.toLowerCase(), `the attempted login "${login}" in an event`).not.toContain(login.toLowerCase());
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  /** A token request from `web` (client_secret_post) on the core endpoint, from `address`. */
  async function token(params: Record<string, string>, address: string, client = web): Promise<TokenOutcome> {
    const outcome = await gatehouse.tokenEndpoint.handle({
      params: new Map(Object.entries({ client_id: client.id, client_secret: client.secret, ...params })),
      clientIp: address,
    });
    remember(outcome.response.access_token);
    if (outcome.response.refresh_token) remember(outcome.response.refresh_token);
    return outcome;
  }

  const tokenFails = async (params: Record<string, string>, address: string) =>
    (
      await rejectedOAuthError(
        gatehouse.tokenEndpoint.handle({
          params: new Map(Object.entries({ client_id: web.id, client_secret: web.secret, ...params })),
          clientIp: address,
        }),
      )
    ).code;

  /** A password grant; a login other than the username is added to attemptedLogins. */
  const passwordGrant = (login: string, password: string, address: string) => {
    if (login !== 'alice') attemptedLogins.add(login);
    return token({ grant_type: 'password', username: login, password }, address);
  };

  const revoke = (tokenValue: string, address: string, client = web, hint?: string) =>
    gatehouse.revocationEndpoint.handle(
      {
        params: new Map(
          Object.entries({
            client_id: client.id,
            client_secret: client.secret,
            token: tokenValue,
            ...(hint ? { token_type_hint: hint } : {}),
          }),
        ),
      },
      address,
    );

  describe('token.issued', () => {
    it('client_credentials: the client, its address, grant type and scope; no user', async () => {
      await token({ grant_type: 'client_credentials', scope: 'read write' }, '198.51.100.1');
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.issued',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          address: '198.51.100.1',
          details: { grant_type: 'client_credentials', scope: 'read write' },
        },
      ]);
    });

    it('password grant: login.succeeded (via password_grant) then token.issued, both naming the user; the login typed is not kept', async () => {
      // Signed in with the e-mail address, in another case: only the account's username is recorded.
      await passwordGrant('ALICE@example.COM', PASSWORD, '198.51.100.2');
      expect(newEvents()).toStrictEqual([
        {
          type: 'login.succeeded',
          at: clock.now(),
          actor: 'user',
          userId: alice.id,
          username: 'alice',
          clientId: web.id,
          address: '198.51.100.2',
          details: { via: 'password_grant' },
        },
        {
          type: 'token.issued',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          userId: alice.id,
          address: '198.51.100.2',
          details: { grant_type: 'password', scope: 'read', refresh_token: 'issued' },
        },
      ]);
    });

    it('refresh_token: token.issued for the rotation; presenting the used refresh token again is token.reuse_detected, with no token.issued', async () => {
      const first = await passwordGrant('alice', PASSWORD, '198.51.100.3');
      newEvents();
      await token({ grant_type: 'refresh_token', refresh_token: first.response.refresh_token! }, '198.51.100.4');
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.issued',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          userId: alice.id,
          address: '198.51.100.4',
          details: { grant_type: 'refresh_token', scope: 'read', refresh_token: 'issued' },
        },
      ]);

      expect(
        await tokenFails({ grant_type: 'refresh_token', refresh_token: first.response.refresh_token! }, '203.0.113.66'),
      ).toBe('invalid_grant');
      const familyId = (await db.store.findRefreshToken(tokenKey(first.response.refresh_token!)))!.familyId;
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.reuse_detected',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          userId: alice.id,
          address: '203.0.113.66',
          details: { family_id: familyId },
        },
      ]);
    });

    it('a failed client authentication is client.authentication_failed (naming the client only when it exists); an unknown refresh token emits nothing', async () => {
      const refused = await rejectedOAuthError(
        gatehouse.tokenEndpoint.handle({
          params: new Map(
            Object.entries({
              client_id: web.id,
              client_secret: 'wrong-secret-value',
              grant_type: 'client_credentials',
            }),
          ),
          clientIp: '198.51.100.5',
        }),
      );
      expect(refused.code).toBe('invalid_client');
      const unknownClient = 'no-such-client-typed-here';
      attemptedLogins.add(unknownClient);
      const unknown = await rejectedOAuthError(
        gatehouse.tokenEndpoint.handle({
          params: new Map(
            Object.entries({
              client_id: unknownClient,
              client_secret: 'wrong-secret-value',
              grant_type: 'client_credentials',
            }),
          ),
          clientIp: '198.51.100.5',
        }),
      );
      expect(unknown.code).toBe('invalid_client');
      expect(newEvents()).toStrictEqual([
        {
          type: 'client.authentication_failed',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          address: '198.51.100.5',
          details: { method: 'client_secret_post', reason: 'wrong_secret' },
        },
        {
          type: 'client.authentication_failed',
          at: clock.now(),
          actor: 'client',
          address: '198.51.100.5',
          details: { method: 'client_secret_post', reason: 'unknown_client' },
        },
      ]);
      expect(
        await tokenFails({ grant_type: 'refresh_token', refresh_token: 'no-such-refresh-token' }, '198.51.100.5'),
      ).toBe('invalid_grant');
      expect(newEvents()).toEqual([]);
    });
  });

  describe('sign-in form, consent, authorization code and implicit (over HTTP, from 127.0.0.1)', () => {
    let browser: HttpBrowser;

    beforeAll(async () => {
      browser = new HttpBrowser(origin);
    });

    it('the sign-in form: login.succeeded via sign_in_form, with the account and the address', async () => {
      attemptedLogins.add('alice@EXAMPLE.com');
      await browser.signInOrFail('alice@EXAMPLE.com', PASSWORD);
      expect(newEvents()).toStrictEqual([
        {
          type: 'login.succeeded',
          at: clock.now(),
          actor: 'user',
          userId: alice.id,
          username: 'alice',
          address: '127.0.0.1',
          details: { via: 'sign_in_form' },
        },
      ]);
    });

    it('the sign-in form: a wrong password and an unknown login are login.failed with their reasons; the unknown login names no one', async () => {
      const stranger = new HttpBrowser(origin);
      secrets.add('not the password at all');
      attemptedLogins.add('ALICE@example.com');
      expect((await stranger.signIn('ALICE@example.com', 'not the password at all')).status).toBe(400);
      const unknown = 'typed-my-passphrase-here-by-mistake';
      attemptedLogins.add(unknown);
      expect((await stranger.signIn(unknown, PASSWORD)).status).toBe(400);
      expect(newEvents()).toStrictEqual([
        {
          type: 'login.failed',
          at: clock.now(),
          actor: 'user',
          userId: alice.id,
          username: 'alice',
          address: '127.0.0.1',
          details: { via: 'sign_in_form', reason: 'wrong_password' },
        },
        {
          type: 'login.failed',
          at: clock.now(),
          actor: 'user',
          address: '127.0.0.1',
          details: { via: 'sign_in_form', reason: 'unknown_login' },
        },
      ]);
    });

    it('consent.granted with the scope, then token.issued for the code; the code replayed is code.reuse_detected', async () => {
      await browser.signInOrFail('alice', PASSWORD);
      newEvents();
      const { verifier, challenge } = pkcePair();
      const consentPage = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id: web.id,
          redirect_uri: CALLBACK,
          scope: 'read write',
          state: 'st',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(consentPage.status, consentPage.text).toBe(200);
      expect(newEvents()).toEqual([]);
      const allowed = await browser.answerConsent(consentPage.text, 'allow');
      expect(allowed.status, allowed.text).toBe(303);
      const code = remember(new URL(allowed.location!).searchParams.get('code'));
      expect(newEvents()).toStrictEqual([
        {
          type: 'consent.granted',
          at: clock.now(),
          actor: 'user',
          userId: alice.id,
          username: 'alice',
          clientId: web.id,
          address: '127.0.0.1',
          details: { scope: 'read write' },
        },
      ]);

      const exchange = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier };
      await token(exchange, '192.0.2.10');
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.issued',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          userId: alice.id,
          address: '192.0.2.10',
          details: { grant_type: 'authorization_code', scope: 'read write', refresh_token: 'issued' },
        },
      ]);

      clock.advance(1);
      expect(await tokenFails(exchange, '192.0.2.99')).toBe('invalid_grant');
      const familyId = (await db.store.findAuthorizationCode(tokenKey(code)))!.familyId;
      expect(newEvents()).toStrictEqual([
        {
          type: 'code.reuse_detected',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          userId: alice.id,
          address: '192.0.2.99',
          details: { family_id: familyId },
        },
      ]);
    });

    it('a consent already given is not granted again: the next code comes without consent.granted', async () => {
      await browser.signInOrFail('alice', PASSWORD);
      newEvents();
      const { challenge } = pkcePair();
      const again = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id: web.id,
          redirect_uri: CALLBACK,
          scope: 'read',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(again.status, again.text).toBe(302);
      remember(new URL(again.location!).searchParams.get('code'));
      expect(newEvents()).toEqual([]);
    });

    it('implicit: consent.granted, then token.issued (actor user) for the token in the fragment', async () => {
      await browser.signInOrFail('alice', PASSWORD);
      newEvents();
      const consentPage = await browser.get(
        authorizePath({
          response_type: 'token',
          client_id: legacy.id,
          redirect_uri: LEGACY_CALLBACK,
          scope: 'read',
          state: 'imp',
        }),
      );
      expect(consentPage.status, consentPage.text).toBe(200);
      const allowed = await browser.answerConsent(consentPage.text, 'allow');
      expect(allowed.status, allowed.text).toBe(303);
      const fragment = new URLSearchParams(new URL(allowed.location!).hash.slice(1));
      remember(fragment.get('access_token'));
      const who = { userId: alice.id, username: 'alice', clientId: legacy.id, address: '127.0.0.1' };
      expect(newEvents()).toStrictEqual([
        { type: 'consent.granted', at: clock.now(), actor: 'user', ...who, details: { scope: 'read' } },
        {
          type: 'token.issued',
          at: clock.now(),
          actor: 'user',
          ...who,
          details: { grant_type: 'implicit', scope: 'read' },
        },
      ]);
    });

    it("revocation over HTTP records the caller's address", async () => {
      const issued = await token({ grant_type: 'client_credentials' }, '198.51.100.20');
      newEvents();
      const answer = await browser.request('/oauth/revoke', {
        method: 'POST',
        form: { client_id: web.id, client_secret: web.secret, token: issued.response.access_token },
        withoutCookies: true,
      });
      expect(answer.status, answer.text).toBe(200);
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.revoked',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          address: '127.0.0.1',
          details: { token_type: 'access_token' },
        },
      ]);
    });
  });

  describe('token.revoked', () => {
    it("an access token revoked by its client: one event; revoking it again, an unknown token or another client's token: none", async () => {
      const issued = await token({ grant_type: 'client_credentials' }, '198.51.100.30');
      newEvents();
      await revoke(issued.response.access_token, '198.51.100.31');
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.revoked',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          address: '198.51.100.31',
          details: { token_type: 'access_token' },
        },
      ]);

      await revoke(issued.response.access_token, '198.51.100.31');
      await revoke('no-such-token-anywhere-at-all', '198.51.100.31');
      const foreign = await token({ grant_type: 'client_credentials' }, '198.51.100.32');
      newEvents();
      await revoke(foreign.response.access_token, '198.51.100.33', other);
      expect(newEvents()).toEqual([]);
      expect((await db.store.findAccessToken(tokenKey(foreign.response.access_token)))?.revokedAt).toBeNull();
    });

    it('a refresh token revoked by its client: token.revoked naming the user (token_type refresh_token)', async () => {
      const issued = await passwordGrant('alice', PASSWORD, '198.51.100.40');
      newEvents();
      await revoke(issued.response.refresh_token!, '198.51.100.41', web, 'refresh_token');
      expect(newEvents()).toStrictEqual([
        {
          type: 'token.revoked',
          at: clock.now(),
          actor: 'client',
          clientId: web.id,
          userId: alice.id,
          address: '198.51.100.41',
          details: { token_type: 'refresh_token' },
        },
      ]);
      await revoke(issued.response.refresh_token!, '198.51.100.41', web, 'refresh_token');
      expect(newEvents()).toEqual([]);
    });
  });

  describe('login.failed (password grant)', () => {
    const failed = (address: string, reason: string, user?: UserRecord) => ({
      type: 'login.failed',
      at: clock.now(),
      actor: 'user',
      ...(user ? { userId: user.id, username: user.username } : {}),
      clientId: web.id,
      address,
      details: { via: 'password_grant', reason },
    });

    it('wrong_password names the account; no token.issued', async () => {
      const wrong = 'a wrong guess of a password';
      secrets.add(wrong);
      attemptedLogins.add('Alice@Example.com');
      expect(
        await tokenFails({ grant_type: 'password', username: 'Alice@Example.com', password: wrong }, '198.51.100.50'),
      ).toBe('invalid_grant');
      expect(newEvents()).toStrictEqual([failed('198.51.100.50', 'wrong_password', alice)]);
    });

    it('unknown_login names no one, and the login typed is not kept', async () => {
      const typed = 'my-secret-passphrase-in-the-username';
      attemptedLogins.add(typed);
      expect(await tokenFails({ grant_type: 'password', username: typed, password: PASSWORD }, '198.51.100.51')).toBe(
        'invalid_grant',
      );
      expect(newEvents()).toStrictEqual([failed('198.51.100.51', 'unknown_login')]);
    });

    it('deactivated: the right password of a deactivated account', async () => {
      attemptedLogins.add('dave@example.com');
      expect(
        await tokenFails(
          { grant_type: 'password', username: 'dave@example.com', password: DAVE_PASSWORD },
          '198.51.100.52',
        ),
      ).toBe('invalid_grant');
      expect(newEvents()).toStrictEqual([failed('198.51.100.52', 'deactivated', dave)]);
    });

    it('throttled: once the failures block, the next attempt is login.failed throttled, naming no one (the password is not checked)', async () => {
      const wrong = 'another wrong guess here';
      secrets.add(wrong);
      attemptedLogins.add('alice@example.com');
      const address = '198.51.100.53';
      let attempts = 0;
      let last = '';
      while (attempts < 10) {
        attempts += 1;
        last = (
          await rejectedOAuthError(
            gatehouse.tokenEndpoint.handle({
              params: new Map(
                Object.entries({
                  client_id: web.id,
                  client_secret: web.secret,
                  grant_type: 'password',
                  username: 'alice@example.com',
                  password: wrong,
                }),
              ),
              clientIp: address,
            }),
          )
        ).description;
        if (/too many failed sign-in attempts/.test(last)) break;
      }
      expect(last).toMatch(/too many failed sign-in attempts/);
      expect(attempts).toBeGreaterThan(1);
      const emitted = newEvents();
      expect(emitted).toStrictEqual([
        ...Array.from({ length: attempts - 1 }, () => failed(address, 'wrong_password', alice)),
        failed(address, 'throttled'),
      ]);
      // The right password is throttled too, and says so.
      expect(
        await tokenFails({ grant_type: 'password', username: 'alice@example.com', password: PASSWORD }, address),
      ).toBe('invalid_grant');
      expect(newEvents()).toStrictEqual([failed(address, 'throttled')]);
    });
  });

  describe('the audit log', () => {
    it('Gatehouse.close() leaves every event in the audit_events table', async () => {
      expect(events.length).toBeGreaterThan(20);
      expect(new Set(events.map((event) => event.type))).toEqual(
        new Set([
          'token.issued',
          'token.revoked',
          'token.reuse_detected',
          'code.reuse_detected',
          'login.succeeded',
          'login.failed',
          'client.authentication_failed',
          'consent.granted',
        ]),
      );
      await gatehouse.close();
      const stored = await db.store.listAuditEvents({ limit: 10_000 });
      // Every event but the failures is one row of its own.
      const comparable = (record: ReturnType<typeof toAuditRecord>) => JSON.stringify({ ...record, id: '' });
      expect(
        stored
          .filter((record) => record.count === undefined)
          .map(comparable)
          .sort(),
      ).toEqual(
        events
          .filter((event) => !COUNTED_EVENT_TYPES.has(event.type))
          .map((event) => comparable(toAuditRecord(event, '')))
          .sort(),
      );
      // The failures are counted rows: one per source (type, account, client, address, details) and window (5 minutes), their counts adding up.
      const source = (record: ReturnType<typeof toAuditRecord>) =>
        JSON.stringify([
          Math.floor(record.at / 300),
          record.type,
          record.actor,
          record.userId,
          record.username,
          record.clientId,
          record.address,
          Object.entries(record.details ?? {}).sort(),
        ]);
      const expected = new Map<string, number>();
      for (const event of events.filter((e) => COUNTED_EVENT_TYPES.has(e.type))) {
        const key = source(toAuditRecord(event, ''));
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      const counted = stored.filter((record) => record.count !== undefined);
      expect(new Map(counted.map((record) => [source(record), record.count]))).toEqual(expected);
      expect(counted.length).toBeLessThan([...expected.values()].reduce((a, b) => a + b));
      expect(new Set(stored.map((record) => record.id)).size).toBe(stored.length);
      const rows = JSON.stringify(await db.store.driver.all('SELECT * FROM audit_events'));
      for (const secret of secrets) expect(rows, 'a secret in the audit_events table').not.toContain(secret);
    });
  });
});

describe('Gatehouse and its audit log, flush timer held', () => {
  afterEach(() => vi.useRealTimers());

  it('close() writes the events still queued: nothing is in the table before it, everything after', async () => {
    const db = await createSqliteStore();
    try {
      const clock = new ManualClock(T);
      const registered = await new ClientRegistry(db.store, clock).create({
        name: 'svc',
        grantTypes: ['client_credentials'],
      });
      // Only setTimeout is faked: the 200 ms flush never fires by itself in this test.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const gatehouse = composeServices({
        passwords: cheapPasswords,
        config: validateConfig({}),
        store: db.store,
        clock,
      });
      for (let i = 0; i < 3; i++) {
        await gatehouse.tokenEndpoint.handle({
          params: new Map(
            Object.entries({
              grant_type: 'client_credentials',
              client_id: registered.client.id,
              client_secret: registered.secret!,
            }),
          ),
          clientIp: '192.0.2.1',
        });
      }
      expect(await db.store.listAuditEvents({ limit: 10 })).toEqual([]);
      await gatehouse.close();
      const stored = await db.store.listAuditEvents({ limit: 10 });
      expect(stored.map((record) => [record.type, record.clientId, record.address])).toEqual(
        Array.from({ length: 3 }, () => ['token.issued', registered.client.id, '192.0.2.1']),
      );
    } finally {
      vi.useRealTimers();
      await db.cleanup();
    }
  });

  it('with auditLog: false the events are still emitted, but nothing is written', async () => {
    const db = await createSqliteStore();
    try {
      const clock = new ManualClock(T);
      const registered = await new ClientRegistry(db.store, clock).create({
        name: 'svc',
        grantTypes: ['client_credentials'],
      });
      const gatehouse = composeServices({
        passwords: cheapPasswords,
        config: validateConfig({}),
        store: db.store,
        clock,
        auditLog: false,
      });
      expect(gatehouse.auditLog).toBeNull();
      const seen: string[] = [];
      gatehouse.events.on((event) => seen.push(event.type));
      await gatehouse.tokenEndpoint.handle({
        params: new Map(
          Object.entries({
            grant_type: 'client_credentials',
            client_id: registered.client.id,
            client_secret: registered.secret!,
          }),
        ),
      });
      await gatehouse.close();
      expect(seen).toEqual(['token.issued']);
      expect(await db.store.listAuditEvents({ limit: 10 })).toEqual([]);
    } finally {
      await db.cleanup();
    }
  });
});
