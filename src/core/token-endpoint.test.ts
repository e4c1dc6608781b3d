import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { composeServices, type Services } from '../compose.js';
import { ClientRegistry } from './clients.js';
import { ManualClock } from './clock.js';
import { rejectedOAuthError } from '../../test/helpers/errors.js';
import { tokenKey } from './secrets.js';
import type { TokenResponse } from './tokens.js';

/**
 * The token endpoint in-process with an injected clock, for the rules that depend on time:
 * lifetimes, expiry and the grace window. (The HTTP behaviour is covered end to end in test/e2e.)
 */
describe('token endpoint with an injected clock', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  const config = validateConfig({
    supported_scopes: ['read', 'write'],
    default_scope: 'read',
    access_token_lifetime: 600,
    refresh_token_lifetime: 3600,
  });
  let strict: Services;
  let lenient: Services;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    db = await createSqliteStore();
    strict = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    lenient = composeServices({
      passwords: cheapPasswords,
      config: { ...config, refresh_token_grace_period: 30 },
      store: db.store,
      clock,
    });
    const registered = await new ClientRegistry(db.store, clock).create({
      name: 'app',
      grantTypes: ['password', 'refresh_token'],
    });
    client = { id: registered.client.id, secret: registered.secret! };
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'carol',
      email: 'carol@example.com',
      password: 'a long passphrase',
    });
  });
  afterAll(() => db.cleanup());

  const request = (gatehouse: Services, params: Record<string, string>) =>
    gatehouse.tokenEndpoint
      .handle({ params: new Map(Object.entries({ client_id: client.id, client_secret: client.secret, ...params })) })
      .then((outcome) => outcome.response);
  const login = (gatehouse = strict) =>
    request(gatehouse, { grant_type: 'password', username: 'carol', password: 'a long passphrase' });
  const refresh = (gatehouse: Services, token: TokenResponse, extra: Record<string, string> = {}) =>
    request(gatehouse, { grant_type: 'refresh_token', refresh_token: token.refresh_token!, ...extra });
  const rejected = async (promise: Promise<unknown>) => (await rejectedOAuthError(promise)).code;

  it('stores only hashes of the tokens it hands out, with the configured lifetimes', async () => {
    const tokens = await login();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'read' });
    expect(tokens.access_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect(await db.store.findAccessToken(tokens.access_token)).toBeNull();
    const access = await db.store.findAccessToken(tokenKey(tokens.access_token));
    const refreshToken = await db.store.findRefreshToken(tokenKey(tokens.refresh_token!));
    expect(access?.expiresAt).toBe(clock.now() + 600);
    expect(refreshToken?.expiresAt).toBe(clock.now() + 3600);
    expect(refreshToken?.familyId).toBe(access?.familyId);
  });

  it('revokes the access token issued with a refresh token when that refresh token is rotated', async () => {
    const first = await login();
    const second = await refresh(strict, first);
    expect((await db.store.findAccessToken(tokenKey(first.access_token)))?.revokedAt).toBe(clock.now());
    expect((await db.store.findAccessToken(tokenKey(second.access_token)))?.revokedAt).toBeNull();
  });

  it('refuses an expired refresh token, and a rotated one lives a full lifetime from its rotation', async () => {
    const first = await login();
    clock.advance(3000);
    const second = await refresh(strict, first);
    clock.advance(3599);
    const third = await refresh(strict, second);
    clock.advance(3600);
    expect(await rejected(refresh(strict, third))).toBe('invalid_grant');
  });

  it('within the grace window re-issues and revokes the unused successor pair; presenting that successor later is reuse and revokes the family', async () => {
    const first = await login(lenient);
    const second = await refresh(lenient, first);
    clock.advance(30);
    const retried = await refresh(lenient, first);
    expect(retried.refresh_token).not.toBe(second.refresh_token);
    expect((await db.store.findAccessToken(tokenKey(second.access_token)))?.revokedAt).not.toBeNull();
    // The superseded successor comes back: one of its two holders is not the client. Reuse.
    expect(await rejected(refresh(lenient, second))).toBe('invalid_grant');
    expect(await rejected(refresh(lenient, retried))).toBe('invalid_grant');
    expect((await db.store.findAccessToken(tokenKey(retried.access_token)))?.revokedAt).not.toBeNull();
  });

  it('after the grace window, presenting a used token again is reuse and revokes the family, the re-issued pair included', async () => {
    const first = await login(lenient);
    await refresh(lenient, first);
    clock.advance(30);
    const retried = await refresh(lenient, first);
    clock.advance(1);
    expect(await rejected(refresh(lenient, first))).toBe('invalid_grant');
    expect(await rejected(refresh(lenient, retried))).toBe('invalid_grant');
  });

  it('narrows scope on refresh and keeps the narrowed scope for the next one', async () => {
    const first = await request(strict, {
      grant_type: 'password',
      username: 'carol',
      password: 'a long passphrase',
      scope: 'read write',
    });
    const narrowed = await refresh(strict, first, { scope: 'write' });
    expect(narrowed.scope).toBe('write');
    expect(await rejected(refresh(strict, narrowed, { scope: 'read' }))).toBe('invalid_scope');
  });

  it('refuses to refresh for a deactivated user', async () => {
    const tokens = await login();
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).setEnabled('carol', false);
    try {
      expect(await rejected(refresh(strict, tokens))).toBe('invalid_grant');
      expect(await rejected(login())).toBe('invalid_grant');
    } finally {
      await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).setEnabled('carol', true);
    }
  });
});
