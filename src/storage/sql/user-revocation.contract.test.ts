/**
 * updateUserRevoking, against both engines: an account change and, in the same transaction,
 * the end of what was issued before it (e-mailed links, sessions, tokens and unused codes);
 * consents are never touched, and nothing of another user is.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestStore } from '../../../test/helpers/databases.js';
import type { SqlStore } from '../sql-store.js';
import type { UserRecord } from '../store.js';

const T = 1_800_000_000;

describeEachEngine('updateUserRevoking', (factory) => {
  let db: TestStore;
  let store: SqlStore;
  const clientId = `client-${randomUUID()}`;

  beforeAll(async () => {
    db = await factory.createStore();
    store = db.store;
    await store.createClient({
      id: clientId,
      name: 'c',
      secretHash: 'a'.repeat(64),
      isPublic: false,
      redirectUris: ['https://app.example/cb'],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: null,
      trusted: false,
      canIntrospect: false,
      allowedResources: null,
      createdAt: T,
    });
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  /** A user with one of everything: a reset and a confirmation link, a session, a token pair, an unused code, a consent. */
  async function userWithEverything(): Promise<{ user: UserRecord; hashes: Record<string, string> }> {
    const suffix = randomUUID().slice(0, 8);
    const user: UserRecord = {
      id: `user-${randomUUID()}`,
      username: `u_${suffix}`,
      usernameCanonical: `u_${suffix}`,
      email: `u.${suffix}@example.com`,
      emailCanonical: `u.${suffix}@example.com`,
      passwordHash: '$argon2id$old',
      enabled: true,
      awaitingConfirmation: false,
      roles: [],
      createdAt: T,
      updatedAt: T,
      displayName: null,
      emailVerified: false,
    };
    await store.createUser(user);
    const hashes = {
      reset: `r-${suffix}`,
      confirm: `c-${suffix}`,
      session: `s-${suffix}`,
      access: `at-${suffix}`,
      refresh: `rt-${suffix}`,
      code: `code-${suffix}`,
    };
    await store.issueAccountToken(
      { tokenHash: hashes.reset, userId: user.id, purpose: 'reset', createdAt: T, expiresAt: T + 600 },
      0,
    );
    await store.issueAccountToken(
      { tokenHash: hashes.confirm, userId: user.id, purpose: 'confirm', createdAt: T, expiresAt: T + 600 },
      0,
    );
    await store.createSession({ idHash: hashes.session, userId: user.id, createdAt: T, expiresAt: T + 600 });
    const familyId = randomUUID();
    await store.issueTokens({
      accessToken: {
        tokenHash: hashes.access,
        jti: randomUUID(),
        familyId,
        clientId,
        userId: user.id,
        scope: 'read',
        issuedAt: T,
        expiresAt: T + 600,
        revokedAt: null,
      },
      refreshToken: {
        tokenHash: hashes.refresh,
        familyId,
        parentHash: null,
        clientId,
        userId: user.id,
        scope: 'read',
        issuedAt: T,
        expiresAt: T + 600,
        consumedAt: null,
        revokedAt: null,
      },
    });
    await store.saveAuthorizationCode({
      codeHash: hashes.code,
      familyId: randomUUID(),
      clientId,
      userId: user.id,
      redirectUri: 'https://app.example/cb',
      redirectUriGiven: true,
      scope: 'read',
      codeChallenge: null,
      codeChallengeMethod: null,
      issuedAt: T,
      expiresAt: T + 60,
      consumedAt: null,
    });
    await store.saveConsent({ userId: user.id, clientId, scopes: ['read'], grantedAt: T });
    return { user, hashes };
  }

  async function what(user: UserRecord, hashes: Record<string, string>) {
    return {
      user: await store.findUserById(user.id),
      reset: (await store.findAccountToken(hashes.reset!, 'reset', T)) !== null,
      confirm: (await store.findAccountToken(hashes.confirm!, 'confirm', T)) !== null,
      session: (await store.findSession(hashes.session!)) !== null,
      accessRevokedAt: (await store.findAccessToken(hashes.access!))?.revokedAt,
      refreshRevokedAt: (await store.findRefreshToken(hashes.refresh!))?.revokedAt,
      codeConsumedAt: (await store.findAuthorizationCode(hashes.code!))?.consumedAt,
      consent: (await store.findConsent(user.id, clientId)) !== null,
    };
  }

  it('everything: the change, links, sessions, tokens and codes end together; the consent stays; others are untouched', async () => {
    const { user, hashes } = await userWithEverything();
    const bystander = await userWithEverything();
    expect(
      await store.updateUserRevoking(user.id, { enabled: false }, T + 5, { links: true, sessions: true, tokens: true }),
    ).toBe(true);
    expect(await what(user, hashes)).toEqual({
      user: { ...user, enabled: false, updatedAt: T + 5 },
      reset: false,
      confirm: false,
      session: false,
      accessRevokedAt: T + 5,
      refreshRevokedAt: T + 5,
      codeConsumedAt: T + 5,
      consent: true,
    });
    expect(await what(bystander.user, bystander.hashes)).toEqual({
      user: bystander.user,
      reset: true,
      confirm: true,
      session: true,
      accessRevokedAt: null,
      refreshRevokedAt: null,
      codeConsumedAt: null,
      consent: true,
    });
  });

  it('links and sessions only (a password change on /account): tokens and codes are kept', async () => {
    const { user, hashes } = await userWithEverything();
    expect(
      await store.updateUserRevoking(user.id, { passwordHash: '$argon2id$new' }, T + 5, {
        links: true,
        sessions: true,
      }),
    ).toBe(true);
    expect(await what(user, hashes)).toEqual({
      user: { ...user, passwordHash: '$argon2id$new', updatedAt: T + 5 },
      reset: false,
      confirm: false,
      session: false,
      accessRevokedAt: null,
      refreshRevokedAt: null,
      codeConsumedAt: null,
      consent: true,
    });
  });

  it('nothing to revoke is a plain update; an unknown user is false and changes nothing', async () => {
    const { user, hashes } = await userWithEverything();
    expect(
      await store.updateUserRevoking(
        user.id,
        { username: `${user.username}x`, usernameCanonical: `${user.usernameCanonical}x` },
        T + 5,
        {},
      ),
    ).toBe(true);
    expect(await what(user, hashes)).toMatchObject({
      reset: true,
      confirm: true,
      session: true,
      accessRevokedAt: null,
    });
    expect(
      await store.updateUserRevoking('no-such-user', { enabled: false }, T + 5, {
        links: true,
        sessions: true,
        tokens: true,
      }),
    ).toBe(false);
  });
});
