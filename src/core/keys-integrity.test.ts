/**
 * What the JWKS may contain, and how many first keys a cluster makes, on both engines:
 * - the published public keys are derived from the decrypted private keys, never read from the
 *   table: a row someone slipped into the database, or a genuine row whose public key, kid or
 *   algorithm was changed, is not published and so verifies nothing;
 * - several nodes (KeyRings, each on its own store instance: own connection or pool) starting at
 *   once on an empty database create exactly one key, and all publish and accept the same set;
 *   concurrent rotations leave exactly one current key and every node signs with the same key.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import {
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  calculateJwkThumbprint,
  type JWK,
} from 'jose';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { describeEachEngine, type EngineFactory, type TestDatabase } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { composeServices } from '../compose.js';
import { buildHttpServer } from '../http/server.js';
import type { SqlStore } from '../storage/sql-store.js';
import { ManualClock } from './clock.js';
import { KeyEncryption } from './key-encryption.js';
import { KeyMismatchError, KeyRing } from './keys.js';

const KEK = 'Zm9yIHRlc3RzIG9ubHk6IG5vdCBhIHJlYWwga2V5IQ==';
const START = 1_800_000_000;
const NODES = 6;

describeEachEngine('signing key integrity and agreement', (factory: EngineFactory) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  /** NODES store instances on one fresh, migrated database. */
  async function cluster(count = NODES): Promise<SqlStore[]> {
    database = await factory.createDatabase();
    const stores = Array.from({ length: count }, () => database!.open({ poolSize: 2 }));
    await stores[0]!.migrate();
    return stores;
  }
  const ringOn = (store: SqlStore, clock: ManualClock) =>
    new KeyRing(store, clock, new KeyEncryption(KEK), { algorithm: 'EdDSA', maxTokenLifetime: 600 });

  const sign = async (ring: KeyRing, subject: string) => {
    const key = await ring.signingKey();
    return new SignJWT({})
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid })
      .setSubject(subject)
      .sign(key.privateKey);
  };
  const verifies = async (token: string, jwks: JWK[]) =>
    jwtVerify(token, createLocalJWKSet({ keys: jwks })).then(
      () => true,
      () => false,
    );
  /** An attacker's own key pair, as a JWK row would carry it. */
  const attackerKey = async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return {
      privateKey,
      publicJwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' },
      kid,
      pkcs8: await exportPKCS8(privateKey),
    };
  };

  it('a public key row slipped into the database is not published, and a token signed with its private key verifies nowhere', async () => {
    const [store] = await cluster(1);
    const clock = new ManualClock(START);
    const ring = ringOn(store!, clock);
    const genuine = await sign(ring, 'alice');
    const attacker = await attackerKey();
    // The attacker can write the table but does not know key_encryption_key: any ciphertext, a
    // plaintext PEM, or the genuine key's ciphertext copied into the row.
    const [real] = await store!.listSigningKeys();
    for (const [i, ciphertext] of [
      `v1.${'A'.repeat(16)}.${'B'.repeat(22)}.${'C'.repeat(40)}`,
      attacker.pkcs8,
      real!.privateKeyEncrypted,
    ].entries()) {
      await store!.driver.run(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
         VALUES (?, 'EdDSA', ?, ?, ?, ?, ?)`,
        [
          `${attacker.kid}${i}`,
          JSON.stringify({ ...attacker.publicJwk, kid: `${attacker.kid}${i}` }),
          ciphertext,
          START,
          START + 1,
          START + 10_000,
        ],
      );
    }
    const published = await ring.publishedKeys();
    expect(published.map((jwk) => jwk.kid)).toEqual([real!.kid]);

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: `${attacker.kid}0` })
      .setSubject('admin')
      .sign(attacker.privateKey);
    expect(await verifies(forged, published)).toBe(false);
    expect(await verifies(genuine, published)).toBe(true);

    // The same through the HTTP JWKS endpoint.
    const gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ access_token_format: 'jwt', key_encryption_key: KEK }),
      store: store!,
      clock,
      auditLog: false,
    });
    const app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    try {
      const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(response.statusCode).toBe(200);
      const { keys } = response.json<{ keys: JWK[] }>();
      expect(keys.map((jwk) => jwk.kid)).toEqual([real!.kid]);
      expect(await verifies(forged, keys)).toBe(false);
    } finally {
      await app.close();
    }
  });

  it("a genuine row whose public_jwk was replaced by the attacker's key still publishes the real public key; its forged tokens fail", async () => {
    const [store] = await cluster(1);
    const ring = ringOn(store!, new ManualClock(START));
    const genuine = await sign(ring, 'alice');
    const [real] = await store!.listSigningKeys();
    const attacker = await attackerKey();
    await store!.driver.run('UPDATE signing_keys SET public_jwk = ? WHERE kid = ?', [
      JSON.stringify({ ...attacker.publicJwk, kid: real!.kid }),
      real!.kid,
    ]);

    const published = await ringOn(store!, new ManualClock(START)).publishedKeys();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ kid: real!.kid, alg: 'EdDSA', use: 'sig', kty: 'OKP', crv: 'Ed25519' });
    expect(published[0]!.x).not.toBe(attacker.publicJwk.x);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: real!.kid })
      .setSubject('admin')
      .sign(attacker.privateKey);
    expect(await verifies(forged, published)).toBe(false);
    expect(await verifies(genuine, published)).toBe(true);
  });

  it('a row whose kid or algorithm was changed is neither published nor used to sign', async () => {
    const [store] = await cluster(1);
    const clock = new ManualClock(START);
    await ringOn(store!, clock).signingKey();
    const [real] = await store!.listSigningKeys();

    // Relabelled RS256, the row belongs to the RS256 ring (ID tokens), which refuses it.
    await store!.driver.run("UPDATE signing_keys SET algorithm = 'RS256' WHERE kid = ?", [real!.kid]);
    expect(await ringOn(store!, clock).publishedKeys()).toEqual([]);
    await expect(ringOn(store!, clock).signingKey('RS256')).rejects.toBeInstanceOf(KeyMismatchError);

    await store!.driver.run("UPDATE signing_keys SET algorithm = 'EdDSA', kid = 'chosen-by-attacker' WHERE kid = ?", [
      real!.kid,
    ]);
    expect(await ringOn(store!, clock).publishedKeys()).toEqual([]);
    await expect(ringOn(store!, clock).signingKey()).rejects.toBeInstanceOf(KeyMismatchError);
  });

  it(`${NODES} nodes starting at once on an empty database: exactly one key; all publish the same JWKS and accept each other's tokens`, async () => {
    const stores = await cluster();
    const clock = new ManualClock(START);
    const rings = stores.map((store) => ringOn(store, clock));
    const loaded = await Promise.all(rings.map((ring) => ring.signingKey()));

    expect(await stores[0]!.listSigningKeys()).toHaveLength(1);
    expect(new Set(loaded.map((key) => key.kid)).size).toBe(1);
    const jwks = await Promise.all(rings.map((ring) => ring.publishedKeys()));
    for (const set of jwks) expect(set).toEqual(jwks[0]);
    expect(jwks[0]).toHaveLength(1);
    const tokens = await Promise.all(rings.map((ring, i) => sign(ring, `node-${i}`)));
    for (const set of jwks) for (const token of tokens) expect(await verifies(token, set)).toBe(true);
  });

  it('addFirstSigningKey stores a key only while no key signs at its creation time', async () => {
    const [store] = await cluster(1);
    const ring = ringOn(store!, new ManualClock(START));
    const [first] = await Promise.all([ring.signingKey()]);
    const [stored] = await store!.listSigningKeys();
    const candidate = { ...stored!, kid: 'another', createdAt: START + 5 };
    expect(await store!.addFirstSigningKey(candidate)).toBe(false);
    expect((await store!.listSigningKeys()).map((key) => key.kid)).toEqual([first!.kid]);
    // Once every key has retired (an operator's mistake, or a clock jump), a first key may be added again.
    await store!.driver.run('UPDATE signing_keys SET retired_at = ?, publish_until = ?', [START + 1, START + 700]);
    expect(await store!.addFirstSigningKey(candidate)).toBe(true);
    expect((await store!.listSigningKeys()).map((key) => key.kid)).toEqual(['another', first!.kid]);
  });

  it(`${NODES} nodes rotating at once: exactly one current key, every node signs with the same key, and all publish the same set`, async () => {
    const stores = await cluster();
    const clock = new ManualClock(START);
    const rings = stores.map((store) => ringOn(store, clock));
    const first = await rings[0]!.signingKey();
    const before = await Promise.all(rings.map((ring, i) => sign(ring, `before-${i}`)));

    clock.advance(1000);
    await Promise.all(rings.map((ring) => ring.rotate()));
    const keys = await stores[0]!.listSigningKeys();
    expect(keys.filter((key) => key.retiredAt === null)).toHaveLength(1);

    // During the pre-publication window the old key signs, on every node; then one new key.
    const during = await Promise.all(rings.map((ring) => ring.signingKey()));
    expect(new Set(during.map((key) => key.kid))).toEqual(new Set([first.kid]));
    clock.advance(120);
    const after = await Promise.all(rings.map((ring) => ring.signingKey()));
    expect(new Set(after.map((key) => key.kid)).size).toBe(1);

    const jwks = await Promise.all(rings.map((ring) => ring.publishedKeys()));
    for (const set of jwks) expect(set).toEqual(jwks[0]);
    const tokens = [...before, ...(await Promise.all(rings.map((ring, i) => sign(ring, `after-${i}`))))];
    for (const set of jwks) for (const token of tokens) expect(await verifies(token, set)).toBe(true);
  });
});
