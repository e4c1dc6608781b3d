/**
 * The sign-ins behind OpenID grants, against both engines: listed by session, and ended with it
 * (tokens revoked, codes not yet exchanged used up) without touching another family.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { id, issueFamilyIn, makeCode, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import type { OidcGrantRecord } from '../../core/ports.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: OpenID grants', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  let owner: { clientId: string; userId: string };

  beforeAll(async () => {
    ({ database, store, owner } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  const grant = (familyId: string, sid: string, createdAt = T): OidcGrantRecord => ({
    familyId,
    ...owner,
    sid,
    authTime: T,
    amr: ['pwd'],
    acr: null,
    nonce: 'n',
    claims: null,
    offline: false,
    createdAt,
  });

  it('endOidcGrant revokes the family and uses up its unexchanged codes; another family is untouched', async () => {
    const sid = id('sid');
    const ended = await issueFamilyIn(store, owner);
    const kept = await issueFamilyIn(store, owner);
    const code = makeCode(owner, { familyId: ended.familyId, expiresAt: T + 600 });
    const otherCode = makeCode(owner, { familyId: kept.familyId, expiresAt: T + 600 });
    await store.saveAuthorizationCode(code);
    await store.saveAuthorizationCode(otherCode);
    await store.oidcGrants.saveOidcGrant(grant(ended.familyId, sid, T));
    await store.oidcGrants.saveOidcGrant(grant(kept.familyId, id('sid'), T + 1));
    expect((await store.oidcGrants.listOidcGrantsOfSession(sid)).map((g) => g.familyId)).toEqual([ended.familyId]);

    expect(await store.oidcGrants.endOidcGrant(ended.familyId, T + 5)).toBe(2);
    expect((await store.findRefreshToken(ended.first.refreshToken.tokenHash))!.revokedAt).toBe(T + 5);
    expect((await store.findAccessToken(ended.first.accessToken.tokenHash))!.revokedAt).toBe(T + 5);
    expect((await store.findAuthorizationCode(code.codeHash))!.consumedAt).toBe(T + 5);
    expect((await store.findRefreshToken(kept.first.refreshToken.tokenHash))!.revokedAt).toBeNull();
    expect((await store.findAuthorizationCode(otherCode.codeHash))!.consumedAt).toBeNull();
    // Exchanging the used-up code now is a replay: nothing is issued.
    const outcome = await store.redeemAuthorizationCode(code.codeHash, T + 6, {
      accessToken: { ...ended.first.accessToken, tokenHash: id('at'), familyId: ended.familyId },
    });
    expect(outcome.kind).toBe('replayed');
  });
});
