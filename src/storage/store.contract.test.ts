/**
 * The storage contract, run unchanged against SQLite and PostgreSQL. Each engine run gets its
 * own fresh database; tests that need an empty or otherwise pristine database make another.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../test/helpers/databases.js';
import { describeThrottleStoreContract } from '../../test/helpers/throttle-store-contract.js';
import { migrations } from './migrations/index.js';
import type { SqlStore } from './sql-store.js';
import {
  blockSeconds,
  DuplicateUserError,
  type AccessTokenRecord,
  type AccountTokenPurpose,
  type AccountTokenRecord,
  type BlockRule,
  type AuthorizationCodeRecord,
  type ClientRecord,
  type RefreshTokenRecord,
  type RedemptionOutcome,
  type RotationOutcome,
  type SessionRecord,
  type SigningKeyRecord,
  type UserRecord,
} from './store.js';

/** A fixed "now" (whole seconds). */
const T = 1_800_000_000;
/** Beyond 2^32: BIGINT columns must come back as this exact JS number. */
const FAR_FUTURE = 5_000_000_000;
const ALL_VERSIONS = migrations.map((migration) => migration.version);

const id = (prefix: string) => `${prefix}-${randomUUID()}`;

function makeClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    id: id('client'),
    name: 'Test client',
    secretHash: 'a'.repeat(64),
    isPublic: false,
    redirectUris: ['https://app.example/callback', 'https://app.example/other'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    trusted: false,
    canIntrospect: false,
    createdAt: T,
    ...overrides,
  };
}

