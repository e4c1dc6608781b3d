/**
 * The CLI's side of token management, as an operator uses it: `client create --introspect`, and
 * the signing keys commands (`keys rotate`, `keys list`, `tokens clean`, `serve` refusing a wrong
 * key_encryption_key) with their effect on running servers. The commands run as `gatehouse` runs
 * them (in this process, see helpers/cli.ts; `serve` as a child); the servers they act on run in
 * the test's process (test/harness) on the real clock, the one the commands read. Moved from
 * test/e2e/token-management.test.ts.
 *
 * Only the command a test is about goes through the CLI: the keys a test merely checks (what a
 * rotation or a refusal left behind) are read directly, as `keys list --json` reads them.
 */
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/core/clients.js';
import { systemClock } from '../../src/core/clock.js';
import { KeyRing } from '../../src/core/keys.js';
import { formatTime } from '../../src/cli/output.js';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  createClient,
  databaseArg,
  freePort,
  migrateDatabase,
  runCli,
  tokenRequest,
  type CliResult,
  type HttpResult,
} from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { fetchJwks, verifyWith } from '../harness/jwks.js';

const KEK = `e2e-kek-${randomBytes(24).toString('base64url')}`;
const OTHER_KEK = `e2e-other-kek-${randomBytes(24).toString('base64url')}`;
const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
const JWT_ENV = { ...SCOPE_ENV, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: KEK };
/** The default access_token_lifetime, which a retired key stays published for (+ 10 s). */
const LIFETIME = 3600;
/** KEY_PREPUBLICATION_SECONDS: a plain `keys rotate` publishes the new key this long before it signs. */
const PREPUBLICATION = 90;

/** An entry of `keys list --json` (and of `keys rotate --json`). */
interface ListedKey {
  kid: string;
  algorithm: string;
  state: 'signing' | 'next' | 'published' | 'expired';
  created_at: string;
  retires_at: string | null;
  published_until: string | null;
}

type Confidential = CreatedClient & { client_secret: string };

/** CLI misuse: exit 2, nothing on stdout, one line on stderr starting "gatehouse: ". */
function expectMisuse(result: CliResult, mentions: RegExp): void {
  const described = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.code, described).toBe(2);
  expect(result.stdout, described).toBe('');
  expect(result.stderr.split('\n').filter(Boolean), described).toHaveLength(1);
  expect(result.stderr).toMatch(/^gatehouse: \S/);
  expect(result.stderr).toMatch(mentions);
}

/** A client_credentials client, registered in this process as `client create` does (setup, not the subject). */
async function registerService(database: TestDatabase): Promise<Confidential> {
  const { client, secret } = await new ClientRegistry(database.open({ poolSize: 1 }), systemClock).create({
    name: 'svc',
    redirectUris: [],
    grantTypes: ['client_credentials'],
    scopes: null,
    isPublic: false,
    trusted: false,
    canIntrospect: false,
    allowInsecureHttp: false,
  });
  return { client_id: client.id, client_secret: secret! } as Confidential;
}

/** One key-reading store per database; the database's clean-up closes it. */
const keyReaders = new WeakMap<TestDatabase, KeyRing>();

/** What `keys list --json` prints, read in this process (a KeyRing of its own, as the CLI opens one). */
async function storedKeys(database: TestDatabase): Promise<ListedKey[]> {
  let ring = keyReaders.get(database);
  if (!ring) {
    const store = database.open({ poolSize: 1 });
    ring = new KeyRing(store, systemClock, null, { algorithm: 'EdDSA', maxTokenLifetime: LIFETIME });
    keyReaders.set(database, ring);
  }
  return (await ring.list()).map((key) => ({
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.state,
    created_at: formatTime(key.createdAt),
    retires_at: key.retiredAt === null ? null : formatTime(key.retiredAt),
    published_until: key.publishUntil === null ? null : formatTime(key.publishUntil),
  }));
}

