/**
 * The refresh_token grant's grace rule and absolute lifetime, in-process with a ManualClock, on
 * both engines: a replay of a rotated refresh token inside refresh_token_grace_period is answered
 * only while its successor is unused, and that successor is revoked; every conflict afterwards
 * revokes the family; every grace replay is audit-logged; a family ends at its first issue time
 * + refresh_token_absolute_lifetime however often it rotates.
 */
import { cheapPasswords } from '../../../test/harness/passwords.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestStore } from '../../../test/helpers/databases.js';
import { rejectedOAuthError } from '../../../test/helpers/errors.js';
import { UserAccounts } from '../../accounts/users.js';
import type { SecurityEvent } from '../../audit/events.js';
import { validateConfig } from '../../config/load.js';
import { composeServices, type Services } from '../../compose.js';
import { ClientRegistry } from '../clients.js';
import { ManualClock } from '../clock.js';
import { tokenKey } from '../secrets.js';
import type { TokenResponse } from '../tokens.js';

const T = 1_800_000_000;
const DAY = 86_400;
const PASSWORD = 'a long passphrase';

/** Moves a ManualClock forward to `at`. */
const moveTo = (clock: ManualClock, at: number) => clock.advance(at - clock.now());

describeEachEngine('refresh_token grant: grace replays and absolute lifetime', (factory) => {
  let db: TestStore;
  const clock = new ManualClock(T);
  const config = validateConfig({
    supported_scopes: ['read'],
    default_scope: 'read',
    access_token_lifetime: 600,
    refresh_token_lifetime: 14 * DAY,
    refresh_token_grace_period: 30,
  });
  let gatehouse: Services;
  let unlimited: Services;
  let app: { id: string; secret: string };
  let otherApp: { id: string; secret: string };
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    db = await factory.createStore();
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    unlimited = composeServices({
      passwords: cheapPasswords,

      config: { ...config, refresh_token_absolute_lifetime: 0 },
      store: db.store,
      clock,
      auditLog: false,
    });
    gatehouse.events.on((event) => events.push(event));
    const registry = new ClientRegistry(db.store, clock);
    const a = await registry.create({ name: 'app', grantTypes: ['password', 'refresh_token'] });
    const b = await registry.create({ name: 'other', grantTypes: ['password', 'refresh_token'] });
    app = { id: a.client.id, secret: a.secret! };
    otherApp = { id: b.client.id, secret: b.secret! };
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'carol',
      email: 'carol@example.com',
      password: PASSWORD,
    });
  });
  afterAll(async () => {
    await gatehouse?.close();
    await db?.cleanup();
  });

  const request = (params: Record<string, string>, as = app, on = gatehouse) =>
    on.tokenEndpoint
      .handle({
        params: new Map(Object.entries({ client_id: as.id, client_secret: as.secret, ...params })),
        clientIp: '203.0.113.9',
      })
      .then((outcome) => outcome.response);
  const login = (on = gatehouse) => request({ grant_type: 'password', username: 'carol', password: PASSWORD }, app, on);
  const refresh = (token: TokenResponse, as = app, on = gatehouse) =>
    request({ grant_type: 'refresh_token', refresh_token: token.refresh_token! }, as, on);
  const rejected = async (promise: Promise<unknown>) => (await rejectedOAuthError(promise)).code;
  const accessRevoked = async (token: TokenResponse) =>
    (await db.store.findAccessToken(tokenKey(token.access_token)))?.revokedAt !== null;
  const eventsOf = (type: string, since: number) => events.slice(since).filter((event) => event.type === type);

  it("the attacker story: a replay of the old token in the window gets a pair and revokes the client's successor; the client's next refresh revokes the family, the attacker's tokens with it", async () => {
    const mark = events.length;
    const original = await login(); // the attacker steals original.refresh_token
    const legit = await refresh(original); // the rightful client rotates it
    clock.advance(10);

    // Inside the 30 s window, with the client's successor unused: the attacker gets a new pair.
    const attacker = await refresh(original);
    expect(attacker.refresh_token).not.toBe(legit.refresh_token);
    expect(await accessRevoked(legit)).toBe(true);
    expect((await db.store.findRefreshToken(tokenKey(legit.refresh_token!)))?.revokedAt).toBe(clock.now());
    expect(eventsOf('refresh_token.grace_replay', mark)).toMatchObject([
      { clientId: app.id, address: '203.0.113.9', actor: 'client' },
    ]);

    // The rightful client refreshes with its (now revoked) successor: reuse, the family dies.
    clock.advance(60);
    expect(await rejected(refresh(legit))).toBe('invalid_grant');
    expect(eventsOf('token.reuse_detected', mark)).toHaveLength(1);
    expect(await accessRevoked(attacker)).toBe(true);
    expect(await rejected(refresh(attacker))).toBe('invalid_grant');
    expect((await db.store.findRefreshToken(tokenKey(attacker.refresh_token!)))?.revokedAt).not.toBeNull();

    // Both events reach the audit log.
    await gatehouse.auditLog!.flush();
    const audited = await db.store.listAuditEvents({ since: T, clientId: app.id, limit: 1000 });
    const familyId = (await db.store.findRefreshToken(tokenKey(original.refresh_token!)))!.familyId;
    const ofFamily = audited.filter((row) => row.details?.family_id === familyId).map((row) => row.type);
    expect(ofFamily).toEqual(expect.arrayContaining(['refresh_token.grace_replay', 'token.reuse_detected']));
  });

  it('the rightful client retrying after a lost response gets a pair and goes on; the audit log says so', async () => {
    const mark = events.length;
    const original = await login();
    await refresh(original); // the response is lost
    clock.advance(5);
    const retried = await refresh(original);
    const next = await refresh(retried);
    expect(next.access_token).toBeTruthy();
    expect(await accessRevoked(next)).toBe(false);
    expect(eventsOf('refresh_token.grace_replay', mark)).toHaveLength(1);
    expect(eventsOf('token.reuse_detected', mark)).toHaveLength(0);
  });

  it('a replay in the window after the successor was used is reuse: the whole family is revoked', async () => {
    const mark = events.length;
    const original = await login();
    const second = await refresh(original);
    const third = await refresh(second);
    clock.advance(5);
    expect(await rejected(refresh(original))).toBe('invalid_grant');
    expect(eventsOf('refresh_token.grace_replay', mark)).toHaveLength(0);
    expect(eventsOf('token.reuse_detected', mark)).toHaveLength(1);
    expect(await accessRevoked(third)).toBe(true);
    expect(await rejected(refresh(third))).toBe('invalid_grant');
  });

  it('a used refresh token replayed by another client, even in the window, is reuse: the family is revoked', async () => {
    const mark = events.length;
    const original = await login();
    const legit = await refresh(original);
    clock.advance(5);
    expect(await rejected(refresh(original, otherApp))).toBe('invalid_grant');
    expect(eventsOf('token.reuse_detected', mark)).toMatchObject([
      { clientId: otherApp.id, details: { issued_to: app.id } },
    ]);
    expect(eventsOf('refresh_token.grace_replay', mark)).toHaveLength(0);
    expect(await accessRevoked(legit)).toBe(true);
    expect(await rejected(refresh(legit))).toBe('invalid_grant');
  });

  it("another client presenting a live refresh token is refused, and the owner's grant is left alone", async () => {
    const mark = events.length;
    const original = await login();
    expect(await rejected(refresh(original, otherApp))).toBe('invalid_grant');
    expect(eventsOf('token.reuse_detected', mark)).toHaveLength(0);
    expect(await accessRevoked(original)).toBe(false);
    expect((await refresh(original)).refresh_token).toBeTruthy();
  });

  it('refreshing every day: refused with invalid_grant once 90 days have passed since the sign-in; each rotated token expires at the latest then', async () => {
    const start = clock.now();
    let tokens = await login();
    for (let day = 1; day < 90; day++) {
      moveTo(clock, start + day * DAY);
      tokens = await refresh(tokens);
      const stored = await db.store.findRefreshToken(tokenKey(tokens.refresh_token!));
      expect(stored?.expiresAt).toBe(Math.min(clock.now() + 14 * DAY, start + 90 * DAY));
      expect(stored?.familyStartedAt).toBe(start);
    }
    moveTo(clock, start + 90 * DAY);
    expect(await rejected(refresh(tokens))).toBe('invalid_grant');
  });

  it('near the end of the family, the access token is cut short too (expires_in)', async () => {
    const start = clock.now();
    let tokens = await login();
    for (let day = 10; day < 90; day += 10) {
      moveTo(clock, start + day * DAY);
      tokens = await refresh(tokens);
    }
    expect(tokens.expires_in).toBe(600);
    moveTo(clock, start + 90 * DAY - 100);
    tokens = await refresh(tokens);
    expect(tokens.expires_in).toBe(100);
    expect((await db.store.findAccessToken(tokenKey(tokens.access_token)))?.expiresAt).toBe(start + 90 * DAY);
  });

  it('a family older than the absolute lifetime is refused even when its token was issued with a longer expiry', async () => {
    // Issued by a server without the limit (as before this setting existed), used by one with it.
    const start = clock.now();
    let tokens = await login(unlimited);
    for (let day = 10; day <= 100; day += 10) {
      moveTo(clock, start + day * DAY);
      tokens = await refresh(tokens, app, unlimited);
    }
    expect(await rejected(refresh(tokens))).toBe('invalid_grant');
    // refresh_token_absolute_lifetime: 0 turns the limit off.
    clock.advance(DAY);
    expect((await refresh(tokens, app, unlimited)).refresh_token).toBeTruthy();
  });
});