function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const suffix = randomUUID().slice(0, 8);
  return {
    id: id('user'),
    username: `Alice_${suffix}`,
    usernameCanonical: `alice_${suffix}`,
    email: `Alice.${suffix}@Example.com`,
    emailCanonical: `alice.${suffix}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    awaitingConfirmation: false,
    enabled: true,
    roles: ['admin', 'auditor'],
    createdAt: T,
    updatedAt: T,
    ...overrides,
  };
}

interface Owner {
  clientId: string;
  userId: string | null;
}

function makeAccessToken(owner: Owner, familyId: string, overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
  return {
    tokenHash: id('at'),
    jti: id('jti'),
    familyId,
    clientId: owner.clientId,
    userId: owner.userId,
    scope: 'openid profile',
    issuedAt: T,
    expiresAt: T + 3600,
    revokedAt: null,
    ...overrides,
  };
}

function makeRefreshToken(owner: Owner, familyId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    tokenHash: id('rt'),
    familyId,
    parentHash: null,
    clientId: owner.clientId,
    userId: owner.userId,
    scope: 'openid profile',
    issuedAt: T,
    familyStartedAt: T,
    expiresAt: T + 86_400,
    consumedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

interface Pair {
  accessToken: AccessTokenRecord;
  refreshToken: RefreshTokenRecord;
}

/** The pair a rotation of `parent` at `issuedAt` would store. */
function nextPair(owner: Owner, familyId: string, parent: string | null, issuedAt: number): Pair {
  return {
    accessToken: makeAccessToken(owner, familyId, { issuedAt, expiresAt: issuedAt + 3600 }),
    refreshToken: makeRefreshToken(owner, familyId, { parentHash: parent, issuedAt, expiresAt: issuedAt + 86_400 }),
  };
}

function makeCode(owner: { clientId: string; userId: string }, overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    codeHash: id('code'),
    familyId: id('family'),
    clientId: owner.clientId,
    userId: owner.userId,
    redirectUri: 'https://app.example/callback',
    redirectUriGiven: true,
    scope: 'openid',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    issuedAt: T,
    expiresAt: T + 60,
    consumedAt: null,
    ...overrides,
  };
}

/** Every row of a family as stored, straight from the tables (so no stray row escapes the checks). */
async function familyRows(store: SqlStore, familyId: string) {
  const access = await store.driver.all<{ token_hash: string; revoked_at: number | string | null }>(
    'SELECT token_hash, revoked_at FROM access_tokens WHERE family_id = ? ORDER BY token_hash',
    [familyId],
  );
  const refresh = await store.driver.all<{ token_hash: string; consumed_at: number | string | null; revoked_at: number | string | null }>(
    'SELECT token_hash, consumed_at, revoked_at FROM refresh_tokens WHERE family_id = ? ORDER BY token_hash',
    [familyId],
  );
  return {
    access,
    refresh,
    liveAccess: access.filter((row) => row.revoked_at === null).map((row) => row.token_hash),
    liveRefresh: refresh.filter((row) => row.revoked_at === null && row.consumed_at === null).map((row) => row.token_hash),
  };
}

async function countRows(
  store: SqlStore,
  table:
    | 'access_tokens'
    | 'refresh_tokens'
    | 'authorization_codes'
    | 'sessions'
    | 'consents'
    | 'signing_keys'
    | 'throttles'
    | 'account_tokens'
    | 'users',
  where = '1 = 1',
  params: unknown[] = [],
) {
  const row = await store.driver.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params);
  return Number(row?.n);
}

/** A signing key as the key ring would store it (the key material is opaque to the store). */
function makeSigningKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = overrides.kid ?? id('kid');
  return {
    kid,
    algorithm: 'EdDSA',
    publicJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: randomUUID(), kid, alg: 'EdDSA', use: 'sig' }),
    privateKeyEncrypted: `v1.${randomUUID()}.${randomUUID()}.${randomUUID()}`,
    createdAt: T,
    retiredAt: null,
    publishUntil: null,
    ...overrides,
  };
}

/** A confirmation or reset link as the account flows would issue it (only the hash is stored). */
function makeAccountToken(userId: string, purpose: AccountTokenPurpose, overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord {
  return { tokenHash: id(`link-${purpose}`), userId, purpose, createdAt: T, expiresAt: T + 86_400, ...overrides };
}

function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return { idHash: id('session'), userId, createdAt: T, expiresAt: T + 28_800, ...overrides };
}

function tally(outcomes: Array<RotationOutcome | RedemptionOutcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return counts;
}

describeEachEngine('storage contract', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;
  let owner: { clientId: string; userId: string };

  beforeAll(async () => {
    database = await factory.createDatabase();
    store = database.open();
    expect(await store.migrate()).toEqual(ALL_VERSIONS);
    other = database.open();
    const client = makeClient();
    const user = makeUser();
    await store.createClient(client);
    await store.createUser(user);
    owner = { clientId: client.id, userId: user.id };
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  /** A family with its first pair issued. */
  async function issueFamily(issuedAt = T): Promise<{ familyId: string; first: Pair }> {
    const familyId = id('family');
    const first = nextPair(owner, familyId, null, issuedAt);
    await store.issueTokens(first);
    return { familyId, first };
  }

  // --- migrations & health ---------------------------------------------------

  it('reports the engine it runs on', () => {
    expect(store.engine).toBe(factory.engine);
  });

  it('migrate is idempotent: a second call applies nothing', async () => {
    expect(await store.migrate()).toEqual([]);
    expect(await other.migrate()).toEqual([]);
    const rows = await store.driver.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => Number(row.version))).toEqual(ALL_VERSIONS);
  });

  it('two store instances migrating one fresh database at once both succeed, each version applied once', async () => {
    const fresh = await factory.createDatabase();
    try {
      const a = fresh.open();
      const b = fresh.open();
      const results = await Promise.allSettled([a.migrate(), b.migrate()]);
      for (const result of results) {
        if (result.status === 'rejected') throw result.reason;
      }
      const applied = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
      expect(applied.sort((x, y) => x - y)).toEqual(ALL_VERSIONS);

      const rows = await a.driver.all<{ version: number | string; n: number | string }>(
        'SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      expect(rows.map((row) => [Number(row.version), Number(row.n)])).toEqual(ALL_VERSIONS.map((v) => [v, 1]));
      expect(await a.migrate()).toEqual([]);
      expect(await b.migrate()).toEqual([]);
      // The schema is usable from both instances.
      const client = makeClient();
      await a.createClient(client);
      expect(await b.findClient(client.id)).toEqual(client);
    } finally {
      await fresh.cleanup();
    }
  });

  it('a store with a pool of one connection can migrate and clean up (no self-deadlock on the exclusive lock)', async () => {
    const fresh = await factory.createDatabase();
    try {
      const small = fresh.open({ poolSize: 1 });
      expect(await small.migrate()).toEqual(ALL_VERSIONS);
      expect(await small.deleteExpired(T)).toEqual({ accessTokens: 0, refreshTokens: 0, authorizationCodes: 0, sessions: 0, signingKeys: 0, throttles: 0, trustedDevices: 0, accountTokens: 0, unconfirmedUsers: 0, pendingAuthorizations: 0 });
    } finally {
      await fresh.cleanup();
    }
  }, 15_000);

  it('a database at version 1 is brought to the current version: existing clients untrusted, existing codes keep requiring redirect_uri', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      // Reproduce a database that a release with only migration 1 created and used.
      const first = migrations.find((migration) => migration.version === 1)!;
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      await legacy.driver.script(first.sql);
      await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [1, first.name, T]);
      const client = makeClient();
      const user = makeUser();
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [client.id, client.name, client.secretHash, false, JSON.stringify(client.redirectUris), JSON.stringify(client.grantTypes),
          JSON.stringify(client.scopes), client.createdAt],
      );
      await legacy.driver.run(
        `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [user.id, user.username, user.usernameCanonical, user.email, user.emailCanonical, user.passwordHash, true,
          JSON.stringify(user.roles), user.createdAt, user.updatedAt],
      );
      const code = makeCode({ clientId: client.id, userId: user.id });
      await legacy.driver.run(
        `INSERT INTO authorization_codes (code_hash, family_id, client_id, user_id, redirect_uri, scope, code_challenge,
          code_challenge_method, issued_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [code.codeHash, code.familyId, code.clientId, code.userId, code.redirectUri, code.scope, code.codeChallenge,
          code.codeChallengeMethod, code.issuedAt, code.expiresAt],
      );

      expect(await legacy.migrate()).toEqual(ALL_VERSIONS.filter((version) => version > 1));
      expect(await legacy.migrate()).toEqual([]);

      expect(await legacy.findClient(client.id)).toStrictEqual({ ...client, trusted: false });
      expect(await legacy.findAuthorizationCode(code.codeHash)).toStrictEqual({ ...code, redirectUriGiven: true });
      // The new tables work on the upgraded database.
      const session = makeSession(user.id);
      await legacy.createSession(session);
      expect(await legacy.findSession(session.idHash)).toStrictEqual(session);
      await legacy.saveConsent({ userId: user.id, clientId: client.id, scopes: ['openid'], grantedAt: T });
      expect(await legacy.findConsent(user.id, client.id)).toStrictEqual({ userId: user.id, clientId: client.id, scopes: ['openid'], grantedAt: T });
    } finally {
      await fresh.cleanup();
    }
  });

  it('a database at version 2 is brought to the current version: clients keep their data and cannot introspect, access tokens get a null jti', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      // Reproduce a database that a release with migrations 1 and 2 created and used.
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version <= 2)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, T]);
      }
      const trusted = makeClient({ trusted: true });
      const user = makeUser();
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [trusted.id, trusted.name, trusted.secretHash, false, JSON.stringify(trusted.redirectUris), JSON.stringify(trusted.grantTypes),
          JSON.stringify(trusted.scopes), true, trusted.createdAt],
      );
      await legacy.driver.run(
        `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [user.id, user.username, user.usernameCanonical, user.email, user.emailCanonical, user.passwordHash, true,
          JSON.stringify(user.roles), user.createdAt, user.updatedAt],
      );
      const who = { clientId: trusted.id, userId: user.id };
      const familyId = id('family');
      const access = makeAccessToken(who, familyId, { jti: null });
      const refresh = makeRefreshToken(who, familyId);
      await legacy.driver.run(
        `INSERT INTO access_tokens (token_hash, family_id, client_id, user_id, scope, issued_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
        [access.tokenHash, familyId, who.clientId, who.userId, access.scope, access.issuedAt, access.expiresAt],
      );
      await legacy.driver.run(
        `INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, consumed_at, revoked_at)
         VALUES (?, ?, NULL, ?, ?, ?, ?, ?, NULL, NULL)`,
        [refresh.tokenHash, familyId, who.clientId, who.userId, refresh.scope, refresh.issuedAt, refresh.expiresAt],
      );

      expect(await legacy.migrate()).toEqual(ALL_VERSIONS.filter((version) => version > 2));
      expect(await legacy.migrate()).toEqual([]);

      // Existing rows are intact; the new columns read as "not a resource server" and "no id".
      expect(await legacy.findClient(trusted.id)).toStrictEqual({ ...trusted, canIntrospect: false });
      expect(await legacy.findAccessToken(access.tokenHash)).toStrictEqual({ ...access, jti: null });
      expect(await legacy.findRefreshToken(refresh.tokenHash)).toStrictEqual(refresh);
      expect(await legacy.findUserById(user.id)).toStrictEqual(user);
      expect(await legacy.listSigningKeys()).toEqual([]);

      // What migration 3 added works on the upgraded database.
      const resourceServer = makeClient({ canIntrospect: true });
      await legacy.createClient(resourceServer);
      expect(await legacy.findClient(resourceServer.id)).toStrictEqual(resourceServer);
      const key = makeSigningKey();
      await legacy.addSigningKey(key, { retireAt: T + 90, publishUntil: T + 100 });
      expect(await legacy.listSigningKeys()).toStrictEqual([key]);
      expect(await legacy.revokeAccessToken(access.tokenHash, T + 5)).toBe(true);
      expect(await legacy.findAccessToken(access.tokenHash)).toStrictEqual({ ...access, jti: null, revokedAt: T + 5 });
      const newToken = makeAccessToken(who, id('family'));
      await legacy.issueTokens({ accessToken: newToken });
      expect((await legacy.findAccessToken(newToken.tokenHash))?.jti).toBe(newToken.jti);
    } finally {
      await fresh.cleanup();
    }
  });

  it('a database at version 4 is brought to the current version: existing users are not awaiting confirmation, and nothing is lost', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      // Reproduce a database that a release with migrations 1 to 4 created and used.
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version <= 4)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, T]);
      }
      const client = makeClient({ canIntrospect: true, trusted: true });
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [client.id, client.name, client.secretHash, false, JSON.stringify(client.redirectUris), JSON.stringify(client.grantTypes),
          JSON.stringify(client.scopes), true, true, client.createdAt],
      );
      const active = makeUser();
      const deactivated = makeUser({ enabled: false, roles: [] });
      for (const user of [active, deactivated]) {
        await legacy.driver.run(
          `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, roles, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [user.id, user.username, user.usernameCanonical, user.email, user.emailCanonical, user.passwordHash, user.enabled,
            JSON.stringify(user.roles), user.createdAt, user.updatedAt],
        );
      }
      const who = { clientId: client.id, userId: active.id };
      const pair = nextPair(who, id('family'), null, T);
      await legacy.driver.run(
        `INSERT INTO access_tokens (token_hash, jti, family_id, client_id, user_id, scope, issued_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [pair.accessToken.tokenHash, pair.accessToken.jti, pair.accessToken.familyId, who.clientId, who.userId, pair.accessToken.scope,
          pair.accessToken.issuedAt, pair.accessToken.expiresAt],
      );
      await legacy.driver.run(
        `INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, consumed_at, revoked_at)
         VALUES (?, ?, NULL, ?, ?, ?, ?, ?, NULL, NULL)`,
        [pair.refreshToken.tokenHash, pair.refreshToken.familyId, who.clientId, who.userId, pair.refreshToken.scope,
          pair.refreshToken.issuedAt, pair.refreshToken.expiresAt],
      );
      const session = makeSession(active.id);
      await legacy.driver.run('INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
        session.idHash, session.userId, session.createdAt, session.expiresAt,
      ]);
      const throttleKey = id('login:legacy');
      await legacy.driver.run('INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)', [
        throttleKey, 7, T, T + 64,
      ]);

      expect(await legacy.migrate()).toEqual(ALL_VERSIONS.filter((version) => version > 4));
      expect(await legacy.migrate()).toEqual([]);

      // Existing accounts were never self-registered: not awaiting confirmation, enabled as they were.
      expect(await legacy.findUserById(active.id)).toStrictEqual({ ...active, awaitingConfirmation: false });
      expect(await legacy.findUserById(deactivated.id)).toStrictEqual({ ...deactivated, awaitingConfirmation: false });
      expect(await legacy.findClient(client.id)).toStrictEqual(client);
      expect(await legacy.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual(pair.accessToken);
      expect(await legacy.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual(pair.refreshToken);
      expect(await legacy.findSession(session.idHash)).toStrictEqual(session);
      expect(await legacy.blockedUntil([throttleKey])).toBe(T + 64);
      // The clean-up never mistakes an existing (even disabled) account for an unconfirmed sign-up.
      expect(await legacy.deleteExpired(T)).toMatchObject({ unconfirmedUsers: 0, accountTokens: 0 });
      expect((await legacy.listUsers()).map((user) => user.id).sort()).toEqual([active.id, deactivated.id].sort());

      // What migration 5 added works on the upgraded database.
      const link = makeAccountToken(active.id, 'reset', { createdAt: T, expiresAt: T + 3600 });
      expect(await legacy.issueAccountToken(link, 60)).toBe(true);
      expect(await legacy.findAccountToken(link.tokenHash, 'reset', T + 1)).toStrictEqual(link);
      expect(await legacy.resetPassword(link.tokenHash, 'reset-hash', T + 2)).toBe(active.id);
      expect((await legacy.findAccessToken(pair.accessToken.tokenHash))?.revokedAt).toBe(T + 2);
      const pending = makeUser({ enabled: false, awaitingConfirmation: true });
      await legacy.createUser(pending);
      expect(await legacy.findUserById(pending.id)).toStrictEqual(pending);
      expect(await legacy.listUserGrants(active.id, T + 3)).toEqual([]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('ping resolves', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(other.ping()).resolves.toBeUndefined();
  });

  // --- clients -------------------------------------------------------------

  it('creates, finds and lists clients with every field intact', async () => {
    const confidential = makeClient({ createdAt: T + 1 });
    const publicClient = makeClient({ secretHash: null, isPublic: true, scopes: null, grantTypes: ['authorization_code'], createdAt: T + 2 });
    const emptyArrays = makeClient({ redirectUris: [], grantTypes: ['client_credentials'], scopes: [], createdAt: FAR_FUTURE });
    await store.createClient(confidential);
    await store.createClient(publicClient);
    await store.createClient(emptyArrays);

    expect(await store.findClient(confidential.id)).toStrictEqual(confidential);
    const foundPublic = await other.findClient(publicClient.id);
    expect(foundPublic).toStrictEqual(publicClient);
    expect(foundPublic?.scopes).toBeNull();
    expect(foundPublic?.secretHash).toBeNull();
    expect(foundPublic?.isPublic).toBe(true);
    const foundEmpty = await store.findClient(emptyArrays.id);
    expect(foundEmpty).toStrictEqual(emptyArrays);
    expect(foundEmpty?.scopes).toEqual([]);
    expect(foundEmpty?.createdAt).toBe(FAR_FUTURE);
    expect(await store.findClient(id('missing'))).toBeNull();

    const listed = await store.listClients();
    const mine = listed.filter((client) => [confidential.id, publicClient.id, emptyArrays.id].includes(client.id));
    // Listed in creation order.
    expect(mine).toStrictEqual([confidential, publicClient, emptyArrays]);
  });

  it('round-trips the trusted flag, true and false', async () => {
    const firstParty = makeClient({ trusted: true, createdAt: T + 1 });
    const thirdParty = makeClient({ trusted: false, createdAt: T + 2 });
    await store.createClient(firstParty);
    await store.createClient(thirdParty);

    const foundFirst = await other.findClient(firstParty.id);
    expect(foundFirst).toStrictEqual(firstParty);
    expect(foundFirst?.trusted).toBe(true);
    const foundThird = await other.findClient(thirdParty.id);
    expect(foundThird).toStrictEqual(thirdParty);
    expect(foundThird?.trusted).toBe(false);

    const listed = (await store.listClients()).filter((client) => [firstParty.id, thirdParty.id].includes(client.id));
    expect(listed.map((client) => client.trusted)).toEqual([true, false]);
  });

  it('round-trips the canIntrospect flag, true and false', async () => {
    const resourceServer = makeClient({ canIntrospect: true, createdAt: T + 1 });
    const app = makeClient({ canIntrospect: false, createdAt: T + 2 });
    await store.createClient(resourceServer);
    await store.createClient(app);

    const foundServer = await other.findClient(resourceServer.id);
    expect(foundServer).toStrictEqual(resourceServer);
    expect(foundServer?.canIntrospect).toBe(true);
    const foundApp = await other.findClient(app.id);
    expect(foundApp).toStrictEqual(app);
    expect(foundApp?.canIntrospect).toBe(false);

    const listed = (await store.listClients()).filter((client) => [resourceServer.id, app.id].includes(client.id));
    expect(listed.map((client) => client.canIntrospect)).toEqual([true, false]);
  });

  it('refuses a second client with the same id', async () => {
    const client = makeClient();
    await store.createClient(client);
    await expect(store.createClient({ ...client, name: 'again' })).rejects.toThrow();
    expect((await store.findClient(client.id))?.name).toBe(client.name);
  });

  it('updateClientSecret replaces a confidential secret; false for a public client or an unknown id', async () => {
    const confidential = makeClient();
    const publicClient = makeClient({ secretHash: null, isPublic: true });
    await store.createClient(confidential);
    await store.createClient(publicClient);

    expect(await store.updateClientSecret(confidential.id, 'b'.repeat(64))).toBe(true);
    expect(await store.findClient(confidential.id)).toStrictEqual({ ...confidential, secretHash: 'b'.repeat(64) });

    expect(await store.updateClientSecret(publicClient.id, 'c'.repeat(64))).toBe(false);
    expect(await store.findClient(publicClient.id)).toStrictEqual(publicClient);

    expect(await store.updateClientSecret(id('missing'), 'd'.repeat(64))).toBe(false);
  });

  it('deleteClient removes the client and every token and code issued to it', async () => {
    const client = makeClient();
    await store.createClient(client);
    const clientOwner = { clientId: client.id, userId: owner.userId };
    const familyId = id('family');
    const pair = nextPair(clientOwner, familyId, null, T);
    await store.issueTokens(pair);
    const serviceToken = makeAccessToken({ clientId: client.id, userId: null }, id('family'));
    await store.issueTokens({ accessToken: serviceToken });
    const code = makeCode(clientOwner);
    await store.saveAuthorizationCode(code);
    // Someone else's token is untouched.
    const { first: bystander } = await issueFamily();

    expect(await store.deleteClient(client.id)).toBe(true);

    expect(await store.findClient(client.id)).toBeNull();
    expect(await store.findAccessToken(pair.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(pair.refreshToken.tokenHash)).toBeNull();
    expect(await store.findAccessToken(serviceToken.tokenHash)).toBeNull();
    expect(await countRows(store, 'authorization_codes', 'code_hash = ?', [code.codeHash])).toBe(0);
    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);

    expect(await store.deleteClient(client.id)).toBe(false);
    expect(await store.deleteClient(id('missing'))).toBe(false);
  });

  it('deleteClient removes the consents users gave it, and only those', async () => {
    const doomed = makeClient();
    const kept = makeClient();
    await store.createClient(doomed);
    await store.createClient(kept);
    const user = makeUser();
    await store.createUser(user);
    await store.saveConsent({ userId: user.id, clientId: doomed.id, scopes: ['openid'], grantedAt: T });
    await store.saveConsent({ userId: owner.userId, clientId: doomed.id, scopes: ['profile'], grantedAt: T });
    const keptConsent = { userId: user.id, clientId: kept.id, scopes: ['openid', 'profile'], grantedAt: T };
    await store.saveConsent(keptConsent);

    expect(await store.deleteClient(doomed.id)).toBe(true);

    expect(await store.findConsent(user.id, doomed.id)).toBeNull();
    expect(await store.findConsent(owner.userId, doomed.id)).toBeNull();
    expect(await countRows(store, 'consents', 'client_id = ?', [doomed.id])).toBe(0);
    expect(await store.findConsent(user.id, kept.id)).toStrictEqual(keptConsent);
    // A client registered again under the same id does not inherit the old consent.
    await store.createClient({ ...doomed });
    expect(await store.findConsent(user.id, doomed.id)).toBeNull();
  });

  // --- users ---------------------------------------------------------------

  it('creates users and finds them by id and by canonical username or e-mail', async () => {
    const user = makeUser({ createdAt: T + 5, updatedAt: FAR_FUTURE });
    await store.createUser(user);

    expect(await store.findUserById(user.id)).toStrictEqual(user);
    expect(await other.findUserByLogin(user.usernameCanonical)).toStrictEqual(user);
    expect(await store.findUserByLogin(user.emailCanonical)).toStrictEqual(user);
    // Lookups are on the canonical forms only.
    expect(await store.findUserByLogin(user.username)).toBeNull();
    expect(await store.findUserByLogin(user.email)).toBeNull();
    expect(await store.findUserById(id('missing'))).toBeNull();
    expect(await store.findUserByLogin('nobody')).toBeNull();

    const found = await store.findUserById(user.id);
    expect(found?.enabled).toBe(true);
    expect(typeof found?.updatedAt).toBe('number');
  });

  it('a username match wins over an e-mail match', async () => {
    const suffix = randomUUID().slice(0, 8);
    const login = `shared.${suffix}@example.com`;
    const byEmail = makeUser({ emailCanonical: login });
    const byUsername = makeUser({ usernameCanonical: login });
    await store.createUser(byEmail);
    await store.createUser(byUsername);
    expect((await store.findUserByLogin(login))?.id).toBe(byUsername.id);
  });

  it('createUser throws DuplicateUserError naming the taken field', async () => {
    const user = makeUser();
    await store.createUser(user);

    const sameUsername = makeUser({ usernameCanonical: user.usernameCanonical });
    const usernameError = await store.createUser(sameUsername).then(() => null, (error: unknown) => error);
    expect(usernameError).toBeInstanceOf(DuplicateUserError);
    expect((usernameError as DuplicateUserError).field).toBe('username');

    const sameEmail = makeUser({ emailCanonical: user.emailCanonical });
    const emailError = await store.createUser(sameEmail).then(() => null, (error: unknown) => error);
    expect(emailError).toBeInstanceOf(DuplicateUserError);
    expect((emailError as DuplicateUserError).field).toBe('email');

    expect(await store.findUserById(sameUsername.id)).toBeNull();
    expect(await store.findUserById(sameEmail.id)).toBeNull();
  });

  it('updateUser patches only the given fields and bumps updatedAt', async () => {
    const user = makeUser();
    await store.createUser(user);

    expect(await store.updateUser(user.id, { enabled: false, roles: ['viewer'] }, T + 100)).toBe(true);
    const disabled = await store.findUserById(user.id);
    expect(disabled).toStrictEqual({ ...user, enabled: false, roles: ['viewer'], updatedAt: T + 100 });
    expect(disabled?.enabled).toBe(false);

    expect(await store.updateUser(user.id, { roles: [] }, T + 101)).toBe(true);
    expect((await store.findUserById(user.id))?.roles).toEqual([]);

    const suffix = randomUUID().slice(0, 8);
    const renamed = {
      username: `Bob_${suffix}`,
      usernameCanonical: `bob_${suffix}`,
      email: `bob.${suffix}@example.com`,
      emailCanonical: `bob.${suffix}@example.com`,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA',
      enabled: true,
    };
    expect(await store.updateUser(user.id, renamed, T + 102)).toBe(true);
    expect(await store.findUserById(user.id)).toStrictEqual({ ...user, ...renamed, roles: [], updatedAt: T + 102 });
    expect(await store.findUserByLogin(renamed.usernameCanonical)).not.toBeNull();
    expect(await store.findUserByLogin(user.usernameCanonical)).toBeNull();

    // An empty patch still counts as an update of an existing user.
    expect(await store.updateUser(user.id, {}, T + 103)).toBe(true);
    expect((await store.findUserById(user.id))?.updatedAt).toBe(T + 103);

    expect(await store.updateUser(id('missing'), { enabled: false }, T + 104)).toBe(false);
  });

  it('updateUser throws DuplicateUserError naming the taken field and changes nothing', async () => {
    const first = makeUser();
    const second = makeUser();
    await store.createUser(first);
    await store.createUser(second);

    const usernameError = await store
      .updateUser(second.id, { username: first.username, usernameCanonical: first.usernameCanonical }, T + 1)
      .then(() => null, (error: unknown) => error);
    expect(usernameError).toBeInstanceOf(DuplicateUserError);
    expect((usernameError as DuplicateUserError).field).toBe('username');

    const emailError = await store
      .updateUser(second.id, { email: first.email, emailCanonical: first.emailCanonical }, T + 2)
      .then(() => null, (error: unknown) => error);
    expect(emailError).toBeInstanceOf(DuplicateUserError);
    expect((emailError as DuplicateUserError).field).toBe('email');

    expect(await store.findUserById(second.id)).toStrictEqual(second);
  });

  it('listUsers returns every user, ordered by canonical username', async () => {
    const tag = randomUUID().slice(0, 8);
    const zed = makeUser({ usernameCanonical: `zed_${tag}`, enabled: false, roles: [] });
    const amy = makeUser({ usernameCanonical: `amy_${tag}` });
    const max = makeUser({ usernameCanonical: `max_${tag}` });
    for (const user of [zed, amy, max]) await store.createUser(user);

    const listed = await store.listUsers();
    const mine = listed.filter((user) => user.usernameCanonical.endsWith(tag));
    expect(mine).toStrictEqual([amy, max, zed]);
    const names = listed.map((user) => user.usernameCanonical);
    expect(names).toEqual([...names].sort());
  });

  it('round-trips awaitingConfirmation, true and false, and updateUser patches it', async () => {
    const pending = makeUser({ enabled: false, awaitingConfirmation: true, roles: [] });
    const confirmed = makeUser();
    await store.createUser(pending);
    await store.createUser(confirmed);

    const found = await other.findUserById(pending.id);
    expect(found).toStrictEqual(pending);
    expect(found?.awaitingConfirmation).toBe(true);
    expect(found?.enabled).toBe(false);
    expect(await other.findUserByLogin(pending.emailCanonical)).toStrictEqual(pending);
    expect((await store.findUserById(confirmed.id))?.awaitingConfirmation).toBe(false);
    expect((await store.listUsers()).filter((user) => [pending.id, confirmed.id].includes(user.id))).toStrictEqual(
      [pending, confirmed].sort((a, b) => (a.usernameCanonical < b.usernameCanonical ? -1 : 1)),
    );

    // An administrator's deactivate: not enabled, and no longer awaiting confirmation.
    expect(await store.updateUser(pending.id, { awaitingConfirmation: false }, T + 1)).toBe(true);
    expect(await store.findUserById(pending.id)).toStrictEqual({ ...pending, awaitingConfirmation: false, updatedAt: T + 1 });
    expect(await store.updateUser(pending.id, { awaitingConfirmation: true, enabled: false }, T + 2)).toBe(true);
    expect(await store.findUserById(pending.id)).toStrictEqual({ ...pending, updatedAt: T + 2 });
    // A patch without the field leaves it alone.
    expect(await store.updateUser(pending.id, { roles: ['viewer'] }, T + 3)).toBe(true);
    expect((await store.findUserById(pending.id))?.awaitingConfirmation).toBe(true);
  });

  // --- tokens --------------------------------------------------------------

  it('issueTokens stores an access token alone, every field round-tripping exactly', async () => {
    const accessToken = makeAccessToken(owner, id('family'), { issuedAt: T + 7, expiresAt: FAR_FUTURE, scope: '' });
    const serviceToken = makeAccessToken({ clientId: owner.clientId, userId: null }, id('family'));
    await store.issueTokens({ accessToken });
    await store.issueTokens({ accessToken: serviceToken });

    const found = await other.findAccessToken(accessToken.tokenHash);
    expect(found).toStrictEqual(accessToken);
    expect(typeof found?.issuedAt).toBe('number');
    expect(found?.expiresAt).toBe(FAR_FUTURE);
    expect(await store.findAccessToken(serviceToken.tokenHash)).toStrictEqual(serviceToken);
    expect(await store.findRefreshToken(accessToken.tokenHash)).toBeNull();
    expect(await store.findAccessToken(id('missing'))).toBeNull();
  });

  it('issueTokens stores an access and refresh token pair, every field round-tripping exactly', async () => {
    const familyId = id('family');
    const pair = {
      accessToken: makeAccessToken(owner, familyId, { issuedAt: T + 11, expiresAt: T + 3611 }),
      refreshToken: makeRefreshToken(owner, familyId, { parentHash: id('rt'), issuedAt: T + 11, expiresAt: FAR_FUTURE }),
    };
    await store.issueTokens(pair);

    const access = await store.findAccessToken(pair.accessToken.tokenHash);
    const refresh = await other.findRefreshToken(pair.refreshToken.tokenHash);
    expect(access).toStrictEqual(pair.accessToken);
    expect(refresh).toStrictEqual(pair.refreshToken);
    for (const value of [access?.issuedAt, access?.expiresAt, refresh?.issuedAt, refresh?.expiresAt]) {
      expect(typeof value).toBe('number');
    }
    expect(refresh?.expiresAt).toBe(FAR_FUTURE);
    expect(refresh?.consumedAt).toBeNull();
    expect(refresh?.revokedAt).toBeNull();
  });

  it('issueTokens is one transaction: when the refresh token cannot be stored, neither is the access token', async () => {
    const { first } = await issueFamily();
    const familyId = id('family');
    const accessToken = makeAccessToken(owner, familyId);
    // Same hash as an existing refresh token: the insert fails.
    const refreshToken = makeRefreshToken(owner, familyId, { tokenHash: first.refreshToken.tokenHash });
    await expect(store.issueTokens({ accessToken, refreshToken })).rejects.toThrow();
    expect(await store.findAccessToken(accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
  });

  it('round-trips the access token jti, and a null jti', async () => {
    const familyId = id('family');
    const withJti = makeAccessToken(owner, familyId, { jti: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6' });
    const withoutJti = makeAccessToken(owner, id('family'), { jti: null });
    await store.issueTokens({ accessToken: withJti, refreshToken: makeRefreshToken(owner, familyId) });
    await store.issueTokens({ accessToken: withoutJti });

    expect(await other.findAccessToken(withJti.tokenHash)).toStrictEqual(withJti);
    expect((await other.findAccessToken(withJti.tokenHash))?.jti).toBe('f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(await other.findAccessToken(withoutJti.tokenHash)).toStrictEqual(withoutJti);
    expect((await store.findAccessToken(withoutJti.tokenHash))?.jti).toBeNull();

    // Rotation and redemption store the jti of the tokens they issue too.
    const { first } = await issueFamily();
    const next = nextPair(owner, first.refreshToken.familyId, first.refreshToken.tokenHash, T + 1);
    await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now: T + 1, gracePeriod: 0, next });
    expect((await store.findAccessToken(next.accessToken.tokenHash))?.jti).toBe(next.accessToken.jti);
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const issued = nextPair(owner, code.familyId, null, T + 2);
    expect((await store.redeemAuthorizationCode(code.codeHash, T + 2, issued)).kind).toBe('redeemed');
    expect((await store.findAccessToken(issued.accessToken.tokenHash))?.jti).toBe(issued.accessToken.jti);
  });

  it('numbers read back from the stored rows are numbers, timestamps included', async () => {
    const { first } = await issueFamily();
    const now = T + 50;
    const next = nextPair(owner, first.refreshToken.familyId, first.refreshToken.tokenHash, now);
    await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now, gracePeriod: 0, next });
    const consumed = await store.findRefreshToken(first.refreshToken.tokenHash);
    const revoked = await store.findAccessToken(first.accessToken.tokenHash);
    expect(consumed?.consumedAt).toBe(now);
    expect(typeof consumed?.consumedAt).toBe('number');
    expect(revoked?.revokedAt).toBe(now);
    expect(typeof revoked?.revokedAt).toBe('number');
  });

  // --- rotation ------------------------------------------------------------

  it('rotateRefreshToken rotates a live token, then a second presentation revokes the whole family', async () => {
    const { familyId, first } = await issueFamily();
    const presented = first.refreshToken.tokenHash;

    const second = nextPair(owner, familyId, presented, T + 10);
    expect(await store.rotateRefreshToken({ presentedHash: presented, now: T + 10, gracePeriod: 0, next: second })).toEqual({
      kind: 'rotated',
    });

    expect(await store.findRefreshToken(presented)).toStrictEqual({ ...first.refreshToken, consumedAt: T + 10 });
    expect(await store.findAccessToken(first.accessToken.tokenHash)).toStrictEqual({ ...first.accessToken, revokedAt: T + 10 });
    expect(await store.findAccessToken(second.accessToken.tokenHash)).toStrictEqual(second.accessToken);
    expect(await store.findRefreshToken(second.refreshToken.tokenHash)).toStrictEqual(second.refreshToken);
    let rows = await familyRows(store, familyId);
    expect(rows.liveAccess).toEqual([second.accessToken.tokenHash]);
    expect(rows.liveRefresh).toEqual([second.refreshToken.tokenHash]);

    // The old token again (grace off): reuse.
    const stolen = nextPair(owner, familyId, presented, T + 20);
    expect(await store.rotateRefreshToken({ presentedHash: presented, now: T + 20, gracePeriod: 0, next: stolen })).toEqual({
      kind: 'reuse-detected',
      familyId,
    });

    rows = await familyRows(store, familyId);
    expect(rows.access).toHaveLength(2);
    expect(rows.refresh).toHaveLength(2);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect(rows.liveAccess).toEqual([]);
    expect(rows.liveRefresh).toEqual([]);
    // The newest pair is revoked now; what was revoked earlier keeps its time.
    expect((await store.findAccessToken(second.accessToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(presented))?.revokedAt).toBe(T + 20);
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 10);
    // The pair offered with the reused token was not stored.
    expect(await store.findAccessToken(stolen.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(stolen.refreshToken.tokenHash)).toBeNull();

    // The successor is dead too.
    const after = nextPair(owner, familyId, second.refreshToken.tokenHash, T + 30);
    expect(
      await store.rotateRefreshToken({ presentedHash: second.refreshToken.tokenHash, now: T + 30, gracePeriod: 0, next: after }),
    ).toEqual({ kind: 'invalid' });
    expect(await store.findRefreshToken(after.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken: an expired token is invalid and nothing changes', async () => {
    const { familyId, first } = await issueFamily();
    const now = first.refreshToken.expiresAt; // expires_at <= now: expired
    const next = nextPair(owner, familyId, first.refreshToken.tokenHash, now);
    const before = await familyRows(store, familyId);

    expect(await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now, gracePeriod: 60, next })).toEqual({
      kind: 'invalid',
    });

    expect(await familyRows(store, familyId)).toEqual(before);
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
    expect(await store.findAccessToken(first.accessToken.tokenHash)).toStrictEqual(first.accessToken);
    expect(await store.findAccessToken(next.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(next.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken: an unknown token is invalid and nothing is stored', async () => {
    const familyId = id('family');
    const next = nextPair(owner, familyId, null, T);
    expect(await store.rotateRefreshToken({ presentedHash: id('rt'), now: T, gracePeriod: 60, next })).toEqual({ kind: 'invalid' });
    expect(await store.findAccessToken(next.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(next.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken: a revoked token is invalid and nothing changes', async () => {
    const { familyId, first } = await issueFamily();
    expect(await store.revokeFamily(familyId, T + 5)).toBe(2);
    const before = await familyRows(store, familyId);
    const next = nextPair(owner, familyId, first.refreshToken.tokenHash, T + 6);

    expect(
      await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now: T + 6, gracePeriod: 60, next }),
    ).toEqual({ kind: 'invalid' });

    expect(await familyRows(store, familyId)).toEqual(before);
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual({ ...first.refreshToken, revokedAt: T + 5 });
    expect(await store.findAccessToken(next.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(next.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken grace: a retry reissues, keeping one live refresh token; after the successor is used it is reuse', async () => {
    const { familyId, first } = await issueFamily();
    const original = first.refreshToken.tokenHash;

    const lost = nextPair(owner, familyId, original, T + 10);
    expect(await store.rotateRefreshToken({ presentedHash: original, now: T + 10, gracePeriod: 60, next: lost })).toEqual({
      kind: 'rotated',
    });

    // The client never saw `lost` and presents the original again within 60 s.
    const retry = nextPair(owner, familyId, original, T + 40);
    expect(await store.rotateRefreshToken({ presentedHash: original, now: T + 40, gracePeriod: 60, next: retry })).toEqual({
      kind: 'reissued-in-grace',
    });
    expect((await store.findRefreshToken(lost.refreshToken.tokenHash))?.revokedAt).toBe(T + 40);
    expect((await store.findAccessToken(lost.accessToken.tokenHash))?.revokedAt).toBe(T + 40);
    expect(await store.findRefreshToken(retry.refreshToken.tokenHash)).toStrictEqual(retry.refreshToken);
    expect(await store.findAccessToken(retry.accessToken.tokenHash)).toStrictEqual(retry.accessToken);
    expect((await store.findRefreshToken(original))?.consumedAt).toBe(T + 10);
    let rows = await familyRows(store, familyId);
    expect(rows.liveRefresh).toEqual([retry.refreshToken.tokenHash]);
    expect(rows.liveAccess).toEqual([retry.accessToken.tokenHash]);

    // The client goes on with the reissued token.
    const third = nextPair(owner, familyId, retry.refreshToken.tokenHash, T + 50);
    expect(
      await store.rotateRefreshToken({ presentedHash: retry.refreshToken.tokenHash, now: T + 50, gracePeriod: 60, next: third }),
    ).toEqual({ kind: 'rotated' });

    // The original again, still within 60 s of its use, but its successor has been used: reuse.
    const late = nextPair(owner, familyId, original, T + 55);
    expect(await store.rotateRefreshToken({ presentedHash: original, now: T + 55, gracePeriod: 60, next: late })).toEqual({
      kind: 'reuse-detected',
      familyId,
    });
    rows = await familyRows(store, familyId);
    expect(rows.liveRefresh).toEqual([]);
    expect(rows.liveAccess).toEqual([]);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect(await store.findRefreshToken(late.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken grace: presenting a used token after the grace window is reuse', async () => {
    const { familyId, first } = await issueFamily();
    const original = first.refreshToken.tokenHash;
    const second = nextPair(owner, familyId, original, T + 10);
    expect(await store.rotateRefreshToken({ presentedHash: original, now: T + 10, gracePeriod: 60, next: second })).toEqual({
      kind: 'rotated',
    });

    const tooLate = nextPair(owner, familyId, original, T + 71);
    expect(await store.rotateRefreshToken({ presentedHash: original, now: T + 71, gracePeriod: 60, next: tooLate })).toEqual({
      kind: 'reuse-detected',
      familyId,
    });
    const rows = await familyRows(store, familyId);
    expect(rows.liveRefresh).toEqual([]);
    expect(rows.liveAccess).toEqual([]);
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 71);
    expect(await store.findRefreshToken(tooLate.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken grace: the last second of the window still counts as a retry', async () => {
    const { familyId, first } = await issueFamily();
    const original = first.refreshToken.tokenHash;
    await store.rotateRefreshToken({ presentedHash: original, now: T + 10, gracePeriod: 60, next: nextPair(owner, familyId, original, T + 10) });
    const retry = nextPair(owner, familyId, original, T + 70);
    expect(await store.rotateRefreshToken({ presentedHash: original, now: T + 70, gracePeriod: 60, next: retry })).toEqual({
      kind: 'reissued-in-grace',
    });
    expect((await familyRows(store, familyId)).liveRefresh).toEqual([retry.refreshToken.tokenHash]);
  });

  // --- authorization codes ------------------------------------------------------

  it('saves and finds authorization codes with every field intact, redirectUriGiven true and false', async () => {
    const given = makeCode(owner, { redirectUriGiven: true, issuedAt: T + 3, expiresAt: FAR_FUTURE });
    const notGiven = makeCode(owner, {
      redirectUriGiven: false,
      redirectUri: 'https://app.example/other',
      codeChallenge: null,
      codeChallengeMethod: null,
      scope: '',
    });
    await store.saveAuthorizationCode(given);
    await store.saveAuthorizationCode(notGiven);

    const foundGiven = await other.findAuthorizationCode(given.codeHash);
    expect(foundGiven).toStrictEqual(given);
    expect(foundGiven?.redirectUriGiven).toBe(true);
    expect(foundGiven?.expiresAt).toBe(FAR_FUTURE);
    const foundNotGiven = await other.findAuthorizationCode(notGiven.codeHash);
    expect(foundNotGiven).toStrictEqual(notGiven);
    expect(foundNotGiven?.redirectUriGiven).toBe(false);
    expect(foundNotGiven?.codeChallenge).toBeNull();

    expect(await store.findAuthorizationCode(id('code'))).toBeNull();
  });

  it('redeemAuthorizationCode: a live code is consumed and the tokens issued for it are stored', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const tokens = nextPair(owner, code.familyId, null, T + 5);

    expect(await store.redeemAuthorizationCode(code.codeHash, T + 5, tokens)).toEqual({ kind: 'redeemed' });

    expect(await store.findAuthorizationCode(code.codeHash)).toStrictEqual({ ...code, consumedAt: T + 5 });
    expect(await other.findAccessToken(tokens.accessToken.tokenHash)).toStrictEqual(tokens.accessToken);
    expect(await other.findRefreshToken(tokens.refreshToken.tokenHash)).toStrictEqual(tokens.refreshToken);
  });

  it('redeemAuthorizationCode stores an access token alone when no refresh token is issued', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const accessToken = makeAccessToken(owner, code.familyId, { issuedAt: T + 5 });

    expect(await store.redeemAuthorizationCode(code.codeHash, T + 5, { accessToken })).toEqual({ kind: 'redeemed' });
    expect(await store.findAccessToken(accessToken.tokenHash)).toStrictEqual(accessToken);
    expect(await countRows(store, 'refresh_tokens', 'family_id = ?', [code.familyId])).toBe(0);
  });

  it('redeemAuthorizationCode: a second redemption is a replay that revokes every token of the family, descendants included', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const first = nextPair(owner, code.familyId, null, T + 5);
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 5, first)).toEqual({ kind: 'redeemed' });
    // The client refreshes: the family now has a rotated descendant pair.
    const rotated = nextPair(owner, code.familyId, first.refreshToken.tokenHash, T + 10);
    expect(
      await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now: T + 10, gracePeriod: 0, next: rotated }),
    ).toEqual({ kind: 'rotated' });
    const { first: bystander } = await issueFamily();

    const replay = nextPair(owner, code.familyId, null, T + 20);
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 20, replay)).toEqual({ kind: 'replayed' });

    const rows = await familyRows(store, code.familyId);
    expect(rows.liveAccess).toEqual([]);
    expect(rows.liveRefresh).toEqual([]);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect((await store.findAccessToken(rotated.accessToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(rotated.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(first.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    // Revoked earlier by the rotation: keeps its time.
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 10);
    // The tokens offered with the replay were not stored, and the code keeps its first use.
    expect(await store.findAccessToken(replay.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(replay.refreshToken.tokenHash)).toBeNull();
    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBe(T + 5);
    // Another family is untouched.
    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);
    expect(await store.findRefreshToken(bystander.refreshToken.tokenHash)).toStrictEqual(bystander.refreshToken);

    // Still a replay, even after the code's expiry.
    expect(await store.redeemAuthorizationCode(code.codeHash, code.expiresAt + 100, nextPair(owner, code.familyId, null, T + 200))).toEqual({
      kind: 'replayed',
    });
  });

  it('redeemAuthorizationCode: an expired code is invalid, stays unconsumed, and no token is stored', async () => {
    const code = makeCode(owner, { expiresAt: T + 60 });
    await store.saveAuthorizationCode(code);
    const tokens = nextPair(owner, code.familyId, null, T + 60);

    // expires_at <= now: expired.
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 60, tokens)).toEqual({ kind: 'invalid' });
    expect(await store.findAuthorizationCode(code.codeHash)).toStrictEqual(code);
    expect(await store.findAccessToken(tokens.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(tokens.refreshToken.tokenHash)).toBeNull();
    expect(await countRows(store, 'access_tokens', 'family_id = ?', [code.familyId])).toBe(0);

    // One second earlier it was still good.
    const live = makeCode(owner, { expiresAt: T + 60 });
    await store.saveAuthorizationCode(live);
    expect(await store.redeemAuthorizationCode(live.codeHash, T + 59, nextPair(owner, live.familyId, null, T + 59))).toEqual({
      kind: 'redeemed',
    });
  });

  it('redeemAuthorizationCode: an unknown code is invalid and no token is stored', async () => {
    const familyId = id('family');
    const tokens = nextPair(owner, familyId, null, T);
    expect(await store.redeemAuthorizationCode(id('code'), T, tokens)).toEqual({ kind: 'invalid' });
    expect(await store.findAccessToken(tokens.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(tokens.refreshToken.tokenHash)).toBeNull();
  });

  it('redeemAuthorizationCode is one transaction: when the tokens cannot be stored, the code is not consumed', async () => {
    const { first: existing } = await issueFamily();
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    // Same hash as an existing access token: the insert fails.
    const clash = {
      accessToken: makeAccessToken(owner, code.familyId, { tokenHash: existing.accessToken.tokenHash }),
      refreshToken: makeRefreshToken(owner, code.familyId),
    };
    await expect(store.redeemAuthorizationCode(code.codeHash, T + 5, clash)).rejects.toThrow();

    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBeNull();
    expect(await store.findRefreshToken(clash.refreshToken.tokenHash)).toBeNull();
    // The client can still exchange it.
    const tokens = nextPair(owner, code.familyId, null, T + 6);
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 6, tokens)).toEqual({ kind: 'redeemed' });
  });

  // --- sessions ------------------------------------------------------------------

  it('creates, finds and deletes sessions', async () => {
    const session = makeSession(owner.userId, { createdAt: T + 1, expiresAt: FAR_FUTURE });
    await store.createSession(session);

    const found = await other.findSession(session.idHash);
    expect(found).toStrictEqual(session);
    expect(found?.expiresAt).toBe(FAR_FUTURE);
    expect(await store.findSession(id('session'))).toBeNull();

    expect(await store.deleteSession(session.idHash)).toBe(true);
    expect(await other.findSession(session.idHash)).toBeNull();
    expect(await store.deleteSession(session.idHash)).toBe(false);
    expect(await store.deleteSession(id('session'))).toBe(false);
  });

  it('deleteUserSessions ends every session of that user, counts them, and leaves other users signed in', async () => {
    const user = makeUser();
    const bystander = makeUser();
    await store.createUser(user);
    await store.createUser(bystander);
    const mine = [makeSession(user.id), makeSession(user.id), makeSession(user.id, { expiresAt: FAR_FUTURE })];
    for (const session of mine) await store.createSession(session);
    const theirs = makeSession(bystander.id);
    await store.createSession(theirs);

    expect(await store.deleteUserSessions(user.id)).toBe(3);
    for (const session of mine) expect(await store.findSession(session.idHash)).toBeNull();
    expect(await store.findSession(theirs.idHash)).toStrictEqual(theirs);

    expect(await store.deleteUserSessions(user.id)).toBe(0);
    expect(await store.deleteUserSessions(id('user'))).toBe(0);
  });

  // --- consents --------------------------------------------------------------

  it('saveConsent creates, then replaces the scopes and grant time of, the one consent per user and client', async () => {
    const client = makeClient();
    const user = makeUser();
    await store.createClient(client);
    await store.createUser(user);
    expect(await store.findConsent(user.id, client.id)).toBeNull();

    const initial = { userId: user.id, clientId: client.id, scopes: ['profile', 'openid'], grantedAt: T };
    await store.saveConsent(initial);
    // Scope order round-trips.
    expect(await other.findConsent(user.id, client.id)).toStrictEqual(initial);

    const replaced = { userId: user.id, clientId: client.id, scopes: ['email', 'openid', 'profile'], grantedAt: FAR_FUTURE };
    await store.saveConsent(replaced);
    expect(await store.findConsent(user.id, client.id)).toStrictEqual(replaced);
    expect(await countRows(store, 'consents', 'user_id = ? AND client_id = ?', [user.id, client.id])).toBe(1);

    // Replacing with fewer scopes narrows it (the store does not merge).
    const narrowed = { userId: user.id, clientId: client.id, scopes: ['openid'], grantedAt: T + 9 };
    await store.saveConsent(narrowed);
    expect(await store.findConsent(user.id, client.id)).toStrictEqual(narrowed);

    const empty = { userId: user.id, clientId: client.id, scopes: [], grantedAt: T + 10 };
    await store.saveConsent(empty);
    expect(await store.findConsent(user.id, client.id)).toStrictEqual(empty);
  });

  it('consents are kept apart per user and per client', async () => {
    const appA = makeClient();
    const appB = makeClient();
    const alice = makeUser();
    const bob = makeUser();
    for (const client of [appA, appB]) await store.createClient(client);
    for (const user of [alice, bob]) await store.createUser(user);

    const aliceA = { userId: alice.id, clientId: appA.id, scopes: ['openid'], grantedAt: T + 1 };
    const aliceB = { userId: alice.id, clientId: appB.id, scopes: ['profile'], grantedAt: T + 2 };
    const bobA = { userId: bob.id, clientId: appA.id, scopes: ['openid', 'profile'], grantedAt: T + 3 };
    for (const consent of [aliceA, aliceB, bobA]) await store.saveConsent(consent);

    expect(await store.findConsent(alice.id, appA.id)).toStrictEqual(aliceA);
    expect(await store.findConsent(alice.id, appB.id)).toStrictEqual(aliceB);
    expect(await store.findConsent(bob.id, appA.id)).toStrictEqual(bobA);
    expect(await store.findConsent(bob.id, appB.id)).toBeNull();

    // Replacing one leaves the others alone.
    await store.saveConsent({ ...aliceA, scopes: ['email'], grantedAt: T + 4 });
    expect(await store.findConsent(alice.id, appB.id)).toStrictEqual(aliceB);
    expect(await store.findConsent(bob.id, appA.id)).toStrictEqual(bobA);
  });

  // --- confirmation and reset links ------------------------------------------------

  /** A user of their own (created in the shared database) with the given fields. */
  async function newUser(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
    const user = makeUser(overrides);
    await store.createUser(user);
    return user;
  }

  it('issueAccountToken stores a link that findAccountToken finds by hash and purpose until it expires', async () => {
    const user = await newUser();
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T, expiresAt: FAR_FUTURE });
    expect(await store.issueAccountToken(link, 60)).toBe(true);

    const found = await other.findAccountToken(link.tokenHash, 'confirm', T);
    expect(found).toStrictEqual(link);
    expect(typeof found?.createdAt).toBe('number');
    expect(found?.expiresAt).toBe(FAR_FUTURE);
    // The purpose must match: a confirmation link is not a reset link.
    expect(await store.findAccountToken(link.tokenHash, 'reset', T)).toBeNull();
    expect(await store.findAccountToken(id('link'), 'confirm', T)).toBeNull();

    const short = await newUser();
    const expiring = makeAccountToken(short.id, 'reset', { createdAt: T, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(expiring, 60)).toBe(true);
    expect(await store.findAccountToken(expiring.tokenHash, 'reset', T + 3599)).toStrictEqual(expiring);
    // expires_at <= now: expired.
    expect(await store.findAccountToken(expiring.tokenHash, 'reset', T + 3600)).toBeNull();
    expect(await store.findAccountToken(expiring.tokenHash, 'reset', FAR_FUTURE)).toBeNull();
  });

  it('issueAccountToken refuses within notWithin seconds of the last link of that purpose; later it replaces the old link', async () => {
    const user = await newUser();
    const first = makeAccountToken(user.id, 'reset', { createdAt: T });
    expect(await store.issueAccountToken(first, 60)).toBe(true);

    // 59 s later: refused, nothing stored, the first link still works.
    const tooSoon = makeAccountToken(user.id, 'reset', { createdAt: T + 59 });
    expect(await other.issueAccountToken(tooSoon, 60)).toBe(false);
    expect(await store.findAccountToken(tooSoon.tokenHash, 'reset', T + 59)).toBeNull();
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [tooSoon.tokenHash])).toBe(0);
    expect(await store.findAccountToken(first.tokenHash, 'reset', T + 59)).toStrictEqual(first);

    // 60 s later: issued, and it replaces the first link, whose hash no longer finds anything.
    const second = makeAccountToken(user.id, 'reset', { createdAt: T + 60 });
    expect(await other.issueAccountToken(second, 60)).toBe(true);
    expect(await store.findAccountToken(second.tokenHash, 'reset', T + 60)).toStrictEqual(second);
    expect(await store.findAccountToken(first.tokenHash, 'reset', T + 60)).toBeNull();
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [first.tokenHash])).toBe(0);
    expect(await countRows(store, 'account_tokens', 'user_id = ?', [user.id])).toBe(1);

    // notWithin 0: never refused, each link replaces the last, even within one second.
    const third = makeAccountToken(user.id, 'reset', { createdAt: T + 60 });
    expect(await store.issueAccountToken(third, 0)).toBe(true);
    expect(await store.findAccountToken(second.tokenHash, 'reset', T + 60)).toBeNull();
    expect(await store.findAccountToken(third.tokenHash, 'reset', T + 60)).toStrictEqual(third);
    expect(await countRows(store, 'account_tokens', 'user_id = ?', [user.id])).toBe(1);
  });

  it('issueAccountToken: purposes and users are independent; an unknown user gets false and nothing is stored', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const bystander = await newUser();
    const confirm = makeAccountToken(user.id, 'confirm', { createdAt: T });
    const reset = makeAccountToken(user.id, 'reset', { createdAt: T });
    const theirs = makeAccountToken(bystander.id, 'confirm', { createdAt: T });
    expect(await store.issueAccountToken(confirm, 600)).toBe(true);
    // Another purpose in the same second: not held back by the confirmation link, nor replacing it.
    expect(await store.issueAccountToken(reset, 600)).toBe(true);
    // Another user, same purpose, same second.
    expect(await store.issueAccountToken(theirs, 600)).toBe(true);
    expect(await store.findAccountToken(confirm.tokenHash, 'confirm', T)).toStrictEqual(confirm);
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T)).toStrictEqual(reset);
    expect(await store.findAccountToken(theirs.tokenHash, 'confirm', T)).toStrictEqual(theirs);

    // Replacing the user's confirmation link leaves their reset link and the bystander's link alone.
    const newer = makeAccountToken(user.id, 'confirm', { createdAt: T + 600 });
    expect(await store.issueAccountToken(newer, 600)).toBe(true);
    expect(await store.findAccountToken(confirm.tokenHash, 'confirm', T + 600)).toBeNull();
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T + 600)).toStrictEqual(reset);
    expect(await store.findAccountToken(theirs.tokenHash, 'confirm', T + 600)).toStrictEqual(theirs);

    const orphan = makeAccountToken(id('user'), 'reset');
    expect(await store.issueAccountToken(orphan, 0)).toBe(false);
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [orphan.tokenHash])).toBe(0);
  });

  it('10 concurrent issueAccountToken calls for one user across two store instances with notWithin > 0: exactly one is issued', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const links = Array.from({ length: 10 }, () => makeAccountToken(user.id, 'confirm', { createdAt: T }));
    const results = await Promise.all(links.map((link, i) => [store, other][i % 2]!.issueAccountToken(link, 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = links[results.indexOf(true)]!;
    const rows = await store.driver.all<{ token_hash: string }>('SELECT token_hash FROM account_tokens WHERE user_id = ?', [user.id]);
    expect(rows.map((row) => row.token_hash)).toEqual([winner.tokenHash]);
  });

  it('confirmAccount enables an account awaiting confirmation, clears the flag, and the link works once', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);

    // A confirmation link is not a reset link, and vice versa.
    expect(await store.resetPassword(link.tokenHash, 'new-hash', T + 10)).toBeNull();
    expect(await store.findUserById(user.id)).toStrictEqual(user);

    expect(await store.confirmAccount(link.tokenHash, T + 3599, user.passwordHash)).toBe(user.id);
    expect(await store.findUserById(user.id)).toStrictEqual({ ...user, enabled: true, awaitingConfirmation: false, updatedAt: T + 3599 });
    expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 3599)).toBeNull();
    // Single use.
    expect(await other.confirmAccount(link.tokenHash, T + 3599, user.passwordHash)).toBeNull();
    expect(await store.confirmAccount(id('link'), T, user.passwordHash)).toBeNull();

    const resetUser = await newUser({ enabled: false, awaitingConfirmation: true });
    const reset = makeAccountToken(resetUser.id, 'reset');
    expect(await store.issueAccountToken(reset, 0)).toBe(true);
    expect(await store.confirmAccount(reset.tokenHash, T + 1, resetUser.passwordHash)).toBeNull();
    expect(await store.findUserById(resetUser.id)).toStrictEqual(resetUser);
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T + 1)).toStrictEqual(reset);
  });

  it('confirmAccount with a password hash that is no longer the account\'s: null, nothing changes, and the link still works with the right hash', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    // The password of an earlier sign-up, replaced since.
    const replaced = '$argon2id$v=19$m=19456,t=2,p=1$b2xkc2FsdA$c3RyYW5nZXI';

    expect(await store.confirmAccount(link.tokenHash, T + 10, replaced)).toBeNull();
    expect(await other.confirmAccount(link.tokenHash, T + 11, '')).toBeNull();
    expect(await store.findUserById(user.id)).toStrictEqual(user);
    // The link is left as it was: not used up, and still found.
    expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 11)).toStrictEqual(link);
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [link.tokenHash])).toBe(1);

    expect(await other.confirmAccount(link.tokenHash, T + 12, user.passwordHash)).toBe(user.id);
    expect(await store.findUserById(user.id)).toStrictEqual({ ...user, enabled: true, awaitingConfirmation: false, updatedAt: T + 12 });
    expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 12)).toBeNull();
  });

  it('confirmAccount follows the account\'s current password hash: after it changes, only the new hash confirms', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm');
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    const newHash = '$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$dGFrZW5vdmVy';
    expect(await store.updateUser(user.id, { passwordHash: newHash }, T + 5)).toBe(true);

    expect(await store.confirmAccount(link.tokenHash, T + 10, user.passwordHash)).toBeNull();
    expect(await store.findUserById(user.id)).toMatchObject({ enabled: false, awaitingConfirmation: true, passwordHash: newHash });
    expect(await store.confirmAccount(link.tokenHash, T + 11, newHash)).toBe(user.id);
    expect(await store.findUserById(user.id)).toMatchObject({ enabled: true, awaitingConfirmation: false, passwordHash: newHash, updatedAt: T + 11 });
  });

  it('confirmAccount deletes every confirmation link of the user, and nothing else', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const bystander = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T + 10 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    // Another confirmation link of the user's, as an older release could have left (stored directly).
    const stray = makeAccountToken(user.id, 'confirm', { createdAt: T + 5 });
    await store.driver.run('INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
      stray.tokenHash, stray.userId, stray.purpose, stray.createdAt, stray.expiresAt,
    ]);
    const reset = makeAccountToken(user.id, 'reset');
    expect(await store.issueAccountToken(reset, 0)).toBe(true);
    const theirs = makeAccountToken(bystander.id, 'confirm');
    expect(await store.issueAccountToken(theirs, 0)).toBe(true);
    expect(await countRows(store, 'account_tokens', 'user_id = ? AND purpose = ?', [user.id, 'confirm'])).toBe(2);

    expect(await store.confirmAccount(link.tokenHash, T + 20, user.passwordHash)).toBe(user.id);
    expect(await countRows(store, 'account_tokens', 'user_id = ? AND purpose = ?', [user.id, 'confirm'])).toBe(0);
    expect(await store.findAccountToken(stray.tokenHash, 'confirm', T + 20)).toBeNull();
    expect(await other.confirmAccount(stray.tokenHash, T + 21, user.passwordHash)).toBeNull();
    // The reset link is not a confirmation link, and the bystander's links are theirs.
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T + 20)).toStrictEqual(reset);
    expect(await store.findAccountToken(theirs.tokenHash, 'confirm', T + 20)).toStrictEqual(theirs);
    expect(await store.findUserById(bystander.id)).toStrictEqual(bystander);
  });

  it('confirmAccount never enables an account an administrator deactivated (nor disables a confirmed one): null', async () => {
    // Signed up, then deactivated by an admin before following the link.
    const deactivated = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(deactivated.id, 'confirm');
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    expect(await store.updateUser(deactivated.id, { enabled: false, awaitingConfirmation: false }, T + 5)).toBe(true);
    const before = await store.findUserById(deactivated.id);

    expect(await store.confirmAccount(link.tokenHash, T + 10, deactivated.passwordHash)).toBeNull();
    expect(await store.findUserById(deactivated.id)).toStrictEqual(before);
    expect(before).toMatchObject({ enabled: false, awaitingConfirmation: false });
    expect(await store.confirmAccount(link.tokenHash, T + 11, deactivated.passwordHash)).toBeNull();
    expect((await store.findUserById(deactivated.id))?.enabled).toBe(false);

    // An account already confirmed with a link left over: stays as it is.
    const confirmed = await newUser();
    const leftover = makeAccountToken(confirmed.id, 'confirm');
    expect(await store.issueAccountToken(leftover, 60)).toBe(true);
    expect(await store.confirmAccount(leftover.tokenHash, T + 10, confirmed.passwordHash)).toBeNull();
    expect(await store.findUserById(confirmed.id)).toStrictEqual(confirmed);
  });

  it('confirmAccount: an expired link is null and the account stays unconfirmed', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    expect(await store.confirmAccount(link.tokenHash, T + 3600, user.passwordHash)).toBeNull();
    expect(await store.confirmAccount(link.tokenHash, FAR_FUTURE, user.passwordHash)).toBeNull();
    expect(await store.findUserById(user.id)).toStrictEqual(user);
  });

  it('10 concurrent confirmAccount calls with one link across two store instances: exactly one succeeds', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm');
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => [store, other][i % 2]!.confirmAccount(link.tokenHash, T + 1, user.passwordHash)),
    );
    expect(results.filter((result) => result !== null)).toEqual([user.id]);
    expect(await store.findUserById(user.id)).toMatchObject({ enabled: true, awaitingConfirmation: false });
  });

  it('confirmAccount racing a password change across two store instances: it confirms with the hash it was given only if that hash was still current', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await newUser({ enabled: false, awaitingConfirmation: true });
      const link = makeAccountToken(user.id, 'confirm');
      expect(await store.issueAccountToken(link, 60)).toBe(true);
      const newHash = `$argon2id$v=19$m=19456,t=2,p=1$cmFjZQ$${round}`;
      const [confirmed] = await Promise.all([
        store.confirmAccount(link.tokenHash, T + 1, user.passwordHash),
        other.updateUser(user.id, { passwordHash: newHash }, T + 1),
      ]);
      const after = await store.findUserById(user.id);
      expect(after?.passwordHash).toBe(newHash);
      // Either the confirmation came first (and the link is gone) or the change did (and nothing was confirmed).
      if (confirmed === null) {
        expect(after).toMatchObject({ enabled: false, awaitingConfirmation: true });
        expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 1)).toStrictEqual(link);
      } else {
        expect(confirmed).toBe(user.id);
        expect(after).toMatchObject({ enabled: true, awaitingConfirmation: false });
        expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 1)).toBeNull();
      }
    }
  });

  /** A user with live and revoked tokens of two clients, and two sessions. */
  async function userWithTokens(overrides: Partial<UserRecord> = {}) {
    const user = await newUser(overrides);
    const second = makeClient();
    await store.createClient(second);
    const mine = { clientId: owner.clientId, userId: user.id };
    const viaSecond = { clientId: second.id, userId: user.id };
    const pair = nextPair(mine, id('family'), null, T);
    const secondPair = nextPair(viaSecond, id('family'), null, T);
    const accessOnly = makeAccessToken(viaSecond, id('family'));
    const revoked = makeAccessToken(mine, id('family'));
    for (const tokens of [pair, secondPair, { accessToken: accessOnly }, { accessToken: revoked }]) await store.issueTokens(tokens);
    expect(await store.revokeAccessToken(revoked.tokenHash, T + 1)).toBe(true);
    const sessions = [makeSession(user.id), makeSession(user.id, { expiresAt: FAR_FUTURE })];
    for (const session of sessions) await store.createSession(session);
    return { user, pair, secondPair, accessOnly, revoked, sessions };
  }

  it('resetPassword sets the hash, revokes every token of the user, ends their sessions and deletes their reset links, once', async () => {
    const target = await userWithTokens();
    const bystander = await userWithTokens();
    const link = makeAccountToken(target.user.id, 'reset', { createdAt: T + 10, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    // Another reset link of the user's, as an older release could have left (stored directly).
    const stray = makeAccountToken(target.user.id, 'reset', { createdAt: T + 5 });
    await store.driver.run('INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
      stray.tokenHash, stray.userId, stray.purpose, stray.createdAt, stray.expiresAt,
    ]);
    const confirm = makeAccountToken(target.user.id, 'confirm');
    expect(await store.issueAccountToken(confirm, 0)).toBe(true);
    const theirLink = makeAccountToken(bystander.user.id, 'reset');
    expect(await store.issueAccountToken(theirLink, 0)).toBe(true);

    const newHash = '$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$cmVzZXQ';
    expect(await store.resetPassword(link.tokenHash, newHash, T + 100)).toBe(target.user.id);

    expect(await store.findUserById(target.user.id)).toStrictEqual({ ...target.user, passwordHash: newHash, updatedAt: T + 100 });
    // Every access and refresh token of the user, of every client, is revoked now; one revoked before keeps its time.
    for (const token of [target.pair.accessToken, target.secondPair.accessToken, target.accessOnly]) {
      expect(await store.findAccessToken(token.tokenHash)).toStrictEqual({ ...token, revokedAt: T + 100 });
    }
    for (const token of [target.pair.refreshToken, target.secondPair.refreshToken]) {
      expect(await store.findRefreshToken(token.tokenHash)).toStrictEqual({ ...token, revokedAt: T + 100 });
    }
    expect((await store.findAccessToken(target.revoked.tokenHash))?.revokedAt).toBe(T + 1);
    expect(await countRows(store, 'access_tokens', 'user_id = ? AND revoked_at IS NULL', [target.user.id])).toBe(0);
    expect(await countRows(store, 'refresh_tokens', 'user_id = ? AND revoked_at IS NULL', [target.user.id])).toBe(0);
    for (const session of target.sessions) expect(await store.findSession(session.idHash)).toBeNull();
    // Every reset link of the user is gone; the confirmation link is not a reset link.
    expect(await countRows(store, 'account_tokens', 'user_id = ? AND purpose = ?', [target.user.id, 'reset'])).toBe(0);
    expect(await store.findAccountToken(confirm.tokenHash, 'confirm', T + 100)).toStrictEqual(confirm);

    // Another user is untouched.
    for (const token of [bystander.pair.accessToken, bystander.secondPair.accessToken, bystander.accessOnly]) {
      expect(await store.findAccessToken(token.tokenHash)).toStrictEqual(token);
    }
    for (const token of [bystander.pair.refreshToken, bystander.secondPair.refreshToken]) {
      expect(await store.findRefreshToken(token.tokenHash)).toStrictEqual(token);
    }
    for (const session of bystander.sessions) expect(await store.findSession(session.idHash)).toStrictEqual(session);
    expect(await store.findAccountToken(theirLink.tokenHash, 'reset', T + 100)).toStrictEqual(theirLink);
    expect(await store.findUserById(bystander.user.id)).toStrictEqual(bystander.user);

    // Single use, and the stray link went with it.
    expect(await other.resetPassword(link.tokenHash, 'another-hash', T + 101)).toBeNull();
    expect(await other.resetPassword(stray.tokenHash, 'another-hash', T + 101)).toBeNull();
    expect((await store.findUserById(target.user.id))?.passwordHash).toBe(newHash);
    expect(await store.resetPassword(id('link'), 'another-hash', T + 101)).toBeNull();
  });

  it('resetPassword never changes enabled: a deactivated or unconfirmed account stays disabled', async () => {
    const deactivated = await newUser({ enabled: false, awaitingConfirmation: false });
    const unconfirmed = await newUser({ enabled: false, awaitingConfirmation: true });
    for (const user of [deactivated, unconfirmed]) {
      const link = makeAccountToken(user.id, 'reset');
      expect(await store.issueAccountToken(link, 0)).toBe(true);
      expect(await store.resetPassword(link.tokenHash, 'hash-after-reset', T + 50)).toBe(user.id);
      const after = await store.findUserById(user.id);
      expect(after).toMatchObject({ enabled: false, passwordHash: 'hash-after-reset' });
    }
  });

  it('resetPassword: an expired link is null and changes nothing', async () => {
    const target = await userWithTokens();
    const link = makeAccountToken(target.user.id, 'reset', { expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 0)).toBe(true);
    expect(await store.resetPassword(link.tokenHash, 'too-late', T + 3600)).toBeNull();
    expect(await store.findUserById(target.user.id)).toStrictEqual(target.user);
    expect(await store.findAccessToken(target.pair.accessToken.tokenHash)).toStrictEqual(target.pair.accessToken);
    expect(await store.findRefreshToken(target.pair.refreshToken.tokenHash)).toStrictEqual(target.pair.refreshToken);
    for (const session of target.sessions) expect(await store.findSession(session.idHash)).toStrictEqual(session);
  });

  it('10 concurrent resetPassword calls with one link across two store instances: exactly one succeeds, and its hash is stored', async () => {
    const target = await userWithTokens();
    const link = makeAccountToken(target.user.id, 'reset');
    expect(await store.issueAccountToken(link, 0)).toBe(true);
    const hashes = Array.from({ length: 10 }, (_, i) => `hash-${i}`);
    const results = await Promise.all(hashes.map((hash, i) => [store, other][i % 2]!.resetPassword(link.tokenHash, hash, T + 20)));
    expect(results.filter((result) => result !== null)).toEqual([target.user.id]);
    const winner = hashes[results.findIndex((result) => result !== null)]!;
    expect((await store.findUserById(target.user.id))?.passwordHash).toBe(winner);
    expect(await countRows(store, 'access_tokens', 'user_id = ? AND revoked_at IS NULL', [target.user.id])).toBe(0);
  });

  // --- the apps a user has let in ---------------------------------------------------

  it('listUserGrants lists consents and apps holding live tokens, by client name, with live token counts', async () => {
    const user = await newUser();
    const someoneElse = await newUser();
    const now = T + 1000;
    const [zeta, alpha, mid, dead, untouched] = ['Zeta Notes', 'Alpha Mail', 'Mid Calendar', 'Dead App', 'Untouched'].map((name) =>
      makeClient({ name }),
    ) as [ClientRecord, ClientRecord, ClientRecord, ClientRecord, ClientRecord];
    for (const client of [zeta, alpha, mid, dead, untouched]) await store.createClient(client);
    const as = (client: ClientRecord, userId: string | null = user.id) => ({ clientId: client.id, userId });

    // Zeta: a consent only.
    await store.saveConsent({ userId: user.id, clientId: zeta.id, scopes: ['openid', 'notes'], grantedAt: T + 1 });
    // Alpha: live tokens only (a trusted client never asks); the scopes are those of the live tokens.
    await store.issueTokens({
      accessToken: makeAccessToken(as(alpha), id('family'), { scope: 'openid profile', issuedAt: T + 5, expiresAt: now + 1 }),
      refreshToken: makeRefreshToken(as(alpha), id('family'), { scope: 'openid mail', issuedAt: T + 3, expiresAt: FAR_FUTURE }),
    });
    // Not live, so neither counted nor contributing scopes nor lastIssuedAt: revoked, expired (at now), consumed.
    const revoked = makeAccessToken(as(alpha), id('family'), { scope: 'revoked', issuedAt: T + 50 });
    await store.issueTokens({ accessToken: revoked });
    await store.revokeAccessToken(revoked.tokenHash, T + 51);
    await store.issueTokens({ accessToken: makeAccessToken(as(alpha), id('family'), { scope: 'expired', issuedAt: T + 60, expiresAt: now }) });
    // A refresh token already exchanged (consumed, not revoked) is not live either.
    const consumed = nextPair(as(alpha), id('family'), null, T + 70);
    consumed.refreshToken.scope = 'consumed';
    await store.issueTokens(consumed);
    await store.revokeAccessToken(consumed.accessToken.tokenHash, T + 71);
    await store.driver.run('UPDATE refresh_tokens SET consumed_at = ? WHERE token_hash = ?', [T + 71, consumed.refreshToken.tokenHash]);
    // Another user's tokens and consent, and a client's own token, are not this user's.
    await store.issueTokens({ accessToken: makeAccessToken(as(alpha, someoneElse.id), id('family'), { scope: 'theirs', issuedAt: T + 90 }) });
    await store.saveConsent({ userId: someoneElse.id, clientId: untouched.id, scopes: ['openid'], grantedAt: T });
    await store.issueTokens({ accessToken: makeAccessToken(as(untouched, null), id('family'), { issuedAt: T + 90 }) });
    // Mid: a consent and a live token; the consent's scopes are the ones shown.
    await store.saveConsent({ userId: user.id, clientId: mid.id, scopes: ['calendar'], grantedAt: T + 2 });
    await store.issueTokens({ accessToken: makeAccessToken(as(mid), id('family'), { scope: 'openid calendar', issuedAt: T + 8 }) });
    // Dead: only tokens that are no longer live: not listed at all.
    const deadToken = makeAccessToken(as(dead), id('family'));
    await store.issueTokens({ accessToken: deadToken });
    await store.revokeAccessToken(deadToken.tokenHash, T + 1);
    await store.issueTokens({ accessToken: makeAccessToken(as(dead), id('family'), { expiresAt: now - 1 }) });

    const grants = await other.listUserGrants(user.id, now);
    expect(grants).toStrictEqual([
      { clientId: alpha.id, clientName: 'Alpha Mail', scopes: ['mail', 'openid', 'profile'], consentedAt: null, lastIssuedAt: T + 5, liveTokens: 2 },
      { clientId: mid.id, clientName: 'Mid Calendar', scopes: ['calendar'], consentedAt: T + 2, lastIssuedAt: T + 8, liveTokens: 1 },
      { clientId: zeta.id, clientName: 'Zeta Notes', scopes: ['openid', 'notes'], consentedAt: T + 1, lastIssuedAt: null, liveTokens: 0 },
    ]);
    for (const grant of grants) {
      expect(typeof grant.liveTokens).toBe('number');
      if (grant.lastIssuedAt !== null) expect(typeof grant.lastIssuedAt).toBe('number');
      if (grant.consentedAt !== null) expect(typeof grant.consentedAt).toBe('number');
    }

    // A second later Alpha's access token has expired too.
    expect((await store.listUserGrants(user.id, now + 1)).find((grant) => grant.clientId === alpha.id)).toStrictEqual({
      clientId: alpha.id, clientName: 'Alpha Mail', scopes: ['mail', 'openid'], consentedAt: null, lastIssuedAt: T + 3, liveTokens: 1,
    });
    expect(await store.listUserGrants(id('user'), now)).toEqual([]);
  });

  it('revokeUserGrant forgets the consent, revokes that client\'s tokens of that user, voids unused codes; false when nothing', async () => {
    const user = await newUser();
    const bystander = await newUser();
    const app = makeClient({ name: 'App' });
    const keep = makeClient({ name: 'Kept' });
    for (const client of [app, keep]) await store.createClient(client);
    const mine = { clientId: app.id, userId: user.id };
    const theirs = { clientId: app.id, userId: bystander.id };
    const kept = { clientId: keep.id, userId: user.id };

    await store.saveConsent({ userId: user.id, clientId: app.id, scopes: ['openid'], grantedAt: T });
    const pair = nextPair(mine, id('family'), null, T);
    await store.issueTokens(pair);
    const revokedEarlier = makeAccessToken(mine, id('family'));
    await store.issueTokens({ accessToken: revokedEarlier });
    await store.revokeAccessToken(revokedEarlier.tokenHash, T + 1);
    const unused = makeCode(mine, { expiresAt: FAR_FUTURE });
    const used = makeCode(mine);
    await store.saveAuthorizationCode(unused);
    await store.saveAuthorizationCode(used);
    expect((await store.redeemAuthorizationCode(used.codeHash, T + 2, nextPair(mine, used.familyId, null, T + 2))).kind).toBe('redeemed');

    const theirConsent = { userId: bystander.id, clientId: app.id, scopes: ['openid'], grantedAt: T };
    await store.saveConsent(theirConsent);
    const theirPair = nextPair(theirs, id('family'), null, T);
    await store.issueTokens(theirPair);
    const theirCode = makeCode(theirs);
    await store.saveAuthorizationCode(theirCode);
    const keptConsent = { userId: user.id, clientId: keep.id, scopes: ['profile'], grantedAt: T };
    await store.saveConsent(keptConsent);
    const keptPair = nextPair(kept, id('family'), null, T);
    await store.issueTokens(keptPair);
    const keptCode = makeCode(kept);
    await store.saveAuthorizationCode(keptCode);

    expect(await store.revokeUserGrant(user.id, app.id, T + 100)).toBe(true);

    expect(await store.findConsent(user.id, app.id)).toBeNull();
    expect(await store.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual({ ...pair.accessToken, revokedAt: T + 100 });
    expect(await store.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual({ ...pair.refreshToken, revokedAt: T + 100 });
    expect((await store.findAccessToken(revokedEarlier.tokenHash))?.revokedAt).toBe(T + 1);
    // Including the pair the used code bought.
    const bought = await familyRows(store, used.familyId);
    expect(bought.access).toHaveLength(1);
    expect(bought.refresh).toHaveLength(1);
    for (const row of [...bought.access, ...bought.refresh]) expect(Number(row.revoked_at)).toBe(T + 100);
    expect(await countRows(store, 'access_tokens', 'user_id = ? AND client_id = ? AND revoked_at IS NULL', [user.id, app.id])).toBe(0);
    expect(await countRows(store, 'refresh_tokens', 'user_id = ? AND client_id = ? AND revoked_at IS NULL', [user.id, app.id])).toBe(0);
    // The unused code is void; the used one keeps its time.
    expect(await store.findAuthorizationCode(unused.codeHash)).toStrictEqual({ ...unused, consumedAt: T + 100 });
    expect((await store.findAuthorizationCode(used.codeHash))?.consumedAt).toBe(T + 2);
    const late = nextPair(mine, unused.familyId, null, T + 101);
    expect((await store.redeemAuthorizationCode(unused.codeHash, T + 101, late)).kind).not.toBe('redeemed');
    expect(await store.findAccessToken(late.accessToken.tokenHash)).toBeNull();

    // Another user of the app, and the user's other app, are untouched.
    expect(await store.findConsent(bystander.id, app.id)).toStrictEqual(theirConsent);
    expect(await store.findAccessToken(theirPair.accessToken.tokenHash)).toStrictEqual(theirPair.accessToken);
    expect(await store.findRefreshToken(theirPair.refreshToken.tokenHash)).toStrictEqual(theirPair.refreshToken);
    expect(await store.findAuthorizationCode(theirCode.codeHash)).toStrictEqual(theirCode);
    expect(await store.findConsent(user.id, keep.id)).toStrictEqual(keptConsent);
    expect(await store.findAccessToken(keptPair.accessToken.tokenHash)).toStrictEqual(keptPair.accessToken);
    expect(await store.findRefreshToken(keptPair.refreshToken.tokenHash)).toStrictEqual(keptPair.refreshToken);
    expect(await store.findAuthorizationCode(keptCode.codeHash)).toStrictEqual(keptCode);
    expect((await store.listUserGrants(user.id, T + 100)).map((grant) => grant.clientId)).toEqual([keep.id]);

    // Nothing left to take: false.
    expect(await other.revokeUserGrant(user.id, app.id, T + 200)).toBe(false);
    expect((await store.findAccessToken(pair.accessToken.tokenHash))?.revokedAt).toBe(T + 100);
    expect(await store.revokeUserGrant(user.id, id('client'), T + 200)).toBe(false);
    expect(await store.revokeUserGrant(id('user'), app.id, T + 200)).toBe(false);
  });

  it('revokeUserGrant is true for a consent alone, live tokens alone, or an unused code alone', async () => {
    const user = await newUser();
    const [consentOnly, tokensOnly, codeOnly] = [makeClient(), makeClient(), makeClient()];
    for (const client of [consentOnly, tokensOnly, codeOnly]) await store.createClient(client);
    await store.saveConsent({ userId: user.id, clientId: consentOnly.id, scopes: ['openid'], grantedAt: T });
    const token = makeAccessToken({ clientId: tokensOnly.id, userId: user.id }, id('family'));
    await store.issueTokens({ accessToken: token });
    const code = makeCode({ clientId: codeOnly.id, userId: user.id });
    await store.saveAuthorizationCode(code);

    expect(await store.revokeUserGrant(user.id, consentOnly.id, T + 5)).toBe(true);
    expect(await store.findConsent(user.id, consentOnly.id)).toBeNull();
    expect(await store.revokeUserGrant(user.id, tokensOnly.id, T + 5)).toBe(true);
    expect((await store.findAccessToken(token.tokenHash))?.revokedAt).toBe(T + 5);
    expect(await store.revokeUserGrant(user.id, codeOnly.id, T + 5)).toBe(true);
    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBe(T + 5);
    for (const client of [consentOnly, tokensOnly, codeOnly]) expect(await store.revokeUserGrant(user.id, client.id, T + 6)).toBe(false);
  });

  // --- concurrency -----------------------------------------------------------

  /**
   * 20 concurrent presentations of one token, each with its own next pair; by default 10 through
   * each store instance (two connections / two pools on one database).
   */
  async function presentConcurrently(gracePeriod: number, through: SqlStore[] = [store, other]) {
    const { familyId, first } = await issueFamily();
    const presented = first.refreshToken.tokenHash;
    const now = T + 100;
    const pairs = Array.from({ length: 20 }, () => nextPair(owner, familyId, presented, now));
    const outcomes = await Promise.all(
      pairs.map((next, i) => through[i % through.length]!.rotateRefreshToken({ presentedHash: presented, now, gracePeriod, next })),
    );
    return { familyId, presented, pairs, outcomes };
  }

  it('concurrent transactions through one store instance stay separate', async () => {
    const families = Array.from({ length: 20 }, () => id('family'));
    const pairs = families.map((familyId) => nextPair(owner, familyId, null, T));
    const results = await Promise.allSettled(pairs.map((pair) => store.issueTokens(pair)));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    for (const pair of pairs) {
      expect(await store.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual(pair.accessToken);
      expect(await store.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual(pair.refreshToken);
    }

    const { familyId, outcomes } = await presentConcurrently(0, [store]);
    expect(tally(outcomes)).toEqual({ rotated: 1, 'reuse-detected': 19 });
    expect((await familyRows(store, familyId)).liveRefresh).toEqual([]);
  });

  it('20 concurrent rotations of one token across two store instances: exactly one rotates, the rest are reuse (grace 0)', async () => {
    const { familyId, presented, pairs, outcomes } = await presentConcurrently(0);

    expect(tally(outcomes)).toEqual({ rotated: 1, 'reuse-detected': 19 });
    for (const outcome of outcomes) {
      if (outcome.kind === 'reuse-detected') expect(outcome.familyId).toBe(familyId);
    }
    // Only the winner's pair was stored, and reuse revoked it along with the rest of the family.
    const winner = outcomes.findIndex((outcome) => outcome.kind === 'rotated');
    const rows = await familyRows(store, familyId);
    expect(rows.refresh.map((row) => row.token_hash).sort()).toEqual([presented, pairs[winner]!.refreshToken.tokenHash].sort());
    expect(rows.access).toHaveLength(2);
    expect(rows.liveRefresh).toEqual([]);
    expect(rows.liveAccess).toEqual([]);
    expect((await store.findRefreshToken(presented))?.consumedAt).toBe(T + 100);
  });

  it('20 concurrent rotations of one token across two store instances with grace: one rotates, the rest reissue, one token stays live', async () => {
    const { familyId, presented, pairs, outcomes } = await presentConcurrently(60);

    expect(tally(outcomes)).toEqual({ rotated: 1, 'reissued-in-grace': 19 });
    const rows = await familyRows(store, familyId);
    // Every next pair was stored (1 rotation + 19 reissues) alongside the first pair.
    expect(rows.refresh).toHaveLength(21);
    expect(rows.access).toHaveLength(21);
    expect(rows.liveRefresh).toHaveLength(1);
    expect(rows.liveAccess).toHaveLength(1);
    // The live access and refresh token are one pair.
    const live = pairs.find((pair) => pair.refreshToken.tokenHash === rows.liveRefresh[0]);
    expect(live).toBeDefined();
    expect(rows.liveAccess).toEqual([live!.accessToken.tokenHash]);
    expect((await store.findRefreshToken(presented))?.revokedAt).toBeNull();
  });

  it('10 concurrent redemptions of one code across two store instances: exactly one redeems, the rest are replays', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const now = T + 5;
    const offers = Array.from({ length: 10 }, () => nextPair(owner, code.familyId, null, now));

    const outcomes = await Promise.all(
      offers.map((tokens, i) => [store, other][i % 2]!.redeemAuthorizationCode(code.codeHash, now, tokens)),
    );

    expect(tally(outcomes)).toEqual({ redeemed: 1, replayed: 9 });
    // Only the winner's tokens were stored; the replays then revoked them.
    const winner = offers[outcomes.findIndex((outcome) => outcome.kind === 'redeemed')]!;
    const rows = await familyRows(store, code.familyId);
    expect(rows.access.map((row) => row.token_hash)).toEqual([winner.accessToken.tokenHash]);
    expect(rows.refresh.map((row) => row.token_hash)).toEqual([winner.refreshToken.tokenHash]);
    expect(rows.liveAccess).toEqual([]);
    expect(rows.liveRefresh).toEqual([]);
    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBe(now);
  });

  // --- throttling ---------------------------------------------------------------

  /** Never blocks in these tests: the count is all that changes. */
  const NEVER: BlockRule = { threshold: 1000, maxDelay: 900 };

  /** The stored row of a throttle key, numbers as numbers; null when there is none. */
  async function throttleRow(db: SqlStore, key: string) {
    const row = await db.driver.get<{ failures: number | string; last_failure_at: number | string; blocked_until: number | string }>(
      'SELECT failures, last_failure_at, blocked_until FROM throttles WHERE throttle_key = ?',
      [key],
    );
    return row ? { failures: Number(row.failures), lastFailureAt: Number(row.last_failure_at), blockedUntil: Number(row.blocked_until) } : null;
  }

  // The behaviours every ThrottleStore must show (redis-throttle-store.test.ts runs them too), read
  // back from the throttles table. The SQL store's own (the PostgreSQL lock interleaving below,
  // the clean-up of counters by deleteExpired) stay here.
  describeThrottleStoreContract('ThrottleStore contract', () => ({
    store,
    other,
    uniqueKey: id,
    counter: (key) => throttleRow(store, key),
  }));

  // SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so this interleaving cannot
  // happen there: the test exists for PostgreSQL only.
  if (factory.engine === 'postgres') it(
    'countAttempt: two attempts sharing counters, one of them created while the other waited, do not deadlock',
    async () => {
      const tag = id('interleave');
      // Sorted: k < z < q < p.
      const [k, z, q, p] = [`${tag}:a-k`, `${tag}:a-z`, `${tag}:b-q`, `${tag}:c-p`];
      await store.recordFailure(z, T, T - 900, NEVER);
      const holder = database.open();
      const pidOf = async (tx: { get<R>(sql: string): Promise<R | undefined> }) =>
        Number((await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
      /** The sessions on this database waiting for a lock, with the sessions they wait for. */
      const blocked = async () =>
        (
          await holder.driver.all<{ pid: number; blockers: number[] }>(
            `SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
             WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0`,
          )
        ).map((row) => ({ pid: Number(row.pid), blockers: row.blockers.map(Number) }));
      const until = async (what: string, condition: () => Promise<boolean>) => {
        for (let tries = 0; tries < 500; tries++) {
          if (await condition()) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new Error(`timed out waiting until ${what}`);
      };
      const gate = () => {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      };
      const zReleased = gate();
      const kReleased = gate();
      const zHeld = gate();
      const kHeld = gate();
      let zHolder = 0;
      let kHolder = 0;
      // Another node's transaction holds counter z …
      const holdingZ = holder.driver.transaction(async (tx) => {
        zHolder = await pidOf(tx);
        await tx.get(`SELECT failures FROM throttles WHERE throttle_key = ?${holder.driver.forUpdate}`, [z]);
        zHeld.open();
        await zReleased.opened;
      });
      // … and another is creating counter k, and will roll back.
      const holdingK = holder.driver
        .transaction(async (tx) => {
          kHolder = await pidOf(tx);
          await tx.run('INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 1, ?, 0)', [k, T]);
          kHeld.open();
          await kReleased.opened;
          throw new Error('rolled back on purpose');
        })
        .catch(() => {});
      await Promise.all([zHeld.opened, kHeld.opened]);

      try {
        // B starts while p does not exist yet, and waits for z.
        const b = store.countAttempt([z, q, p].map((key) => ({ key, rule: NEVER })), T + 1, T - 899);
        let bDone = false;
        void b.then(() => (bDone = true), () => (bDone = true));
        let bPid = 0;
        await until('B waits for z', async () => {
          bPid = (await blocked()).find((row) => row.blockers.includes(zHolder))?.pid ?? 0;
          return bDone || bPid !== 0;
        });
        // Meanwhile p is created, then A starts (and waits, for k or for B).
        expect(await other.recordFailure(p, T + 1, T - 899, NEVER)).toBe(1);
        const a = other.countAttempt([k, q, p].map((key) => ({ key, rule: NEVER })), T + 1, T - 899);
        let aDone = false;
        void a.then(() => (aDone = true), () => (aDone = true));
        let aPid = 0;
        await until('A waits', async () => {
          const waits = await blocked();
          aPid = waits.find((row) => row.pid !== bPid && (row.blockers.includes(kHolder) || row.blockers.includes(bPid)))?.pid ?? 0;
          return aDone || aPid !== 0;
        });
        // z is free: B goes on, until it is done or waits for A.
        zReleased.open();
        await holdingZ;
        await until('B is done or waits for A', async () => bDone || (await blocked()).some((row) => row.pid === bPid && row.blockers.includes(aPid)));
        // k is free: A goes on.
        kReleased.open();
        await holdingK;

        const results = await Promise.allSettled([a, b]);
        expect(results.map((result) => (result.status === 'fulfilled' ? result.value : String(result.reason)))).toEqual([0, 0]);
        expect(await throttleRow(store, k)).toMatchObject({ failures: 1 });
        expect(await throttleRow(store, z)).toMatchObject({ failures: 2 });
        expect(await throttleRow(store, q)).toMatchObject({ failures: 2 });
        expect(await throttleRow(store, p)).toMatchObject({ failures: 3 });
      } finally {
        zReleased.open();
        kReleased.open();
        await Promise.allSettled([holdingZ, holdingK]);
      }
    },
  );

  // --- revocation & maintenance ----------------------------------------------

  it('revokeAccessToken revokes that one token once: true, then false; false for an unknown hash', async () => {
    const { familyId, first } = await issueFamily();
    const sibling = makeAccessToken(owner, familyId);
    await store.issueTokens({ accessToken: sibling });
    const { first: bystander } = await issueFamily();

    expect(await store.revokeAccessToken(first.accessToken.tokenHash, T + 5)).toBe(true);
    expect(await other.findAccessToken(first.accessToken.tokenHash)).toStrictEqual({ ...first.accessToken, revokedAt: T + 5 });
    // Already revoked: false, and the first revocation time is kept.
    expect(await other.revokeAccessToken(first.accessToken.tokenHash, T + 9)).toBe(false);
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 5);
    expect(await store.revokeAccessToken(id('missing'), T + 9)).toBe(false);

    // Only that token: not its refresh token, not another access token of its family, nor anyone else's.
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
    expect(await store.findAccessToken(sibling.tokenHash)).toStrictEqual(sibling);
    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);
    expect(await store.findRefreshToken(bystander.refreshToken.tokenHash)).toStrictEqual(bystander.refreshToken);
    // A refresh token's hash is not an access token's: nothing happens to it.
    expect(await store.revokeAccessToken(first.refreshToken.tokenHash, T + 9)).toBe(false);
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
  });

  // --- signing keys ------------------------------------------------------------

  it('addSigningKey stores every field; listSigningKeys lists every key, current first, then by retirement', async () => {
    const fresh = await factory.createDatabase();
    try {
      const db = fresh.open();
      await db.migrate();
      const reader = fresh.open();
      expect(await db.listSigningKeys()).toEqual([]);
      const first = makeSigningKey({ createdAt: T });
      const second = makeSigningKey({ createdAt: T + 10, algorithm: 'ES256' });
      const third = makeSigningKey({ createdAt: FAR_FUTURE, algorithm: 'RS256' });
      // With no current key there is nothing to retire: the times apply to nothing.
      await db.addSigningKey(first, { retireAt: T, publishUntil: T + 100 });
      expect(await reader.listSigningKeys()).toStrictEqual([first]);
      // The retirement is whatever the caller says, not the new key's creation time: here a
      // future one (the key ring pre-publishes the new key 90 s before it signs).
      await db.addSigningKey(second, { retireAt: T + 100, publishUntil: T + 200 });
      await db.addSigningKey(third, { retireAt: FAR_FUTURE, publishUntil: FAR_FUTURE + 300 });

      const expected = [
        third,
        { ...second, retiredAt: FAR_FUTURE, publishUntil: FAR_FUTURE + 300 },
        { ...first, retiredAt: T + 100, publishUntil: T + 200 },
      ];
      expect(await db.listSigningKeys()).toStrictEqual(expected);
      // Another instance (own connection or pool) reads the same, numbers as numbers.
      const listed = await reader.listSigningKeys();
      expect(listed).toStrictEqual(expected);
      for (const key of listed) {
        expect(typeof key.createdAt).toBe('number');
        if (key.retiredAt !== null) expect(typeof key.retiredAt).toBe('number');
        if (key.publishUntil !== null) expect(typeof key.publishUntil).toBe('number');
      }
      // The shared test database is untouched by keys on another database.
      expect(await store.listSigningKeys()).toEqual([]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('addSigningKey retires every current key at the given time, each published until the given time; the new key is the only current one', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const old = makeSigningKey({ createdAt: T });
      // With no current key, the retirement and publication times have nothing to apply to.
      await db.addSigningKey(old, { retireAt: T, publishUntil: T + 1 });
      expect(await db.listSigningKeys()).toStrictEqual([old]);
      const current = makeSigningKey({ createdAt: T + 10 });
      await db.addSigningKey(current, { retireAt: T + 10, publishUntil: T + 50 });
      // A second current key (as a race could leave): rotation must retire it as well.
      const stray = makeSigningKey({ createdAt: T + 11 });
      await db.driver.run(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
         VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
        [stray.kid, stray.algorithm, stray.publicJwk, stray.privateKeyEncrypted, stray.createdAt],
      );

      const next = makeSigningKey({ createdAt: T + 20 });
      // Retiring 90 s after the rotation (a time in the future), published until then + 3610.
      await db.addSigningKey(next, { retireAt: T + 110, publishUntil: T + 110 + 3610 });
      const byKid = new Map((await db.listSigningKeys()).map((key) => [key.kid, key]));
      expect(byKid.get(next.kid)).toStrictEqual(next);
      expect(byKid.get(current.kid)).toStrictEqual({ ...current, retiredAt: T + 110, publishUntil: T + 3720 });
      expect(byKid.get(stray.kid)).toStrictEqual({ ...stray, retiredAt: T + 110, publishUntil: T + 3720 });
      // A key retired earlier keeps its own retirement and publication times.
      expect(byKid.get(old.kid)).toStrictEqual({ ...old, retiredAt: T + 10, publishUntil: T + 50 });
      expect([...byKid.values()].filter((key) => key.retiredAt === null).map((key) => key.kid)).toEqual([next.kid]);

      // An immediate rotation (retireAt now) also stops a key whose retirement was still to come:
      // no key signs after retireAt but the new one.
      const last = makeSigningKey({ createdAt: T + 30 });
      await db.addSigningKey(last, { retireAt: T + 30, publishUntil: T + 3640 });
      const after = new Map((await db.listSigningKeys()).map((key) => [key.kid, key]));
      expect(after.get(current.kid)).toStrictEqual({ ...current, retiredAt: T + 30, publishUntil: T + 3640 });
      expect(after.get(old.kid)).toStrictEqual({ ...old, retiredAt: T + 10, publishUntil: T + 50 });
      expect(after.get(next.kid)).toStrictEqual({ ...next, retiredAt: T + 30, publishUntil: T + 3640 });
      expect([...after.values()].filter((key) => key.retiredAt === null).map((key) => key.kid)).toEqual([last.kid]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('addSigningKey is one transaction: a key that cannot be stored retires nothing', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const current = makeSigningKey({ createdAt: T });
      await db.addSigningKey(current, { retireAt: T, publishUntil: T + 1 });
      // Same kid again: the insert fails, so the current key must stay current.
      await expect(db.addSigningKey(makeSigningKey({ kid: current.kid, createdAt: T + 5 }), { retireAt: T + 95, publishUntil: T + 100 })).rejects.toThrow();
      expect(await db.listSigningKeys()).toStrictEqual([current]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('listSigningKeys: of two keys added in the same second, the one added last (the current one) is listed first', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      // kids are thumbprints, random as far as ordering goes: the later key may sort before the earlier one.
      const earlier = makeSigningKey({ kid: 'zzzz-first-key', createdAt: T });
      const later = makeSigningKey({ kid: 'aaaa-second-key', createdAt: T });
      await db.addSigningKey(earlier, { retireAt: T, publishUntil: T + 100 });
      await db.addSigningKey(later, { retireAt: T + 90, publishUntil: T + 100 });
      expect((await db.listSigningKeys()).map((key) => [key.kid, key.retiredAt])).toEqual([
        [later.kid, null],
        [earlier.kid, T + 90],
      ]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('listSigningKeys: the current key first, however old; then retired_at DESC, created_at DESC, kid DESC', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const insert = async (key: SigningKeyRecord) =>
        db.driver.run(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [key.kid, key.algorithm, key.publicJwk, key.privateKeyEncrypted, key.createdAt, key.retiredAt, key.publishUntil],
        );
      // Inserted in an order that matches none of the sort keys.
      const rows = [
        makeSigningKey({ kid: 'kid-b', createdAt: T + 4, retiredAt: T + 50, publishUntil: T + 500 }),
        makeSigningKey({ kid: 'kid-c', createdAt: T + 1, retiredAt: T + 100, publishUntil: T + 700 }),
        makeSigningKey({ kid: 'kid-current', createdAt: T - 1000, retiredAt: null, publishUntil: null }),
        makeSigningKey({ kid: 'kid-a', createdAt: T + 3, retiredAt: T + 100, publishUntil: T + 600 }),
        makeSigningKey({ kid: 'kid-d', createdAt: T + 1, retiredAt: T + 100, publishUntil: T + 700 }),
        makeSigningKey({ kid: 'kid-future', createdAt: T, retiredAt: FAR_FUTURE, publishUntil: FAR_FUTURE + 10 }),
      ];
      for (const row of rows) await insert(row);
      const listed = await db.listSigningKeys();
      expect(listed.map((key) => key.kid)).toEqual(['kid-current', 'kid-future', 'kid-a', 'kid-d', 'kid-c', 'kid-b']);
      expect(listed).toStrictEqual(['kid-current', 'kid-future', 'kid-a', 'kid-d', 'kid-c', 'kid-b'].map((kid) => rows.find((row) => row.kid === kid)));
    } finally {
      await fresh.cleanup();
    }
  });

  it('10 concurrent addSigningKey calls across two store instances leave exactly one current key', async () => {
    const fresh = await factory.createDatabase();
    try {
      const a = fresh.open();
      const b = fresh.open();
      await a.migrate();
      const keys = Array.from({ length: 10 }, (_, i) => makeSigningKey({ createdAt: T + i }));
      await Promise.all(keys.map((key, i) => (i % 2 ? a : b).addSigningKey(key, { retireAt: T + 90, publishUntil: T + 1000 })));
      const listed = await a.listSigningKeys();
      expect(listed).toHaveLength(10);
      const current = listed.filter((key) => key.retiredAt === null);
      expect(current.map((key) => key.kid), 'keys left current').toHaveLength(1);
      expect(listed[0]!.kid).toBe(current[0]!.kid);
      // Each call retired exactly the key the previous one added.
      for (const key of listed.filter((k) => k.retiredAt !== null)) expect(key).toMatchObject({ retiredAt: T + 90, publishUntil: T + 1000 });
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired deletes retired keys no longer published (publish_until <= now) and keeps the current and still-published ones', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const now = T + 1000;
      // Each rotation retires the previous key at the time given (the last one in the future); publish times as given.
      const goneLongAgo = makeSigningKey({ createdAt: T });
      const goneJustNow = makeSigningKey({ createdAt: T + 1 });
      const stillPublished = makeSigningKey({ createdAt: T + 2 });
      const publishedFar = makeSigningKey({ createdAt: T + 3 });
      const current = makeSigningKey({ createdAt: T + 4 });
      await db.addSigningKey(goneLongAgo, { retireAt: 0, publishUntil: 0 });
      await db.addSigningKey(goneJustNow, { retireAt: T + 1, publishUntil: now - 500 });
      await db.addSigningKey(stillPublished, { retireAt: T + 2, publishUntil: now });
      await db.addSigningKey(publishedFar, { retireAt: T + 3, publishUntil: now + 1 });
      await db.addSigningKey(current, { retireAt: now + 90, publishUntil: FAR_FUTURE });
      // Each key is retired by the next one, published until: goneLongAgo now-500, goneJustNow now,
      // stillPublished now+1, publishedFar FAR_FUTURE; current is not retired.

      const counts = await db.deleteExpired(now);
      expect(counts).toEqual({ accessTokens: 0, refreshTokens: 0, authorizationCodes: 0, sessions: 0, signingKeys: 2, throttles: 0, trustedDevices: 0, accountTokens: 0, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      expect((await db.listSigningKeys()).map((key) => key.kid)).toEqual([current.kid, publishedFar.kid, stillPublished.kid]);
      expect(await countRows(db, 'signing_keys')).toBe(3);

      expect((await db.deleteExpired(now)).signingKeys).toBe(0);
      // The current key is never deleted, however late it is.
      expect((await db.deleteExpired(FAR_FUTURE)).signingKeys).toBe(2);
      expect((await db.listSigningKeys()).map((key) => key.kid)).toEqual([current.kid]);
      expect((await db.deleteExpired(FAR_FUTURE * 2)).signingKeys).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });


  it('revokeFamily revokes every access and refresh token of the family and nothing else', async () => {
    const { familyId, first } = await issueFamily();
    const second = nextPair(owner, familyId, first.refreshToken.tokenHash, T + 10);
    await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now: T + 10, gracePeriod: 0, next: second });
    const { first: bystander } = await issueFamily();

    // Live rows: second.accessToken, first.refreshToken (consumed, not revoked), second.refreshToken.
    expect(await store.revokeFamily(familyId, T + 20)).toBe(3);
    const rows = await familyRows(store, familyId);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect((await store.findAccessToken(second.accessToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 10);

    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);
    expect(await store.findRefreshToken(bystander.refreshToken.tokenHash)).toStrictEqual(bystander.refreshToken);

    expect(await store.revokeFamily(familyId, T + 30)).toBe(0);
    expect(await store.revokeFamily(id('family'), T + 30)).toBe(0);
  });

  it('deleteExpired deletes exactly the rows with expires_at <= now, in batches', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const client = makeClient();
      const user = makeUser();
      await db.createClient(client);
      await db.createUser(user);
      const who = { clientId: client.id, userId: user.id };
      const now = T + 1000;

      const expiries = [now - 500, now - 100, now - 10, now - 1, now]; // all <= now
      const rowsExpiringAt = (expiresAt: number) => {
        // A reset link of a confirmed user of its own (one link per user and purpose): the link goes, the user stays.
        const linkOwner = makeUser();
        return {
          accessToken: makeAccessToken(who, id('family'), { expiresAt }),
          refreshToken: makeRefreshToken(who, id('family'), { expiresAt }),
          code: makeCode(who, { expiresAt }),
          session: makeSession(user.id, { expiresAt }),
          linkOwner,
          link: makeAccountToken(linkOwner.id, 'reset', { expiresAt }),
        };
      };
      const expired = expiries.map(rowsExpiringAt);
      const live = [now + 1, FAR_FUTURE].map(rowsExpiringAt);
      for (const row of [...expired, ...live]) {
        await db.issueTokens({ accessToken: row.accessToken, refreshToken: row.refreshToken });
        await db.saveAuthorizationCode(row.code);
        await db.createSession(row.session);
        await db.createUser(row.linkOwner);
        expect(await db.issueAccountToken(row.link, 0)).toBe(true);
      }

      const run = vi.spyOn(db.driver, 'run');
      expect(await db.deleteExpired(now, 2)).toEqual({ accessTokens: 5, refreshTokens: 5, authorizationCodes: 5, sessions: 5, signingKeys: 0, throttles: 0, trustedDevices: 0, accountTokens: 5, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      // 5 rows in batches of 2: three statements per table (2 + 2 + 1).
      const deletes = run.mock.calls.map(([sql]) => /^DELETE FROM (\w+)/.exec(sql)?.[1]).filter(Boolean);
      expect(deletes).toEqual([
        'access_tokens', 'access_tokens', 'access_tokens',
        'refresh_tokens', 'refresh_tokens', 'refresh_tokens',
        'authorization_codes', 'authorization_codes', 'authorization_codes',
        'sessions', 'sessions', 'sessions',
        // Signing keys, throttle counters and unconfirmed users: one statement each, no batches.
        'signing_keys',
        'throttles',
        // Nothing expired there: one statement finds fewer than a batch.
        'trusted_devices',
        'users',
        'account_tokens', 'account_tokens', 'account_tokens',
        // None expired: one statement finds nothing.
        'pending_authorizations',
      ]);
      run.mockRestore();

      for (const row of expired) {
        expect(await db.findAccessToken(row.accessToken.tokenHash)).toBeNull();
        expect(await db.findRefreshToken(row.refreshToken.tokenHash)).toBeNull();
        expect(await db.findSession(row.session.idHash)).toBeNull();
        expect(await countRows(db, 'account_tokens', 'token_hash = ?', [row.link.tokenHash])).toBe(0);
        expect(await db.findUserById(row.linkOwner.id)).toStrictEqual(row.linkOwner);
      }
      for (const row of live) {
        expect(await db.findAccountToken(row.link.tokenHash, 'reset', now)).toStrictEqual(row.link);
        expect(await db.findAccessToken(row.accessToken.tokenHash)).toStrictEqual(row.accessToken);
        expect(await db.findRefreshToken(row.refreshToken.tokenHash)).toStrictEqual(row.refreshToken);
        expect(await db.findSession(row.session.idHash)).toStrictEqual(row.session);
      }
      expect(await countRows(db, 'authorization_codes')).toBe(2);
      expect(await countRows(db, 'authorization_codes', 'expires_at > ?', [now])).toBe(2);

      expect(await db.deleteExpired(now, 2)).toEqual({ accessTokens: 0, refreshTokens: 0, authorizationCodes: 0, sessions: 0, signingKeys: 0, throttles: 0, trustedDevices: 0, accountTokens: 0, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      // The default batch size works too.
      expect(await db.deleteExpired(FAR_FUTURE)).toEqual({ accessTokens: 2, refreshTokens: 2, authorizationCodes: 2, sessions: 2, signingKeys: 0, throttles: 0, trustedDevices: 0, accountTokens: 2, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      expect(await countRows(db, 'users')).toBe(1 + expired.length + live.length);
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired deletes the throttle counters idle for a day and not blocking, and keeps recent or still-blocking ones', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const now = T + 200_000;
      const DAY = 86_400;
      /** Failures at `at` until the counter blocks for exactly `block` seconds (one failure when 0). */
      const counter = async (name: string, at: number, block: number) => {
        const key = `${name}:${randomUUID()}`;
        const rule = block === 0 ? NEVER : { threshold: 0, maxDelay: block };
        let failures: number;
        do failures = await db.recordFailure(key, at, at - 900, rule);
        while (blockSeconds(failures, rule) < block);
        return key;
      };
      const idleLong = await counter('idle-long', now - 150_000, 0);
      const idleExactlyADay = await counter('idle-day', now - DAY, 900);
      const blockEndsNow = await counter('block-ends-now', now - DAY - 10, DAY + 10);
      const recent = await counter('recent', now - DAY + 1, 0);
      const justFailed = await counter('just-failed', now, 60);
      const stillBlocking = await counter('still-blocking', now - DAY - 10, DAY + 11);
      const many = [];
      for (let i = 0; i < 5; i++) many.push(await counter('idle-many', now - DAY - 1000 * i, 0));

      const counts = await db.deleteExpired(now);
      expect(counts).toEqual({ accessTokens: 0, refreshTokens: 0, authorizationCodes: 0, sessions: 0, signingKeys: 0, throttles: 8, trustedDevices: 0, accountTokens: 0, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      for (const gone of [idleLong, idleExactlyADay, blockEndsNow, ...many]) expect(await throttleRow(db, gone), gone).toBeNull();
      expect(await throttleRow(db, recent)).toEqual({ failures: 1, lastFailureAt: now - DAY + 1, blockedUntil: 0 });
      // 2^6 = 64 s capped at 60; 2^17 s capped at a day and 11 s.
      expect(await throttleRow(db, justFailed)).toEqual({ failures: 6, lastFailureAt: now, blockedUntil: now + 60 });
      expect(await throttleRow(db, stillBlocking)).toEqual({ failures: 17, lastFailureAt: now - DAY - 10, blockedUntil: now + 1 });
      expect(await countRows(db, 'throttles')).toBe(3);
      expect(await db.blockedUntil([stillBlocking])).toBe(now + 1);

      expect((await db.deleteExpired(now)).throttles).toBe(0);
      // A second later the block has ended and the recent counter is a day old.
      expect((await db.deleteExpired(now + 1)).throttles).toBe(2);
      expect((await db.deleteExpired(now + DAY)).throttles).toBe(1);
      expect(await countRows(db, 'throttles')).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired leaves an account signed up within the last hour alone, link or not (another node may be about to store its link)', async () => {
    const now = T + 50_000;
    const justSignedUp = makeUser({ enabled: false, awaitingConfirmation: true, createdAt: now - 3599, updatedAt: now - 3599 });
    await store.createUser(justSignedUp);
    await store.deleteExpired(now);
    expect(await store.findUserById(justSignedUp.id)).toStrictEqual(justSignedUp);
    // An hour after sign-up with still no link, it goes.
    await store.deleteExpired(now + 1);
    expect(await store.findUserById(justSignedUp.id)).toBeNull();
  });

  it('deleteExpired deletes expired links, and accounts never confirmed whose confirmation link is gone; never a confirmed or admin-created one', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const now = T + 100_000;
      const create = async (overrides: Partial<UserRecord>, links: Array<[AccountTokenPurpose, number]> = []) => {
        const user = makeUser(overrides);
        await db.createUser(user);
        const issued = [];
        for (const [purpose, expiresAt] of links) {
          const link = makeAccountToken(user.id, purpose, { expiresAt });
          expect(await db.issueAccountToken(link, 0)).toBe(true);
          issued.push(link);
        }
        return { user, links: issued };
      };
      const pending = { enabled: false, awaitingConfirmation: true };
      // Deleted: still awaiting confirmation, and no unexpired confirmation link.
      const expiredLink = await create(pending, [['confirm', now - 1]]);
      const linkExpiresNow = await create(pending, [['confirm', now]]);
      const noLink = await create(pending);
      const onlyReset = await create(pending, [['reset', FAR_FUTURE]]);
      // Kept.
      const liveLink = await create(pending, [['confirm', now + 1]]);
      const confirmed = await create({ enabled: true, awaitingConfirmation: false }, [['confirm', now - 1], ['reset', now + 10]]);
      const adminCreatedDisabled = await create({ enabled: false, awaitingConfirmation: false });
      const adminDeactivated = await create({ enabled: false, awaitingConfirmation: false }, [['confirm', now - 5], ['reset', now - 5]]);
      // Tokens and a session of an account that goes: they go with it.
      const client = makeClient();
      await db.createClient(client);
      const doomedPair = nextPair({ clientId: client.id, userId: noLink.user.id }, id('family'), null, now);
      await db.issueTokens(doomedPair);
      await db.createSession(makeSession(noLink.user.id, { expiresAt: FAR_FUTURE }));

      const counts = await db.deleteExpired(now);
      // The links of deleted accounts go with them: only the kept accounts' expired links count.
      expect(counts).toEqual({
        accessTokens: 0, refreshTokens: 0, authorizationCodes: 0, sessions: 0, signingKeys: 0, throttles: 0,
        trustedDevices: 0, accountTokens: 3, unconfirmedUsers: 4, pendingAuthorizations: 0,
      });
      for (const gone of [expiredLink, linkExpiresNow, noLink, onlyReset]) {
        expect(await db.findUserById(gone.user.id)).toBeNull();
        expect(await countRows(db, 'account_tokens', 'user_id = ?', [gone.user.id])).toBe(0);
      }
      expect(await db.findAccessToken(doomedPair.accessToken.tokenHash)).toBeNull();
      expect(await countRows(db, 'sessions', 'user_id = ?', [noLink.user.id])).toBe(0);
      for (const kept of [liveLink, confirmed, adminCreatedDisabled, adminDeactivated]) {
        expect(await db.findUserById(kept.user.id)).toStrictEqual(kept.user);
      }
      expect(await db.findAccountToken(liveLink.links[0]!.tokenHash, 'confirm', now)).toStrictEqual(liveLink.links[0]);
      expect(await db.findAccountToken(confirmed.links[1]!.tokenHash, 'reset', now)).toStrictEqual(confirmed.links[1]);
      expect(await countRows(db, 'account_tokens')).toBe(2);

      // Their names are free for a new sign-up.
      await db.createUser(makeUser({ usernameCanonical: expiredLink.user.usernameCanonical, emailCanonical: expiredLink.user.emailCanonical }));

      expect(await db.deleteExpired(now)).toMatchObject({ accountTokens: 0, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      // A second later the last confirmation link has expired as well; the account goes with it.
      expect(await db.deleteExpired(now + 1)).toMatchObject({ accountTokens: 0, unconfirmedUsers: 1 });
      expect(await db.findUserById(liveLink.user.id)).toBeNull();
      expect(await db.deleteExpired(now + 10)).toMatchObject({ accountTokens: 1, unconfirmedUsers: 0 });
      expect(await countRows(db, 'account_tokens')).toBe(0);
      // However late it is, confirmed and admin-created accounts stay.
      expect(await db.deleteExpired(FAR_FUTURE)).toMatchObject({ accountTokens: 0, unconfirmedUsers: 0, pendingAuthorizations: 0 });
      for (const kept of [confirmed, adminCreatedDisabled, adminDeactivated]) expect(await db.findUserById(kept.user.id)).not.toBeNull();
    } finally {
      await fresh.cleanup();
    }
  });
});