describeEachEngine('token management: the CLI (e2e)', (factory) => {
  const tokensOf = (res: HttpResult) => {
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token?: string; scope: string; expires_in: number };
  };

  describe('metadata and clients', () => {
    /** Builds the app without a socket: only its database and client registration are used here. */
    let setup: TestServer;
    let database: string;
    const clients = {} as { app: Confidential };

    beforeAll(async () => {
      setup = await startTestServer({ engine: factory.engine, env: SCOPE_ENV, listen: false });
      database = databaseArg(setup.database);
      const pw = ['--grant-type', 'password', '--grant-type', 'refresh_token'];
      const app = await setup.createClient(['--name', 'app', ...pw, '--grant-type', 'client_credentials']);
      clients.app = app as Confidential;
    });
    afterAll(() => setup?.close());

    it('client create --introspect registers a resource server; with --public it is refused (exit 2, one line)', async () => {
      // The refusal stores nothing the creation depends on: both run at once.
      const [created, refused] = await Promise.all([
        createClient(database, ['--name', 'rs2', '--introspect', '--grant-type', 'client_credentials'], SCOPE_ENV),
        runCli(['client', 'create', '--name', 'bad-rs', '--public', '--introspect'], { database, env: SCOPE_ENV }),
      ]);
      expect((created as CreatedClient & { introspect?: boolean }).introspect).toBe(true);
      expect((clients.app as CreatedClient & { introspect?: boolean }).introspect).toBe(false);
      const shown = await runCli(['client', 'show', created.client_id], { database, env: SCOPE_ENV });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/introspect/);

      expectMisuse(refused, /introspect/);
      const listed = (await setup.store.listClients()).map((client) => client.name);
      expect(listed).toContain('rs2');
      expect(listed).not.toContain('bad-rs');
    });
  });

  describe('signing keys and the CLI', () => {
    let keysDb: TestDatabase;
    let keysDatabase: string;
    let service: Confidential;
    let first: TestServer;
    let second: TestServer;
    /** The key the database started with. */
    let original: ListedKey;
    /** What `gatehouse keys rotate --now --json` printed. */
    let rotated: ListedKey;

    beforeAll(async () => {
      keysDb = await factory.createDatabase();
      keysDatabase = await migrateDatabase(keysDb);
      service = await registerService(keysDb);
    });
    afterAll(async () => {
      await Promise.all([first, second].map((server) => server?.close()));
      await keysDb?.cleanup();
    });

    const serviceToken = async (target: TestServer) =>
      tokensOf(
        await tokenRequest(
          target.url,
          { grant_type: 'client_credentials' },
          { basic: [service.client_id, service.client_secret] },
        ),
      ).access_token;
    const listKeys = async () => {
      const result = await runCli(['keys', 'list', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as ListedKey[];
    };
    const seconds = (time: string | null) => Date.parse(time!) / 1000;

    it('keys rotate --now, then a server started afterwards: both servers publish both keys, new tokens carry the new kid, old ones still verify', async () => {
      first = await startTestServer({ database: keysDb, env: JWT_ENV, clock: systemClock });
      const listed = await storedKeys(keysDb);
      expect(listed).toHaveLength(1);
      original = listed[0]!;
      // The first key of a database signs at once.
      expect(original).toMatchObject({ algorithm: 'EdDSA', state: 'signing', retires_at: null, published_until: null });
      // The fields `keys list --json` prints are checked on the listing the next test runs.
      const before = await serviceToken(first);
      expect(decodeProtectedHeader(before).kid).toBe(original.kid);

      const result = await runCli(['keys', 'rotate', '--now', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(result.code, result.stderr).toBe(0);
      rotated = JSON.parse(result.stdout);
      expect(rotated).toMatchObject({ algorithm: 'EdDSA', state: 'signing', retires_at: null, published_until: null });
      expect(rotated.kid).not.toBe(original.kid);

      second = await startTestServer({ database: keysDb, env: JWT_ENV, clock: systemClock });
      const after = await serviceToken(second);
      expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);

      for (const target of [first, second]) {
        expect(new Set((await fetchJwks(target)).map((key) => key.kid))).toEqual(new Set([original.kid, rotated.kid]));
        // Each server's tokens verify against either server's JWKS.
        await verifyWith(target, before, first.url);
        await verifyWith(target, after, second.url);
      }
    });

    it('keys list --json: after --now the new key signs, the old one stays published for access_token_lifetime + 10 s after its retirement (the rotation)', async () => {
      const keys = await listKeys();
      expect(keys).toHaveLength(2);
      const current = keys.find((key) => key.kid === rotated.kid)!;
      const retired = keys.find((key) => key.kid !== rotated.kid)!;
      // The current key first.
      expect(keys[0]!.kid).toBe(rotated.kid);
      expect(current).toMatchObject({
        state: 'signing',
        retires_at: null,
        published_until: null,
        created_at: rotated.created_at,
      });
      expect(retired).toMatchObject({ kid: original.kid, state: 'published', retires_at: rotated.created_at });
      expect(Object.keys(retired).sort()).toEqual([
        'algorithm',
        'created_at',
        'kid',
        'published_until',
        'retires_at',
        'state',
      ]);
      expect(seconds(retired.published_until) - seconds(retired.retires_at)).toBe(LIFETIME + 10);

      const table = await runCli(['keys', 'list'], { database: keysDatabase, env: JWT_ENV });
      expect(table.code, table.stderr).toBe(0);
      const rows = table.stdout.trim().split('\n');
      expect(rows[0]).toMatch(/^KID\s+ALGORITHM\s+STATE\s+CREATED\s+RETIRES\s+PUBLISHED UNTIL$/);
      expect(rows.find((row) => row.startsWith(current.kid))).toMatch(/\bsigning\b/);
      expect(rows.find((row) => row.startsWith(retired.kid))).toMatch(/\bpublished\b/);
    });

    it('a plain keys rotate: both servers publish the new key at once, but new tokens are still signed with the old one, the new key reads next', async () => {
      const result = await runCli(['keys', 'rotate', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(result.code, result.stderr).toBe(0);
      const pending = JSON.parse(result.stdout) as ListedKey;
      expect(pending).toMatchObject({ algorithm: 'EdDSA', state: 'next', retires_at: null, published_until: null });
      expect(pending.kid).not.toBe(rotated.kid);

      // Every server publishes it right away, a server started now too...
      const third = await startTestServer({ database: keysDb, env: JWT_ENV, clock: systemClock });
      for (const target of [first, second, third]) {
        expect(new Set((await fetchJwks(target)).map((key) => key.kid))).toEqual(
          new Set([original.kid, rotated.kid, pending.kid]),
        );
      }
      // ...and none of them signs with it yet: the current key goes on signing, also on the server
      // that loaded the keys after this rotation. (The first server may still be in the 10 s it
      // keeps the key it loaded before the --now rotation above.)
      for (const target of [first, second, third]) {
        const token = await serviceToken(target);
        const kid = decodeProtectedHeader(token).kid;
        expect(kid, target.url).not.toBe(pending.kid);
        if (target === first) expect([original.kid, rotated.kid]).toContain(kid);
        else expect(kid, target.url).toBe(rotated.kid);
        await verifyWith(target, token, target.url);
      }

      const keys = await storedKeys(keysDb);
      expect(keys.map((key) => [key.kid, key.state])).toEqual([
        [pending.kid, 'next'],
        [rotated.kid, 'signing'],
        [original.kid, 'published'],
      ]);
      const signing = keys[1]!;
      // It signs for 90 s more, and stays published for the lifetime of its last tokens (+ 10 s).
      expect(seconds(signing.retires_at) - seconds(pending.created_at)).toBe(PREPUBLICATION);
      expect(seconds(signing.published_until) - seconds(signing.retires_at)).toBe(LIFETIME + 10);
      expect(seconds(signing.retires_at)).toBeGreaterThan(Date.now() / 1000);
      await third.close();
    });

    it('a retired key past its publication reads expired, leaves the JWKS, and tokens clean deletes it', async () => {
      const store = keysDb.open({ poolSize: 1 });
      const now = Math.floor(Date.now() / 1000);
      const jwk = {
        kty: 'OKP',
        crv: 'Ed25519',
        x: randomBytes(32).toString('base64url'),
        kid: 'expired-e2e-key',
        alg: 'EdDSA',
        use: 'sig',
      };
      await store.driver.run(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [jwk.kid, 'EdDSA', JSON.stringify(jwk), 'v1.AAAA.AAAA.AAAA', now - 10_000, now - 9_000, now - 100],
      );
      expect((await listKeys()).find((key) => key.kid === jwk.kid)).toMatchObject({ state: 'expired' });
      expect((await fetchJwks(first)).map((key) => key.kid)).not.toContain(jwk.kid);

      const clean = await runCli(['tokens', 'clean', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(clean.code, clean.stderr).toBe(0);
      expect(JSON.parse(clean.stdout)).toMatchObject({ signingKeys: 1 });
      const left = await storedKeys(keysDb);
      expect(left.map((key) => key.kid)).not.toContain(jwk.kid);
      expect(left).toHaveLength(3);
    });

    it('keys rotate without GATEHOUSE_KEY_ENCRYPTION_KEY: exit 2, one line naming key_encryption_key, no key added', async () => {
      const { GATEHOUSE_KEY_ENCRYPTION_KEY: _omitted, GATEHOUSE_ACCESS_TOKEN_FORMAT: _format, ...withoutKey } = JWT_ENV;
      const result = await runCli(['keys', 'rotate'], { database: keysDatabase, env: withoutKey });
      expectMisuse(result, /key_encryption_key/);
      const keys = await storedKeys(keysDb);
      expect(keys).toHaveLength(3);
      // keys list reads public data only: it needs no key_encryption_key, and says the same.
      const listed = await runCli(['keys', 'list', '--json'], { database: keysDatabase, env: withoutKey });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr).toBe('');
      expect(JSON.parse(listed.stdout)).toEqual(keys);
    });

    it('serve with another key_encryption_key than the keys were stored with: exit 2, one line naming key_encryption_key', async () => {
      const port = await freePort();
      const result = await runCli(['serve', '--port', String(port)], {
        database: keysDatabase,
        env: { ...JWT_ENV, GATEHOUSE_KEY_ENCRYPTION_KEY: OTHER_KEK },
      });
      expectMisuse(result, /key_encryption_key/);
      expect(result.stderr).not.toContain(OTHER_KEK);
      expect(result.stderr).not.toContain(KEK);
    });

    it('serve with access_token_format jwt and no key_encryption_key (or a short one) than the keys were stored with: exit 2, one line naming key_encryption_key', async () => {
      const port = await freePort();
      const short = 'only-thirty-one-characters-long';
      expect(short).toHaveLength(31);
      // Both refuse before they listen, so they can share the port and run at once.
      const [missing, tooShort] = await Promise.all([
        runCli(['serve', '--port', String(port)], {
          database: keysDatabase,
          env: { ...SCOPE_ENV, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt' },
        }),
        runCli(['serve', '--port', String(port)], {
          database: keysDatabase,
          env: { ...JWT_ENV, GATEHOUSE_KEY_ENCRYPTION_KEY: short },
        }),
      ]);
      if (factory.engine === 'sqlite') {
        // SQLite without a configured key uses the one generated beside the database (and says so in
        // its log): not the key these were stored with, so it refuses them.
        expect(missing.code, missing.stderr).toBe(2);
        expect(missing.stderr.split('\n').filter(Boolean)).toHaveLength(1);
        expect(missing.stderr).toMatch(/^gatehouse: signing key .* cannot be decrypted: key_encryption_key differs/);
        expect(missing.stdout).toContain('key_encryption_key is not set');
      } else {
        expectMisuse(missing, /key_encryption_key/);
      }
      expectMisuse(tooShort, /key_encryption_key/);
      expect(tooShort.stderr).not.toContain(short);
    });

    it('keys rotate with another key_encryption_key than the stored keys: exit 2 naming key_encryption_key, and no key added', async () => {
      // Its own database: should the rotation go through, it would leave a key no server here can decrypt.
      const wrongDb = await factory.createDatabase();
      try {
        const wrongDatabase = await migrateDatabase(wrongDb);
        const listWrong = () => storedKeys(wrongDb);
        // The first key of a database signs at once, even without --now.
        const seeded = await runCli(['keys', 'rotate', '--json'], { database: wrongDatabase, env: JWT_ENV });
        expect(seeded.code, seeded.stderr).toBe(0);
        const seededKey = JSON.parse(seeded.stdout) as ListedKey;
        expect(seededKey).toMatchObject({ state: 'signing', retires_at: null });

        for (const args of [
          ['keys', 'rotate'],
          ['keys', 'rotate', '--now', '--json'],
        ]) {
          const result = await runCli(args, {
            database: wrongDatabase,
            env: { ...JWT_ENV, GATEHOUSE_KEY_ENCRYPTION_KEY: OTHER_KEK },
          });
          expectMisuse(result, /key_encryption_key/);
          expect(result.stderr).toContain(seededKey.kid);
          expect(result.stderr).not.toContain(OTHER_KEK);
          expect(result.stderr).not.toContain(KEK);
          expect(await listWrong(), `keys stored after ${args.join(' ')} with the other key_encryption_key`).toEqual([
            seededKey,
          ]);
        }

        // With the right key_encryption_key the rotation goes through, and says when the new key signs.
        const rotation = await runCli(['keys', 'rotate'], { database: wrongDatabase, env: JWT_ENV });
        expect(rotation.code, rotation.stderr).toBe(0);
        expect(rotation.stdout).toMatch(/signs with it in 90 seconds/);
        expect((await listWrong()).map((key) => key.state)).toEqual(['next', 'signing']);
      } finally {
        await wrongDb.cleanup();
      }
    });
  });
});
