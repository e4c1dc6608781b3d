/**
 * The storage contract for clients, run unchanged against SQLite and PostgreSQL (a fresh database per
 * engine). Clients: every field round-trips; deleting one takes its tokens, codes and consents.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  FAR_FUTURE,
  id,
  issueFamilyIn,
  makeAccessToken,
  makeClient,
  makeCode,
  makeUser,
  nextPair,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: clients', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;
  let owner: { clientId: string; userId: string };

  beforeAll(async () => {
    ({ database, store, other, owner } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  /** A family with its first pair issued. */
  const issueFamily = (issuedAt = T) => issueFamilyIn(store, owner, issuedAt);

  // --- clients -------------------------------------------------------------

  it('JWT authentication fields round-trip: inline keys, a jwks_uri, an encrypted secret (migration 13)', async () => {
    const keys = makeClient({
      secretHash: null,
      authMethod: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
    });
    const remote = makeClient({ secretHash: null, authMethod: 'private_key_jwt', jwksUri: 'https://app.example/jwks' });
    const hmac = makeClient({ authMethod: 'client_secret_jwt', secretEncrypted: 'v1.iv.tag.ciphertext' });
    for (const client of [keys, remote, hmac]) {
      await store.createClient(client);
      expect(await other.findClient(client.id)).toStrictEqual(client);
    }
    expect(await store.updateClientSecret(hmac.id, 'b'.repeat(64), 'v1.new.tag.ciphertext')).toBe(true);
    expect(await other.findClient(hmac.id)).toMatchObject({
      secretHash: 'b'.repeat(64),
      secretEncrypted: 'v1.new.tag.ciphertext',
    });
  });

  it('OpenID Connect settings round-trip, every field; a client without them reads back without oidc (migration 16)', async () => {
    const full = makeClient({
      oidc: {
        idTokenSignedResponseAlg: 'EdDSA',
        userinfoSignedResponseAlg: 'ES256',
        postLogoutRedirectUris: ['https://app.example/bye', 'com.example.app:/signed-out'],
        backchannelLogoutUri: 'https://app.example/backchannel?tenant=1',
        backchannelLogoutSessionRequired: true,
        subjectType: 'pairwise',
        sectorIdentifierUri: 'https://app.example/sector.json',
        sector: 'app.example',
        idTokenClaims: true,
      },
    });
    const plain = makeClient();
    const empty = makeClient({ oidc: {} });
    for (const client of [full, plain, empty]) await store.createClient(client);
    expect(await other.findClient(full.id)).toStrictEqual(full);
    expect(await other.findClient(plain.id)).not.toHaveProperty('oidc');
    // An empty object is the defaults: stored as none at all.
    expect(await other.findClient(empty.id)).not.toHaveProperty('oidc');
    expect((await other.listClients()).find((c) => c.id === full.id)?.oidc).toStrictEqual(full.oidc);
  });

  it('creates, finds and lists clients with every field intact', async () => {
    const confidential = makeClient({ createdAt: T + 1 });
    const publicClient = makeClient({
      secretHash: null,
      isPublic: true,
      scopes: null,
      grantTypes: ['authorization_code'],
      createdAt: T + 2,
    });
    const emptyArrays = makeClient({
      redirectUris: [],
      grantTypes: ['client_credentials'],
      scopes: [],
      createdAt: FAR_FUTURE,
    });
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

  it('round-trips the token exchange policy: audiences and may-impersonate (absent by default)', async () => {
    const gateway = makeClient({
      grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      exchangeAudiences: ['orders', 'https://orders.example/api'],
      mayImpersonate: true,
      createdAt: T + 1,
    });
    const app = makeClient({ createdAt: T + 2 });
    await store.createClient(gateway);
    await store.createClient(app);

    const found = await other.findClient(gateway.id);
    expect(found).toStrictEqual(gateway);
    expect(found?.exchangeAudiences).toEqual(['orders', 'https://orders.example/api']);
    expect(found?.mayImpersonate).toBe(true);
    const foundApp = await other.findClient(app.id);
    expect(foundApp).toStrictEqual(app);
    expect(foundApp).not.toHaveProperty('exchangeAudiences');
    expect(foundApp).not.toHaveProperty('mayImpersonate');
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
});
