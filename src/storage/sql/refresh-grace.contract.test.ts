/**
 * The refresh grace rule (RFC 9700 §4.14.2 spirit), against both engines: within the grace
 * period a used refresh token is answered again only while its successor is unused, and that
 * successor is revoked and marked superseded (one live pair per family, ever); presenting the
 * superseded successor later, a replay after the successor was used, or a used token presented
 * by another client, is reuse and revokes the family. Plus the family start (migration 10).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { migrations } from '../migrations/index.js';
import type { SqlStore } from '../sql-store.js';
import type { AccessTokenRecord, RefreshTokenRecord } from '../store.js';

const T = 1_800_000_000;
const GRACE = 60;

describeEachEngine('refresh token grace replays', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;
  const clientId = `client-${randomUUID()}`;

  beforeAll(async () => {
    database = await factory.createDatabase();
    store = database.open();
    await store.migrate();
    other = database.open();
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
    await database?.cleanup();
  });

  function pair(
    familyId: string,
    parentHash: string | null,
    at: number,
  ): { accessToken: AccessTokenRecord; refreshToken: RefreshTokenRecord } {
    return {
      accessToken: {
        tokenHash: `at-${randomUUID()}`,
        jti: randomUUID(),
        familyId,
        clientId,
        userId: null,
        scope: 's',
        issuedAt: at,
        expiresAt: at + 3600,
        revokedAt: null,
      },
      refreshToken: {
        tokenHash: `rt-${randomUUID()}`,
        familyId,
        parentHash,
        clientId,
        userId: null,
        scope: 's',
        issuedAt: at,
        familyStartedAt: T,
        expiresAt: at + 86_400,
        consumedAt: null,
        revokedAt: null,
      },
    };
  }

  /** A family whose first token R0 was rotated at T + 10 into R1. */
  async function rotatedFamily() {
    const familyId = `family-${randomUUID()}`;
    const first = pair(familyId, null, T);
    await store.issueTokens(first);
    const r0 = first.refreshToken.tokenHash;
    const second = pair(familyId, r0, T + 10);
    expect(
      await store.rotateRefreshToken({ presentedHash: r0, now: T + 10, gracePeriod: GRACE, next: second }),
    ).toEqual({ kind: 'rotated' });
    return { familyId, r0, second };
  }

  async function live(familyId: string) {
    const refresh = await store.driver.all<{ token_hash: string }>(
      'SELECT token_hash FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NULL AND consumed_at IS NULL',
      [familyId],
    );
    const access = await store.driver.all<{ token_hash: string }>(
      'SELECT token_hash FROM access_tokens WHERE family_id = ? AND revoked_at IS NULL',
      [familyId],
    );
    return { refresh: refresh.map((row) => row.token_hash), access: access.map((row) => row.token_hash) };
  }

  it('a replay in the window while the successor is unused: answered, the successor pair revoked; using that successor later is reuse and kills the family', async () => {
    const { familyId, r0, second } = await rotatedFamily();
    const replayed = pair(familyId, r0, T + 20);
    expect(
      await store.rotateRefreshToken({ presentedHash: r0, now: T + 20, gracePeriod: GRACE, next: replayed }),
    ).toEqual({ kind: 'reissued-in-grace' });
    expect(await live(familyId)).toEqual({
      refresh: [replayed.refreshToken.tokenHash],
      access: [replayed.accessToken.tokenHash],
    });
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);

    // The superseded successor comes back (its holder never learnt of the replay): reuse, even
    // though it was never used itself. The replayer's pair dies with the family.
    const fromSuperseded = pair(familyId, second.refreshToken.tokenHash, T + 30);
    expect(
      await other.rotateRefreshToken({
        presentedHash: second.refreshToken.tokenHash,
        now: T + 30,
        gracePeriod: GRACE,
        next: fromSuperseded,
      }),
    ).toEqual({ kind: 'reuse-detected', familyId });
    expect(await live(familyId)).toEqual({ refresh: [], access: [] });
    expect(await store.findRefreshToken(fromSuperseded.refreshToken.tokenHash)).toBeNull();
    // And the replayed pair's refresh token can no longer be used.
    expect(
      await store.rotateRefreshToken({
        presentedHash: replayed.refreshToken.tokenHash,
        now: T + 31,
        gracePeriod: GRACE,
        next: pair(familyId, replayed.refreshToken.tokenHash, T + 31),
      }),
    ).toEqual({ kind: 'invalid' });
  });

  it('a second replay in the window (the first reissue still unused) is answered again, leaving one live pair', async () => {
    const { familyId, r0 } = await rotatedFamily();
    const a = pair(familyId, r0, T + 20);
    const b = pair(familyId, r0, T + 25);
    expect(await store.rotateRefreshToken({ presentedHash: r0, now: T + 20, gracePeriod: GRACE, next: a })).toEqual({
      kind: 'reissued-in-grace',
    });
    expect(await other.rotateRefreshToken({ presentedHash: r0, now: T + 25, gracePeriod: GRACE, next: b })).toEqual({
      kind: 'reissued-in-grace',
    });
    expect(await live(familyId)).toEqual({ refresh: [b.refreshToken.tokenHash], access: [b.accessToken.tokenHash] });
    // The first reissue was superseded too: presenting it is reuse.
    expect(
      await store.rotateRefreshToken({
        presentedHash: a.refreshToken.tokenHash,
        now: T + 26,
        gracePeriod: GRACE,
        next: pair(familyId, a.refreshToken.tokenHash, T + 26),
      }),
    ).toEqual({ kind: 'reuse-detected', familyId });
    expect(await live(familyId)).toEqual({ refresh: [], access: [] });
  });

  it('a replay in the window after the successor was used is reuse: the family is revoked', async () => {
    const { familyId, r0, second } = await rotatedFamily();
    const third = pair(familyId, second.refreshToken.tokenHash, T + 15);
    expect(
      await store.rotateRefreshToken({
        presentedHash: second.refreshToken.tokenHash,
        now: T + 15,
        gracePeriod: GRACE,
        next: third,
      }),
    ).toEqual({
      kind: 'rotated',
    });
    expect(
      await store.rotateRefreshToken({
        presentedHash: r0,
        now: T + 20,
        gracePeriod: GRACE,
        next: pair(familyId, r0, T + 20),
      }),
    ).toEqual({
      kind: 'reuse-detected',
      familyId,
    });
    expect(await live(familyId)).toEqual({ refresh: [], access: [] });
  });

  it('refuseForeignRefreshToken: a live token is merely refused (its owner keeps it); a used or superseded one revokes the family', async () => {
    // Live: nothing changes.
    const liveFamily = `family-${randomUUID()}`;
    const fresh = pair(liveFamily, null, T);
    await store.issueTokens(fresh);
    expect(await store.refuseForeignRefreshToken(fresh.refreshToken.tokenHash, T + 5)).toEqual({ kind: 'invalid' });
    expect(await live(liveFamily)).toEqual({
      refresh: [fresh.refreshToken.tokenHash],
      access: [fresh.accessToken.tokenHash],
    });
    expect(await store.refuseForeignRefreshToken(`rt-${randomUUID()}`, T + 5)).toEqual({ kind: 'invalid' });

    // Used: a leaked token being replayed, even inside the grace window.
    const used = await rotatedFamily();
    expect(await store.refuseForeignRefreshToken(used.r0, T + 20)).toEqual({
      kind: 'reuse-detected',
      familyId: used.familyId,
    });
    expect(await live(used.familyId)).toEqual({ refresh: [], access: [] });

    // Superseded by a grace replay.
    const superseded = await rotatedFamily();
    const replayed = pair(superseded.familyId, superseded.r0, T + 20);
    expect(
      await store.rotateRefreshToken({ presentedHash: superseded.r0, now: T + 20, gracePeriod: GRACE, next: replayed }),
    ).toEqual({ kind: 'reissued-in-grace' });
    expect(await store.refuseForeignRefreshToken(superseded.second.refreshToken.tokenHash, T + 21)).toEqual({
      kind: 'reuse-detected',
      familyId: superseded.familyId,
    });
    expect(await live(superseded.familyId)).toEqual({ refresh: [], access: [] });
  });

  it('a grace replay racing the rotation of the successor (two store instances, 10 rounds) never leaves two live refresh tokens', async () => {
    for (let round = 0; round < 10; round++) {
      const { familyId, r0, second } = await rotatedFamily();
      const r1 = second.refreshToken.tokenHash;
      const outcomes = await Promise.all([
        store.rotateRefreshToken({
          presentedHash: r0,
          now: T + 20,
          gracePeriod: GRACE,
          next: pair(familyId, r0, T + 20),
        }),
        other.rotateRefreshToken({
          presentedHash: r1,
          now: T + 20,
          gracePeriod: GRACE,
          next: pair(familyId, r1, T + 20),
        }),
      ]);
      const { refresh } = await live(familyId);
      expect(refresh.length, JSON.stringify(outcomes)).toBeLessThanOrEqual(1);
      // Either the rotation went first (the replay is then reuse) or the replay did (the
      // successor is then superseded, and presenting it is reuse): the family is dead either way.
      expect(outcomes.map((outcome) => outcome.kind)).toContain('reuse-detected');
      expect(refresh).toEqual([]);
    }
  });

  it("migration 10 gives each existing family its oldest stored token's issue time as its start", async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version < 10)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      await legacy.driver.run(
        `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect, created_at)
         VALUES (?, 'c', NULL, TRUE, '[]', '["refresh_token"]', NULL, FALSE, FALSE, ?)`,
        [clientId, T],
      );
      const familyA = `family-${randomUUID()}`;
      const familyB = `family-${randomUUID()}`;
      const rows: Array<[string, string, number, number | null]> = [
        ['a0', familyA, T + 100, T + 500],
        ['a1', familyA, T + 500, null],
        ['b0', familyB, T + 7000, null],
      ];
      for (const [hash, family, issued, consumed] of rows) {
        await legacy.driver.run(
          `INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, consumed_at, revoked_at)
           VALUES (?, ?, NULL, ?, NULL, 's', ?, ?, ?, NULL)`,
          [hash, family, clientId, issued, issued + 86_400, consumed],
        );
      }
      expect(await legacy.migrate()).toEqual(migrations.filter((m) => m.version >= 10).map((m) => m.version));
      expect((await legacy.findRefreshTokenWithUser('a1'))?.token.familyStartedAt).toBe(T + 100);
      expect((await legacy.findRefreshToken('a0'))?.familyStartedAt).toBe(T + 100);
      expect((await legacy.findRefreshToken('b0'))?.familyStartedAt).toBe(T + 7000);
    } finally {
      await fresh.cleanup();
    }
  });
});
