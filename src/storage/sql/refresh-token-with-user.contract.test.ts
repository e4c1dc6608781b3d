/**
 * findRefreshTokenWithUser, against both engines: what the refresh grant reads before it
 * rotates (the token's binding and its user's state) in one statement.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestStore } from '../../../test/helpers/databases.js';
import type { SqlStore } from '../sql-store.js';
import type { RefreshTokenRecord, UserRecord } from '../store.js';

const T = 1_800_000_000;

describeEachEngine('findRefreshTokenWithUser', (factory) => {
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
      redirectUris: [],
      grantTypes: ['refresh_token'],
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

  async function user(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
    const suffix = randomUUID().slice(0, 8);
    const record: UserRecord = {
      id: `user-${randomUUID()}`,
      username: `Bob_${suffix}`,
      usernameCanonical: `bob_${suffix}`,
      email: `b.${suffix}@example.com`,
      emailCanonical: `b.${suffix}@example.com`,
      passwordHash: '$argon2id$x',
      enabled: true,
      awaitingConfirmation: false,
      roles: ['admin'],
      createdAt: T,
      updatedAt: T,
      ...overrides,
    };
    await store.createUser(record);
    return record;
  }

  async function refreshToken(userId: string | null): Promise<RefreshTokenRecord> {
    const familyId = randomUUID();
    const token: RefreshTokenRecord = {
      tokenHash: `rt-${randomUUID()}`,
      familyId,
      parentHash: null,
      clientId,
      userId,
      scope: 'read write',
      issuedAt: T,
      expiresAt: T + 100,
      consumedAt: null,
      revokedAt: null,
    };
    await store.issueTokens({
      accessToken: {
        tokenHash: `at-${randomUUID()}`,
        jti: randomUUID(),
        familyId,
        clientId,
        userId,
        scope: 'read write',
        issuedAt: T,
        expiresAt: T + 10,
        revokedAt: null,
      },
      refreshToken: token,
    });
    return token;
  }

  it('returns the binding of the token and the state of its user', async () => {
    const owner = await user();
    const token = await refreshToken(owner.id);
    expect(await store.findRefreshTokenWithUser(token.tokenHash)).toStrictEqual({
      token: { clientId, familyId: token.familyId, scope: 'read write', userId: owner.id, familyStartedAt: T },
      user: { enabled: true, username: owner.username, roles: ['admin'] },
    });
  });

  it('says when the user is deactivated, and follows the change at once', async () => {
    const owner = await user();
    const token = await refreshToken(owner.id);
    await store.updateUser(owner.id, { enabled: false }, T + 1);
    expect((await store.findRefreshTokenWithUser(token.tokenHash))?.user).toStrictEqual({
      enabled: false,
      username: owner.username,
      roles: ['admin'],
    });
    await store.updateUser(owner.id, { enabled: true, roles: [] }, T + 2);
    expect((await store.findRefreshTokenWithUser(token.tokenHash))?.user).toStrictEqual({
      enabled: true,
      username: owner.username,
      roles: [],
    });
  });

  it('a token without a user has user null; an unknown token is null', async () => {
    const token = await refreshToken(null);
    expect(await store.findRefreshTokenWithUser(token.tokenHash)).toStrictEqual({
      token: { clientId, familyId: token.familyId, scope: 'read write', userId: null, familyStartedAt: T },
      user: null,
    });
    expect(await store.findRefreshTokenWithUser(`rt-${randomUUID()}`)).toBeNull();
  });

  it("carries the family's start as stored (a rotated token keeps its family's first issue time)", async () => {
    const owner = await user();
    const familyId = randomUUID();
    const token: RefreshTokenRecord = {
      tokenHash: `rt-${randomUUID()}`,
      familyId,
      parentHash: `rt-${randomUUID()}`,
      clientId,
      userId: owner.id,
      scope: 'read',
      issuedAt: T + 500,
      familyStartedAt: T,
      expiresAt: T + 600,
      consumedAt: null,
      revokedAt: null,
    };
    await store.issueTokens({
      accessToken: {
        tokenHash: `at-${randomUUID()}`,
        jti: randomUUID(),
        familyId,
        clientId,
        userId: owner.id,
        scope: 'read',
        issuedAt: T + 500,
        expiresAt: T + 510,
        revokedAt: null,
      },
      refreshToken: token,
    });
    expect((await store.findRefreshTokenWithUser(token.tokenHash))?.token.familyStartedAt).toBe(T);
    expect((await store.findRefreshToken(token.tokenHash))?.familyStartedAt).toBe(T);
  });

  it('finds consumed and revoked tokens too (rotation decides what they mean)', async () => {
    const owner = await user();
    const token = await refreshToken(owner.id);
    await store.revokeFamily(token.familyId, T + 5);
    expect((await store.findRefreshTokenWithUser(token.tokenHash))?.token.familyId).toBe(token.familyId);
  });
});
