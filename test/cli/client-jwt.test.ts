/**
 * `gatehouse client create` for clients that authenticate with JWTs: --jwks-file and --jwks-uri
 * (private_key_jwt, no secret), --secret-jwt (client_secret_jwt, the secret stored encrypted, so
 * refused without key_encryption_key), and what misuse of them looks like (exit 2, one line).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  databaseUrl,
  expectMisuse,
  expectSuccess,
  parseJson,
  queryRows,
  runCli,
  type RunOptions,
} from '../helpers/cli.js';

const KEK = `cli-kek-${randomBytes(24).toString('base64url')}`;

describeEachEngine('gatehouse client create with JWT authentication', (factory) => {
  let db: TestDatabase;
  let dir: string;
  let url: string;
  let publicSet: string;
  let privateSet: string;

  const cli = (args: string[], options: RunOptions = {}) => runCli([...args, '--database', url], options);
  const secretRow = async (id: string) =>
    (
      await queryRows<{ secret_encrypted: string | null; auth_method: string }>(
        db.location,
        'SELECT secret_encrypted, auth_method FROM clients WHERE id = ?',
        [id],
      )
    )[0];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-jwt-'));
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
    expectSuccess(await cli(['migrate']));
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    publicSet = join(dir, 'public.json');
    privateSet = join(dir, 'private.json');
    await writeFile(publicSet, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }));
    await writeFile(privateSet, JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'k1' }] }));
  });

  afterAll(async () => {
    await db?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('--jwks-file and --jwks-uri register private_key_jwt clients without a secret; private keys and http URLs are refused', async () => {
    const inline = await cli([
      'client',
      'create',
      '--name',
      'Keys',
      '--grant-type',
      'client_credentials',
      '--jwks-file',
      publicSet,
      '--json',
    ]);
    expectSuccess(inline);
    const created = parseJson<Record<string, unknown>>(inline);
    expect(created).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', client_secret: null });
    expect(created.jwks).toMatchObject({ keys: [{ kid: 'k1', kty: 'EC' }] });
    const shown = await cli(['client', 'show', String(created.client_id)]);
    expect(shown.stdout).toContain('authenticates: private_key_jwt, keys registered inline');

    const remote = await cli([
      'client',
      'create',
      '--name',
      'Remote',
      '--grant-type',
      'client_credentials',
      '--jwks-uri',
      'https://app.example/jwks.json',
    ]);
    expectSuccess(remote);
    expect(remote.stdout).toContain('authenticates: private_key_jwt, keys at https://app.example/jwks.json');
    expect(remote.stdout).not.toContain('client_secret');

    expectMisuse(await cli(['client', 'create', '--name', 'Leaky', '--jwks-file', privateSet]), /private/);
    expectMisuse(
      await cli(['client', 'create', '--name', 'Missing', '--jwks-file', join(dir, 'none.json')]),
      /not found/,
    );
    expectMisuse(await cli(['client', 'create', '--name', 'Plain', '--jwks-uri', 'http://app.example/jwks']), /https/);
    expectMisuse(
      await cli(['client', 'create', '--name', 'Both', '--jwks-file', publicSet, '--secret-jwt'], {
        env: { GATEHOUSE_KEY_ENCRYPTION_KEY: KEK },
      }),
      /at most one/,
    );
    const noRotation = await cli(['client', 'rotate-secret', String(created.client_id)]);
    expectMisuse(noRotation, /no secret to rotate/);
  });

  it('--secret-jwt stores the secret encrypted with key_encryption_key, and is refused without one', async () => {
    const refused = await cli(['client', 'create', '--name', 'NoKek', '--secret-jwt']);
    expectMisuse(refused, /key_encryption_key/);

    const env = { GATEHOUSE_KEY_ENCRYPTION_KEY: KEK };
    const created = await cli(
      ['client', 'create', '--name', 'Hmac', '--grant-type', 'client_credentials', '--secret-jwt', '--json'],
      { env },
    );
    expectSuccess(created);
    const client = parseJson<{ client_id: string; client_secret: string; token_endpoint_auth_method: string }>(created);
    expect(client.token_endpoint_auth_method).toBe('client_secret_jwt');
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await secretRow(client.client_id);
    expect(stored?.auth_method).toBe('client_secret_jwt');
    expect(stored?.secret_encrypted).toMatch(/^v1\./);
    expect(stored?.secret_encrypted).not.toContain(client.client_secret);

    // Rotating re-encrypts (and needs the key too).
    expectMisuse(await cli(['client', 'rotate-secret', client.client_id]), /key_encryption_key/);
    const rotated = await cli(['client', 'rotate-secret', client.client_id, '--json'], { env });
    expectSuccess(rotated);
    expect(parseJson<{ client_secret: string }>(rotated).client_secret).not.toBe(client.client_secret);
    expect((await secretRow(client.client_id))?.secret_encrypted).not.toBe(stored?.secret_encrypted);

    // Without --json the notice says how the secret is kept: encrypted, not only a hash.
    const plain = await cli(
      ['client', 'create', '--name', 'Hmac2', '--grant-type', 'client_credentials', '--secret-jwt'],
      { env },
    );
    expectSuccess(plain);
    expect(plain.stdout).toMatch(/keeps it encrypted \(key_encryption_key\)/);
    expect(plain.stdout).not.toMatch(/only its hash/);
  });
});
