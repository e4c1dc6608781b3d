/**
 * Self-registered clients and initial access tokens (migration 19), against both engines: a
 * registration is stored whole or not at all, the cap and an initial access token's uses hold
 * under concurrency, a refused registration gives its use back, a replacement reaches another
 * store's cache, and the registration goes with its client.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { id, makeClient, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import type { ClientRecord, ClientRegistrationRecord, InitialAccessTokenRecord } from '../../core/ports.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: client registrations', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  const registration = (client: ClientRecord): ClientRegistrationRecord => ({
    clientId: client.id,
    accessTokenHash: id('rat-hash'),
    metadata: { client_uri: 'https://app.example/', contacts: ['a@app.example'] },
    registeredAt: T,
    updatedAt: T,
  });
  const initialAccessToken = (overrides: Partial<InitialAccessTokenRecord> = {}): InitialAccessTokenRecord => ({
    id: id('iat'),
    tokenHash: id('iat-hash'),
    createdAt: T,
    expiresAt: T + 3600,
    maxUses: null,
    uses: 0,
    revokedAt: null,
    ...overrides,
  });
  const registered = async () =>
    Number((await store.driver.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM client_registrations'))?.n ?? 0);
  const register = (client: ClientRecord, maxClients = 1_000_000, initialAccessTokenHash: string | null = null) =>
    store.clientRegistrations.registerClient(client, registration(client), {
      maxClients,
      initialAccessTokenHash,
      now: T,
    });

  it('stores the client and its registration together, found again as stored', async () => {
    const client = makeClient({ trusted: false });
    const record = registration(client);
    const limits = { maxClients: 1_000_000, initialAccessTokenHash: null, now: T };
    expect(await store.clientRegistrations.registerClient(client, record, limits)).toBe('registered');
    expect(await other.findClient(client.id)).toMatchObject({ id: client.id, name: client.name });
    expect(await other.clientRegistrations.findRegistration(client.id)).toEqual(record);
    expect(await store.clientRegistrations.findRegistration('nobody')).toBeNull();
  });

  it('the cap: concurrent registrations never pass it; nothing of a refused one is stored', async () => {
    const cap = (await registered()) + 3;
    const clients = Array.from({ length: 8 }, () => makeClient());
    const outcomes = await Promise.all(clients.map((client) => register(client, cap)));
    expect(outcomes.filter((o) => o === 'registered')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'limit_reached')).toHaveLength(5);
    expect(await registered()).toBe(cap);
    for (const [i, client] of clients.entries())
      expect((await store.findClient(client.id)) !== null).toBe(outcomes[i] === 'registered');
  });

  it('an initial access token: uses counted atomically, expired and revoked refused, a use given back on a refusal', async () => {
    const token = initialAccessToken({ maxUses: 2 });
    await store.clientRegistrations.createInitialAccessToken(token);
    expect(await other.clientRegistrations.initialAccessTokenUsable(token.tokenHash, T)).toBe(true);
    // At the cap: refused, and the use is not spent.
    expect(await register(makeClient(), await registered(), token.tokenHash)).toBe('limit_reached');
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => register(makeClient(), 1_000_000, token.tokenHash)),
    );
    expect(outcomes.filter((o) => o === 'registered')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'initial_access_token_spent')).toHaveLength(3);
    expect(await store.clientRegistrations.initialAccessTokenUsable(token.tokenHash, T)).toBe(false);

    const expiring = initialAccessToken();
    await store.clientRegistrations.createInitialAccessToken(expiring);
    expect(await store.clientRegistrations.initialAccessTokenUsable(expiring.tokenHash, T + 3599)).toBe(true);
    expect(await store.clientRegistrations.initialAccessTokenUsable(expiring.tokenHash, T + 3600)).toBe(false);
    expect(await store.clientRegistrations.revokeInitialAccessToken(expiring.id, T + 1)).toBe(true);
    expect(await store.clientRegistrations.revokeInitialAccessToken(expiring.id, T + 2)).toBe(false);
    expect(await store.clientRegistrations.initialAccessTokenUsable(expiring.tokenHash, T + 10)).toBe(false);
    expect(await register(makeClient(), 1_000_000, expiring.tokenHash)).toBe('initial_access_token_spent');

    const listed = await other.clientRegistrations.listInitialAccessTokens();
    expect(listed.find((t) => t.id === token.id)).toMatchObject({ uses: 2, maxUses: 2, revokedAt: null });
    expect(listed.find((t) => t.id === expiring.id)).toMatchObject({ uses: 0, revokedAt: T + 1 });
  });

  it('a replacement rewrites the client (another store sees it at once) and the registration; deleting the client deletes it', async () => {
    const client = makeClient({ scopes: ['read'] });
    expect(await register(client)).toBe('registered');
    expect((await other.findClient(client.id))?.scopes).toEqual(['read']);
    const replaced = {
      ...client,
      name: 'Renamed',
      scopes: ['read', 'write'],
      redirectUris: ['https://new.example/cb'],
    };
    const updated = { ...registration(client), metadata: { software_id: 'x' }, updatedAt: T + 5 };
    expect(await store.clientRegistrations.replaceClient(replaced, updated)).toBe(true);
    expect(await other.findClient(client.id)).toMatchObject({ name: 'Renamed', scopes: ['read', 'write'] });
    expect(await other.clientRegistrations.findRegistration(client.id)).toMatchObject({
      metadata: { software_id: 'x' },
      updatedAt: T + 5,
      registeredAt: T,
    });
    expect(await store.deleteClient(client.id)).toBe(true);
    expect(await store.clientRegistrations.findRegistration(client.id)).toBeNull();
    expect(await store.clientRegistrations.replaceClient(replaced, updated)).toBe(false);
  });
});
