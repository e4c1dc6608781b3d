/**
 * The storage contract for migrations and health, run unchanged against SQLite and PostgreSQL (a fresh
 * database per engine). Migrations (fresh, concurrent, from older versions) and the health check.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  ALL_VERSIONS,
  id,
  makeAccessToken,
  makeAccountToken,
  makeClient,
  makeCode,
  makeRefreshToken,
  makeSession,
  makeSigningKey,
  makeUser,
  nextPair,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import { migrations } from '../migrations/index.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: migrations and health', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

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
      expect(await small.deleteExpired(T)).toEqual({
        accessTokens: 0,
        refreshTokens: 0,
        authorizationCodes: 0,
        sessions: 0,
        signingKeys: 0,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
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
      await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        1,
        first.name,
        T,
      ]);
      const client = makeClient();
      const user = makeUser();
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          client.id,
          client.name,
          client.secretHash,
          false,
          JSON.stringify(client.redirectUris),
          JSON.stringify(client.grantTypes),
          JSON.stringify(client.scopes),
          client.createdAt,
        ],
      );
      await legacy.driver.run(
        `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          user.id,
          user.username,
          user.usernameCanonical,
          user.email,
          user.emailCanonical,
          user.passwordHash,
          true,
          JSON.stringify(user.roles),
          user.createdAt,
          user.updatedAt,
        ],
      );
      const code = makeCode({ clientId: client.id, userId: user.id });
      await legacy.driver.run(
        `INSERT INTO authorization_codes (code_hash, family_id, client_id, user_id, redirect_uri, scope, code_challenge,
          code_challenge_method, issued_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [
          code.codeHash,
          code.familyId,
          code.clientId,
          code.userId,
          code.redirectUri,
          code.scope,
          code.codeChallenge,
          code.codeChallengeMethod,
          code.issuedAt,
          code.expiresAt,
        ],
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
      expect(await legacy.findConsent(user.id, client.id)).toStrictEqual({
        userId: user.id,
        clientId: client.id,
        scopes: ['openid'],
        grantedAt: T,
      });
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
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      const trusted = makeClient({ trusted: true });
      const user = makeUser();
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          trusted.id,
          trusted.name,
          trusted.secretHash,
          false,
          JSON.stringify(trusted.redirectUris),
          JSON.stringify(trusted.grantTypes),
          JSON.stringify(trusted.scopes),
          true,
          trusted.createdAt,
        ],
      );
      await legacy.driver.run(
        `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          user.id,
          user.username,
          user.usernameCanonical,
          user.email,
          user.emailCanonical,
          user.passwordHash,
          true,
          JSON.stringify(user.roles),
          user.createdAt,
          user.updatedAt,
        ],
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
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      const client = makeClient({ canIntrospect: true, trusted: true });
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          client.id,
          client.name,
          client.secretHash,
          false,
          JSON.stringify(client.redirectUris),
          JSON.stringify(client.grantTypes),
          JSON.stringify(client.scopes),
          true,
          true,
          client.createdAt,
        ],
      );
      const active = makeUser();
      const deactivated = makeUser({ enabled: false, roles: [] });
      for (const user of [active, deactivated]) {
        await legacy.driver.run(
          `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, roles, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            user.id,
            user.username,
            user.usernameCanonical,
            user.email,
            user.emailCanonical,
            user.passwordHash,
            user.enabled,
            JSON.stringify(user.roles),
            user.createdAt,
            user.updatedAt,
          ],
        );
      }
      const who = { clientId: client.id, userId: active.id };
      const pair = nextPair(who, id('family'), null, T);
      await legacy.driver.run(
        `INSERT INTO access_tokens (token_hash, jti, family_id, client_id, user_id, scope, issued_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [
          pair.accessToken.tokenHash,
          pair.accessToken.jti,
          pair.accessToken.familyId,
          who.clientId,
          who.userId,
          pair.accessToken.scope,
          pair.accessToken.issuedAt,
          pair.accessToken.expiresAt,
        ],
      );
      await legacy.driver.run(
        `INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, consumed_at, revoked_at)
         VALUES (?, ?, NULL, ?, ?, ?, ?, ?, NULL, NULL)`,
        [
          pair.refreshToken.tokenHash,
          pair.refreshToken.familyId,
          who.clientId,
          who.userId,
          pair.refreshToken.scope,
          pair.refreshToken.issuedAt,
          pair.refreshToken.expiresAt,
        ],
      );
      const session = makeSession(active.id);
      await legacy.driver.run('INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
        session.idHash,
        session.userId,
        session.createdAt,
        session.expiresAt,
      ]);
      const throttleKey = id('login:legacy');
      await legacy.driver.run(
        'INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)',
        [throttleKey, 7, T, T + 64],
      );

      expect(await legacy.migrate()).toEqual(ALL_VERSIONS.filter((version) => version > 4));
      expect(await legacy.migrate()).toEqual([]);

      // Existing accounts were never self-registered: not awaiting confirmation, enabled as they were.
      // (Migration 16: nobody's e-mail address counts as verified, and nobody has a display name yet.)
      expect(await legacy.findUserById(active.id)).toStrictEqual({ ...active, awaitingConfirmation: false });
      expect(await legacy.findUserById(deactivated.id)).toStrictEqual({ ...deactivated, awaitingConfirmation: false });
      expect(await legacy.findClient(client.id)).toStrictEqual(client);
      expect(await legacy.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual(pair.accessToken);
      expect(await legacy.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual(pair.refreshToken);
      // Migration 16 gives a session older than it a sid of its own and its sign-in as auth_time.
      expect(await legacy.findSession(session.idHash)).toStrictEqual({
        ...session,
        sid: session.idHash,
        authTime: session.createdAt,
      });
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
});
