/**
 * The storage contract for resource indicators (RFC 8707, migration 15), on SQLite and PostgreSQL:
 * a client's allowed resources, and the audience carried by authorization codes, access tokens and
 * refresh tokens through every write path (issuing, redeeming a code, rotating, the refresh
 * grant's one-read lookup). No audience reads back as absent, never as an empty list.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  id,
  makeAccessToken,
  makeClient,
  makeCode,
  makeRefreshToken,
  nextPair,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

const API = 'https://api.example/v1';
const BILLING = 'urn:example:billing';

describeEachEngine('storage contract: resource indicators', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  let other: SqlStore;
  let owner: { clientId: string; userId: string };

  beforeAll(async () => {
    ({ database, store, other, owner } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  it("a client's allowed resources round-trip, in order; null stays null (a second store, with its cache, agrees)", async () => {
    const withResources = makeClient({ allowedResources: [BILLING, API] });
    const without = makeClient({ allowedResources: null });
    await store.createClient(withResources);
    await store.createClient(without);
    expect(await other.findClient(withResources.id)).toStrictEqual(withResources);
    expect((await other.findClient(withResources.id))?.allowedResources).toEqual([BILLING, API]);
    expect((await other.findClient(without.id))?.allowedResources).toBeNull();
    const listed = await store.listClients();
    expect(listed.find((client) => client.id === withResources.id)?.allowedResources).toEqual([BILLING, API]);
  });

  it("a code's audience round-trips; a code without one reads back without one", async () => {
    const code = makeCode(owner, { audience: [API, BILLING] });
    const plain = makeCode(owner);
    await store.saveAuthorizationCode(code);
    await store.saveAuthorizationCode(plain);
    expect(await other.findAuthorizationCode(code.codeHash)).toStrictEqual(code);
    const found = await other.findAuthorizationCode(plain.codeHash);
    expect(found).toStrictEqual(plain);
    expect(found).not.toHaveProperty('audience');
  });

  it('an empty audience list is stored as none (the default audience)', async () => {
    const code = makeCode(owner, { audience: [] });
    await store.saveAuthorizationCode(code);
    expect(await other.findAuthorizationCode(code.codeHash)).not.toHaveProperty('audience');
    const row = await store.driver.get<{ audience: string | null }>(
      'SELECT audience FROM authorization_codes WHERE code_hash = ?',
      [code.codeHash],
    );
    expect(row?.audience).toBeNull();
  });

  it('issueTokens: the access and refresh token audiences round-trip, each its own', async () => {
    const familyId = id('family');
    const pair = {
      accessToken: makeAccessToken(owner, familyId, { audience: [BILLING] }),
      refreshToken: makeRefreshToken(owner, familyId, { audience: [API, BILLING] }),
    };
    await store.issueTokens(pair);
    expect(await other.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual(pair.accessToken);
    expect(await other.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual(pair.refreshToken);
    const withUser = await other.findRefreshTokenWithUser(pair.refreshToken.tokenHash);
    expect(withUser?.token.audience).toEqual([API, BILLING]);

    const plain = makeRefreshToken(owner, id('family'));
    await store.issueTokens({ accessToken: makeAccessToken(owner, plain.familyId), refreshToken: plain });
    expect(await other.findRefreshTokenWithUser(plain.tokenHash)).not.toHaveProperty('token.audience');
  });

  it('redeeming a code stores the audiences of the tokens it is exchanged for', async () => {
    const code = makeCode(owner, { audience: [API, BILLING], expiresAt: T + 600 });
    await store.saveAuthorizationCode(code);
    const tokens = {
      accessToken: makeAccessToken(owner, code.familyId, { audience: [API] }),
      refreshToken: makeRefreshToken(owner, code.familyId, { audience: [API, BILLING] }),
    };
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 1, tokens)).toEqual({ kind: 'redeemed' });
    expect((await other.findAccessToken(tokens.accessToken.tokenHash))?.audience).toEqual([API]);
    expect((await other.findRefreshToken(tokens.refreshToken.tokenHash))?.audience).toEqual([API, BILLING]);
  });

  it('rotation stores the next pair with its audiences (the live path and the locked path)', async () => {
    const familyId = id('family');
    const first = nextPair(owner, familyId, null, T);
    first.refreshToken.audience = [API, BILLING];
    await store.issueTokens(first);

    const second = nextPair(owner, familyId, first.refreshToken.tokenHash, T + 10);
    second.accessToken.audience = [BILLING];
    second.refreshToken.audience = [API, BILLING];
    const rotated = await store.rotateRefreshToken({
      presentedHash: first.refreshToken.tokenHash,
      now: T + 10,
      gracePeriod: 30,
      next: second,
    });
    expect(rotated).toEqual({ kind: 'rotated' });
    expect((await other.findAccessToken(second.accessToken.tokenHash))?.audience).toEqual([BILLING]);
    expect((await other.findRefreshToken(second.refreshToken.tokenHash))?.audience).toEqual([API, BILLING]);

    // A retry within the grace period goes the locked way and stores its pair the same.
    const retry = nextPair(owner, familyId, first.refreshToken.tokenHash, T + 11);
    retry.accessToken.audience = [API];
    retry.refreshToken.audience = [API, BILLING];
    const reissued = await store.rotateRefreshToken({
      presentedHash: first.refreshToken.tokenHash,
      now: T + 11,
      gracePeriod: 30,
      next: retry,
    });
    expect(reissued).toEqual({ kind: 'reissued-in-grace' });
    expect((await other.findAccessToken(retry.accessToken.tokenHash))?.audience).toEqual([API]);
    expect((await other.findRefreshToken(retry.refreshToken.tokenHash))?.audience).toEqual([API, BILLING]);
  });
});
