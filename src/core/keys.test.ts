import { createHash } from 'node:crypto';
import { importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import type { SigningKeyRecord } from './ports.js';
import { ManualClock } from './clock.js';
import { KeyEncryption } from './key-encryption.js';
import {
  KEY_PREPUBLICATION_SECONDS,
  KeyDecryptionError,
  KeyRing,
  SIGNING_KEY_CACHE_SECONDS,
  signingKeyAt,
  type SigningAlgorithm,
} from './keys.js';

/**
 * The JWT signing keys over a real SQLite store with a hand-moved clock: the first key, rotation
 * across nodes (two KeyRings on one database) with the new key published KEY_PREPUBLICATION_SECONDS
 * before it signs (or at once with `immediately`), the key states, what is published and until
 * when, the JWK format, and the encryption of the private keys at rest.
 */

const KEK = 'Zm9yIHRlc3RzIG9ubHk6IG5vdCBhIHJlYWwga2V5IQ==';
const LIFETIME = 600;
const START = 1_800_000_000;
const PRE = KEY_PREPUBLICATION_SECONDS;

/** RFC 7638 §3: SHA-256 over the required members, in lexicographic order, no whitespace. */
function thumbprint(jwk: JWK): string {
  const required: Record<string, string[]> = {
    OKP: ['crv', 'kty', 'x'],
    EC: ['crv', 'kty', 'x', 'y'],
    RSA: ['e', 'kty', 'n'],
  };
  const members = required[jwk.kty!];
  if (!members) throw new Error(`unexpected kty ${jwk.kty}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name as keyof JWK])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('KeyRing', () => {
  let db: TestStore;
  let clock: ManualClock;

  async function setUp() {
    db = await createSqliteStore();
    clock = new ManualClock(START);
  }
  afterEach(async () => {
    await db?.cleanup();
  });

  const ring = (algorithm: SigningAlgorithm = 'EdDSA', secret = KEK, maxTokenLifetime = LIFETIME) =>
    new KeyRing(db.store, clock, new KeyEncryption(secret), { algorithm, maxTokenLifetime });
  const kidsOf = async (keys: KeyRing) => new Set((await keys.publishedKeys()).map((jwk) => jwk.kid));
  const statesOf = async (keys: KeyRing, now?: number) => (await keys.list(now)).map((key) => [key.kid, key.state]);

  /** A token signed with the ring's current key, as the minter does. */
  const sign = async (keys: KeyRing) => {
    const key = await keys.signingKey();
    return new SignJWT({ n: 1 }).setProtectedHeader({ alg: key.algorithm, kid: key.kid }).sign(key.privateKey);
  };

  it('the first signingKey() on an empty database creates exactly one key, even with 20 concurrent calls', async () => {
    await setUp();
    const keys = ring();
    const loaded = await Promise.all(Array.from({ length: 20 }, () => keys.signingKey()));
    const kids = new Set(loaded.map((key) => key.kid));
    expect(kids.size).toBe(1);
    const stored = await db.store.listSigningKeys();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      kid: loaded[0]!.kid,
      algorithm: 'EdDSA',
      createdAt: START,
      retiredAt: null,
      publishUntil: null,
    });

    // Another node (KeyRing) on the same database signs with that key and creates none.
    const other = await ring().signingKey();
    expect(other.kid).toBe(loaded[0]!.kid);
    // And later calls, after the cache expired, still find it.
    clock.advance(SIGNING_KEY_CACHE_SECONDS * 3);
    expect((await keys.signingKey()).kid).toBe(loaded[0]!.kid);
    expect(await db.store.listSigningKeys()).toHaveLength(1);
  });

  it('rotate: the new key is published at once, but every node goes on signing with the old one until +90 s, then with the new one', async () => {
    await setUp();
    const nodeA = ring();
    const nodeB = ring();
    const first = await nodeA.signingKey();
    expect((await nodeB.signingKey()).kid).toBe(first.kid);

    clock.advance(3);
    const rotatedAt = clock.now();
    const created = await nodeA.rotate();
    expect(created.kid).not.toBe(first.kid);
    expect(created).toMatchObject({ createdAt: rotatedAt, retiredAt: null, publishUntil: null });
    // The old key retires in the future; it stays published for the tokens it signs until then.
    const stored = await db.store.listSigningKeys();
    expect(stored.map((key) => key.kid)).toEqual([created.kid, first.kid]);
    expect(stored[1]).toMatchObject({
      retiredAt: rotatedAt + PRE,
      publishUntil: rotatedAt + PRE + LIFETIME + SIGNING_KEY_CACHE_SECONDS,
    });

    // Both nodes publish the new key right away...
    for (const node of [nodeA, nodeB]) expect(await kidsOf(node)).toEqual(new Set([first.kid, created.kid]));
    // ...and none signs with it yet: not the rotating node, not a node that reloads, not a new node.
    expect((await nodeA.signingKey()).kid).toBe(first.kid);
    expect((await nodeB.signingKey()).kid).toBe(first.kid);
    clock.advance(SIGNING_KEY_CACHE_SECONDS * 2); // past every cache
    expect((await nodeA.signingKey()).kid).toBe(first.kid);
    expect((await nodeB.signingKey()).kid).toBe(first.kid);
    expect((await ring().signingKey()).kid).toBe(first.kid);

    clock.advance(rotatedAt + PRE - 1 - clock.now()); // the old key's last second
    expect((await nodeA.signingKey()).kid).toBe(first.kid);
    expect((await nodeB.signingKey()).kid).toBe(first.kid);
    expect((await ring().signingKey()).kid).toBe(first.kid);

    clock.advance(1); // rotatedAt + 90: every node switches at the same second, cache or not
    expect((await nodeA.signingKey()).kid).toBe(created.kid);
    expect((await nodeB.signingKey()).kid).toBe(created.kid);
    expect((await ring().signingKey()).kid).toBe(created.kid);
    // Nothing more was created on the way.
    expect(await db.store.listSigningKeys()).toHaveLength(2);
  });

  it('rotate({ immediately: true }): the rotating node signs with the new key at once; another node within 10 s of loading its key', async () => {
    await setUp();
    const nodeA = ring();
    const nodeB = ring();
    const first = await nodeA.signingKey();
    expect((await nodeB.signingKey()).kid).toBe(first.kid);

    clock.advance(3);
    const rotatedAt = clock.now();
    const created = await nodeA.rotate({ immediately: true });
    expect(created.kid).not.toBe(first.kid);
    expect((await db.store.listSigningKeys()).find((key) => key.kid === first.kid)).toMatchObject({
      retiredAt: rotatedAt,
      publishUntil: rotatedAt + LIFETIME + SIGNING_KEY_CACHE_SECONDS,
    });
    expect((await nodeA.signingKey()).kid).toBe(created.kid);
    expect(await statesOf(nodeA)).toEqual([
      [created.kid, 'signing'],
      [first.kid, 'published'],
    ]);

    // Node B loaded its key at START: it keeps it until START + 10.
    expect((await nodeB.signingKey()).kid).toBe(first.kid);
    clock.advance(SIGNING_KEY_CACHE_SECONDS - 3 - 1); // START + 9
    expect((await nodeB.signingKey()).kid).toBe(first.kid);
    clock.advance(1); // START + 10
    expect((await nodeB.signingKey()).kid).toBe(created.kid);

    // A third node started after the rotation signs with the new key from the start.
    expect((await ring().signingKey()).kid).toBe(created.kid);
  });

  it("rotate({ immediately: true }) during a plain rotation's wait: the newest key signs at once; the waiting key never signs", async () => {
    await setUp();
    const keys = ring();
    const first = await keys.signingKey();
    clock.advance(5);
    const waiting = await keys.rotate();
    clock.advance(5);
    const emergency = await keys.rotate({ immediately: true });
    expect((await keys.signingKey()).kid).toBe(emergency.kid);
    // Another node agrees, and nothing changes when the waiting key's turn would have come.
    expect((await ring().signingKey()).kid).toBe(emergency.kid);
    clock.advance(PRE);
    expect((await ring().signingKey()).kid).toBe(emergency.kid);
    expect((await keys.signingKey()).kid).toBe(emergency.kid);
    const states = Object.fromEntries(await statesOf(keys));
    expect(states[emergency.kid]).toBe('signing');
    expect(states[first.kid]).toBe('published');
    expect(states[waiting.kid]).toBe('published');
  });

  it('the signing key is cached for 10 s, but never past its retirement', async () => {
    await setUp();
    const node = ring();
    const first = await node.signingKey();
    let reads = 0;
    const listSigningKeys = db.store.listSigningKeys.bind(db.store);
    db.store.listSigningKeys = () => {
      reads++;
      return listSigningKeys();
    };

    // No retirement planned: ten seconds from the load.
    clock.advance(SIGNING_KEY_CACHE_SECONDS - 1);
    expect((await node.signingKey()).kid).toBe(first.kid);
    expect(reads).toBe(0);
    clock.advance(1);
    expect((await node.signingKey()).kid).toBe(first.kid);
    expect(reads).toBe(1);

    // Another node rotates: this one finds out within 10 s that its key retires at rotation + 90...
    clock.advance(2);
    const rotatedAt = clock.now();
    const created = await ring().rotate();
    clock.advance(SIGNING_KEY_CACHE_SECONDS - 2);
    reads = 0;
    expect((await node.signingKey()).kid).toBe(first.kid);
    expect(reads).toBe(1);

    // ...and from a load 5 s before the retirement it keeps the key 5 s, not 10.
    clock.advance(rotatedAt + PRE - 5 - clock.now());
    reads = 0;
    expect((await node.signingKey()).kid).toBe(first.kid);
    expect(reads).toBe(1);
    clock.advance(4);
    expect((await node.signingKey()).kid).toBe(first.kid);
    expect(reads).toBe(1);
    clock.advance(1);
    expect((await node.signingKey()).kid).toBe(created.kid);
    expect(reads).toBe(2);
    // The new key (not retiring) is cached for the usual 10 s again.
    clock.advance(SIGNING_KEY_CACHE_SECONDS - 1);
    expect((await node.signingKey()).kid).toBe(created.kid);
    expect(reads).toBe(2);
  });

  it('list: the states next, signing, published and expired, current key first', async () => {
    await setUp();
    const keys = ring();
    const first = await keys.signingKey();
    expect(await statesOf(keys)).toEqual([[first.kid, 'signing']]);

    clock.advance(100);
    const rotatedAt = clock.now();
    const second = await keys.rotate();
    expect(await statesOf(keys)).toEqual([
      [second.kid, 'next'],
      [first.kid, 'signing'],
    ]);
    const listed = await keys.list();
    expect(listed[1]).toMatchObject({ kid: first.kid, state: 'signing', retiredAt: rotatedAt + PRE });
    expect(await statesOf(keys, rotatedAt + PRE - 1)).toEqual([
      [second.kid, 'next'],
      [first.kid, 'signing'],
    ]);
    // list(now) takes the time to look at; the clock has not moved.
    const retiredAt = rotatedAt + PRE;
    const publishUntil = retiredAt + LIFETIME + SIGNING_KEY_CACHE_SECONDS;
    expect(await statesOf(keys, retiredAt)).toEqual([
      [second.kid, 'signing'],
      [first.kid, 'published'],
    ]);
    expect(await statesOf(keys, publishUntil - 1)).toEqual([
      [second.kid, 'signing'],
      [first.kid, 'published'],
    ]);
    expect(await statesOf(keys, publishUntil)).toEqual([
      [second.kid, 'signing'],
      [first.kid, 'expired'],
    ]);
    expect(clock.now()).toBe(rotatedAt);

    // A rotation while the second key is still next: it signs from its own turn, the third after it.
    clock.advance(10);
    const third = await keys.rotate();
    // Listed current first, then by retirement, latest first.
    expect(await statesOf(keys)).toEqual([
      [third.kid, 'next'],
      [second.kid, 'next'],
      [first.kid, 'signing'],
    ]);
    expect(await statesOf(keys, retiredAt)).toEqual([
      [third.kid, 'next'],
      [second.kid, 'signing'],
      [first.kid, 'published'],
    ]);
    expect(await statesOf(keys, clock.now() + PRE)).toEqual([
      [third.kid, 'signing'],
      [second.kid, 'published'],
      [first.kid, 'published'],
    ]);

    // The first key of an empty table signs at once, even from a plain rotate().
    await db.cleanup();
    await setUp();
    const only = await ring().rotate();
    expect(only).toMatchObject({ retiredAt: null, publishUntil: null });
    expect(await statesOf(ring())).toEqual([[only.kid, 'signing']]);
    expect((await ring().signingKey()).kid).toBe(only.kid);
  });

  it('signingKeyAt: the key with the earliest retirement still after now; null (never) last', () => {
    const key = (kid: string, retiredAt: number | null): SigningKeyRecord => ({
      kid,
      algorithm: 'EdDSA',
      publicJwk: '{}',
      privateKeyEncrypted: 'v1.a.b.c',
      createdAt: START,
      retiredAt,
      publishUntil: retiredAt === null ? null : retiredAt + 1000,
    });
    expect(signingKeyAt([], START)).toBeUndefined();
    const keys = [key('current', null), key('pending', START + 90), key('retired', START - 5)];
    expect(signingKeyAt(keys, START)?.kid).toBe('pending');
    expect(signingKeyAt(keys, START + 89)?.kid).toBe('pending');
    expect(signingKeyAt(keys, START + 90)?.kid).toBe('current');
    expect(signingKeyAt(keys, START - 6)?.kid).toBe('retired');
    expect(signingKeyAt([...keys].reverse(), START)?.kid).toBe('pending');
    expect(signingKeyAt([key('retired', START - 5)], START)).toBeUndefined();
    // Two keys retiring at the same time (rotations racing): the older one, then the smaller kid, on every node alike.
    const older = { ...key('older', START + 90), createdAt: START - 100 };
    const newer = { ...key('newer', START + 90), createdAt: START };
    expect(signingKeyAt([newer, older, key('current', null)], START)?.kid).toBe('older');
    expect(signingKeyAt([older, newer, key('current', null)], START)?.kid).toBe('older');
    expect(signingKeyAt([key('b', START + 90), key('a', START + 90)], START)?.kid).toBe('a');
  });

  it('publishedKeys: the new key from its rotation on; the old one until publishUntil = its retirement (+90 s) + access_token_lifetime + 10', async () => {
    await setUp();
    const keys = ring();
    const first = await keys.signingKey();
    expect(await kidsOf(keys)).toEqual(new Set([first.kid]));

    clock.advance(100);
    const rotatedAt = clock.now();
    const second = await keys.rotate();
    const expectedUntil = rotatedAt + PRE + LIFETIME + SIGNING_KEY_CACHE_SECONDS;
    const stored = await db.store.listSigningKeys();
    expect(stored.find((key) => key.kid === first.kid)).toMatchObject({
      retiredAt: rotatedAt + PRE,
      publishUntil: expectedUntil,
    });
    expect(stored.find((key) => key.kid === second.kid)).toMatchObject({
      createdAt: rotatedAt,
      retiredAt: null,
      publishUntil: null,
    });

    expect(await kidsOf(keys)).toEqual(new Set([first.kid, second.kid]));
    clock.advance(PRE); // the new key signs now; the old one's tokens live on
    expect(await kidsOf(keys)).toEqual(new Set([first.kid, second.kid]));
    clock.advance(LIFETIME + SIGNING_KEY_CACHE_SECONDS - 1); // one second before publishUntil
    expect(await kidsOf(keys)).toEqual(new Set([first.kid, second.kid]));
    clock.advance(1);
    expect(await kidsOf(keys)).toEqual(new Set([second.kid]));
    clock.advance(100_000);
    expect(await kidsOf(keys)).toEqual(new Set([second.kid]));
  });

  it("publishedKeys: a retired key stays at least its retirement + this server's access_token_lifetime + 10, whatever the rotation recorded", async () => {
    await setUp();
    const first = await ring().signingKey();
    clock.advance(5);
    const rotatedAt = clock.now();
    // Rotated by a CLI configured with 600 s; served by nodes configured with 3600 s and 60 s.
    await ring().rotate({ immediately: true });
    const longer = ring('EdDSA', KEK, 3600);
    const shorter = ring('EdDSA', KEK, 60);
    const recorded = rotatedAt + LIFETIME + SIGNING_KEY_CACHE_SECONDS;
    expect((await db.store.listSigningKeys()).find((key) => key.kid === first.kid)?.publishUntil).toBe(recorded);

    clock.advance(recorded - 1 - clock.now());
    for (const node of [longer, shorter]) expect(await kidsOf(node)).toContain(first.kid);
    clock.advance(1);
    expect(await kidsOf(shorter)).not.toContain(first.kid);
    expect(await kidsOf(longer)).toContain(first.kid);
    expect((await longer.list()).find((key) => key.kid === first.kid)?.state).toBe('published');
    clock.advance(rotatedAt + 3600 + SIGNING_KEY_CACHE_SECONDS - 1 - clock.now());
    expect(await kidsOf(longer)).toContain(first.kid);
    clock.advance(1);
    expect(await kidsOf(longer)).not.toContain(first.kid);
    expect((await longer.list()).find((key) => key.kid === first.kid)?.state).toBe('expired');
  });

  it('a token signed with the old key in its last second expires while that key is still published', async () => {
    await setUp();
    const nodeA = ring();
    const nodeB = ring();
    const old = await nodeB.signingKey();
    clock.advance(5);
    const rotatedAt = clock.now();
    await nodeA.rotate();
    // Node B's last second with the old key: just before its retirement.
    clock.advance(PRE - 1);
    const lastOldKey = await nodeB.signingKey();
    expect(lastOldKey.kid).toBe(old.kid);
    expect(clock.now()).toBe(rotatedAt + PRE - 1);
    const lastExp = clock.now() + LIFETIME;
    // Until that token expires, the JWKS still lists the key that signed it.
    clock.advance(LIFETIME - 1);
    expect(clock.now()).toBe(lastExp - 1);
    expect((await nodeA.publishedKeys()).map((jwk) => jwk.kid)).toContain(old.kid);
  });

  it('with immediately, a token another node signs with the old key just before it notices the rotation expires while that key is still published', async () => {
    await setUp();
    const nodeA = ring();
    const nodeB = ring();
    const old = await nodeB.signingKey();
    clock.advance(5);
    await nodeA.rotate({ immediately: true });
    // Node B's last moment with the old key: 9 s after it loaded it.
    clock.advance(SIGNING_KEY_CACHE_SECONDS - 5 - 1);
    const lastOldKey = await nodeB.signingKey();
    expect(lastOldKey.kid).toBe(old.kid);
    const lastExp = clock.now() + LIFETIME;
    // Until that token expires, the JWKS still lists the key that signed it.
    clock.advance(LIFETIME - 1);
    expect(clock.now()).toBe(lastExp - 1);
    expect((await nodeA.publishedKeys()).map((jwk) => jwk.kid)).toContain(old.kid);
  });

  it('a change of jwt_signing_algorithm signs with a key of the new algorithm at once; the old key stays published (ID tokens may use it)', async () => {
    await setUp();
    const es = await ring('ES256').signingKey();
    const node = ring('EdDSA');
    const loaded = await node.signingKey();
    expect(loaded.algorithm).toBe('EdDSA');
    expect(loaded.kid).not.toBe(es.kid);
    // One ring per algorithm: the ES256 key still signs what asks for ES256, and both are published.
    expect((await node.signingKey('ES256')).kid).toBe(es.kid);
    expect((await node.publishedKeys()).map((key) => key.kid).sort()).toEqual([es.kid, loaded.kid].sort());
    // A rotation rotates every algorithm that signs, the configured one first.
    const rotated = await node.rotateAll();
    expect(rotated.map((key) => key.algorithm)).toEqual(['EdDSA', 'ES256']);
    clock.advance(PRE);
    expect((await node.signingKey()).kid).toBe(rotated[0]!.kid);
    expect((await node.signingKey('ES256')).kid).toBe(rotated[1]!.kid);
  });

  it('a rotation on a server whose only key signs ID tokens (RS256) rotates that one, and adds none of the unused access-token algorithm', async () => {
    await setUp();
    const node = ring('EdDSA');
    const idTokenKey = await node.signingKey('RS256');
    const rotated = await node.rotateAll();
    expect(rotated.map((key) => key.algorithm)).toEqual(['RS256']);
    expect((await node.list()).map((key) => key.algorithm).sort()).toEqual(['RS256', 'RS256']);
    clock.advance(PRE);
    expect((await node.signingKey('RS256')).kid).not.toBe(idTokenKey.kid);
  });

  describe.each([
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
    ['ES256', { kty: 'EC', crv: 'P-256' }],
    ['RS256', { kty: 'RSA' }],
  ] as const)('%s keys', (algorithm, shape) => {
    it('are published as a public JWK: kid = RFC 7638 thumbprint, alg, use sig, no private members', async () => {
      await setUp();
      const keys = ring(algorithm);
      const active = await keys.signingKey();
      expect(active.algorithm).toBe(algorithm);
      const [jwk, ...others] = await keys.publishedKeys();
      expect(others).toEqual([]);
      expect(jwk).toMatchObject({ ...shape, kid: active.kid, alg: algorithm, use: 'sig' });
      expect(jwk!.kid).toBe(thumbprint(jwk!));
      for (const member of PRIVATE_MEMBERS) expect(jwk, `private member ${member}`).not.toHaveProperty(member);
      if (algorithm === 'RS256') expect(Buffer.from(jwk!.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);

      // The published key verifies what the private key signs.
      const token = await sign(keys);
      const { payload, protectedHeader } = await jwtVerify(token, await importJWK(jwk!, algorithm), {
        algorithms: [algorithm],
      });
      expect(payload.n).toBe(1);
      expect(protectedHeader).toMatchObject({ alg: algorithm, kid: active.kid });

      // rotate() returns the same public JWK it stores.
      const rotated = await keys.rotate();
      const published = JSON.parse(rotated.publicJwk) as JWK;
      expect(published.kid).toBe(rotated.kid);
      expect(published.kid).toBe(thumbprint(published));
      for (const member of PRIVATE_MEMBERS) expect(published).not.toHaveProperty(member);
    });
  });

  it('stores the private key encrypted: no PEM, no DER in the row; it decrypts under key_encryption_key only', async () => {
    await setUp();
    const keys = ring('RS256');
    const active = await keys.signingKey();
    const rows = await db.store.driver.all<Record<string, unknown>>('SELECT * FROM signing_keys');
    expect(rows).toHaveLength(1);
    const row = JSON.stringify(rows[0]);
    expect(row).not.toContain('PRIVATE KEY');
    expect(row).not.toContain('BEGIN');
    expect(String(rows[0]!.private_key_encrypted)).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const record = (await db.store.listSigningKeys())[0] as SigningKeyRecord;
    const pem = new KeyEncryption(KEK).decrypt(record.privateKeyEncrypted);
    expect(pem).toContain('PRIVATE KEY');
    const der = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    expect(row).not.toContain(der.slice(0, 40));
    expect(row).not.toContain(der.slice(-40));
    expect(active.privateKey.type).toBe('private');
  });

  it('a key_encryption_key other than the one a key was stored with: KeyDecryptionError naming the kid and key_encryption_key', async () => {
    await setUp();
    const { kid } = await ring().signingKey();
    const error = await ring('EdDSA', `${KEK.slice(0, -2)}!!`)
      .signingKey()
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(KeyDecryptionError);
    expect((error as Error).message).toContain(kid);
    expect((error as Error).message).toContain('key_encryption_key');
    expect((error as Error).message).not.toContain(KEK);
    // Nothing was created or changed by the failed attempt.
    expect((await db.store.listSigningKeys()).map((key) => [key.kid, key.retiredAt])).toEqual([[kid, null]]);
  });

  it('rotate with a key_encryption_key other than the current key was stored with: KeyDecryptionError, and no key added', async () => {
    await setUp();
    const { kid } = await ring().signingKey();
    const other = `${KEK.slice(0, -2)}!!`;
    for (const immediately of [false, true]) {
      const error = await ring('EdDSA', other)
        .rotate({ immediately })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(KeyDecryptionError);
      expect((error as Error).message).toContain(kid);
      expect((error as Error).message).toContain('key_encryption_key');
      expect((error as Error).message).not.toContain(KEK);
      expect((error as Error).message).not.toContain(other);
    }
    // Nothing was added or retired: every node still signs with the key it can decrypt.
    expect((await db.store.listSigningKeys()).map((key) => [key.kid, key.retiredAt, key.publishUntil])).toEqual([
      [kid, null, null],
    ]);
    clock.advance(PRE + SIGNING_KEY_CACHE_SECONDS);
    expect((await ring().signingKey()).kid).toBe(kid);

    // Also when the current key is a pre-published one waiting for its turn.
    const next = await ring().rotate();
    await expect(ring('EdDSA', other).rotate()).rejects.toBeInstanceOf(KeyDecryptionError);
    expect((await db.store.listSigningKeys()).map((key) => key.kid)).toEqual([next.kid, kid]);
  });

  it('without a key_encryption_key: list() works (public data), publishes nothing it cannot vouch for, rotate() refuses and adds nothing', async () => {
    await setUp();
    const { kid } = await ring().signingKey();
    const readOnly = new KeyRing(db.store, clock, null, { algorithm: 'EdDSA', maxTokenLifetime: LIFETIME });
    expect(await statesOf(readOnly)).toEqual([[kid, 'signing']]);
    // The public key is derived from the private one, which it cannot decrypt.
    expect(await kidsOf(readOnly)).toEqual(new Set());
    await expect(readOnly.rotate()).rejects.toThrow(/key_encryption_key/);
    expect(await db.store.listSigningKeys()).toHaveLength(1);
  });

  it('a tampered encrypted private key fails the same way instead of signing with garbage', async () => {
    await setUp();
    const { kid } = await ring().signingKey();
    const [record] = await db.store.listSigningKeys();
    const parts = record!.privateKeyEncrypted.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[10] = ciphertext[10]! ^ 0xff;
    parts[3] = ciphertext.toString('base64url');
    await db.store.driver.run('UPDATE signing_keys SET private_key_encrypted = ? WHERE kid = ?', [
      parts.join('.'),
      kid,
    ]);
    await expect(ring().signingKey()).rejects.toBeInstanceOf(KeyDecryptionError);
  });
});
