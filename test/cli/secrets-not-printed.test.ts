/**
 * No CLI command prints a password, a client secret beyond its one announcement, a
 * key_encryption_key or a private key; nor does `gatehouse serve` outside its log (moved from
 * test/e2e/secrets-not-logged.test.ts, whose server checks run in-process).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyEncryption } from '../../src/core/key-encryption.js';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import {
  createClient,
  createUser,
  databaseArg,
  freePort,
  migrateDatabase,
  runCli,
  startServer,
  tokenRequest,
  type CliResult,
} from '../helpers/server.js';
import { expectNoSecrets, secretBook } from '../harness/secrets.js';

const TRACE = {
  GATEHOUSE_LOG_LEVEL: 'trace',
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
};
const unique = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

// The CLI does not depend on the engine: once, on SQLite.
describe('the CLI never prints a password (e2e)', () => {
  let db: TestDatabase;
  let database: string;
  const { secrets, remember } = secretBook();

  beforeAll(async () => {
    db = await createSqliteDatabase();
    database = await migrateDatabase(db);
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  /** Every CLI run here, and the outputs in which a given secret must not appear. */
  const runs: { what: string; result: CliResult }[] = [];
  const run = async (what: string, promise: Promise<CliResult>) => {
    const result = await promise;
    runs.push({ what, result });
    return result;
  };
  const everything = (result: CliResult) => `${result.stdout}\n${result.stderr}`;

  it('user create --password-stdin and change-password never print the password', async () => {
    const password = remember('cli user password', unique('pw'));
    const created = await run('user create', createUser(database, 'cli-user', 'cli-user@example.com', password));
    expect(created.stdout).toMatch(/Created user cli-user/);
    expectNoSecrets(everything(created), new Map([['password', password]]), 'user create output');

    const newPassword = remember('cli new password', unique('pw2'));
    const changed = await run(
      'user change-password',
      runCli(['user', 'change-password', 'cli-user', '--password-stdin'], {
        database,
        stdin: `${newPassword}\n`,
        env: TRACE,
      }),
    );
    expect(changed.code, changed.stderr).toBe(0);
    expectNoSecrets(everything(changed), new Map([['new password', newPassword]]), 'user change-password output');

    // A refused password is not echoed in the error either.
    const weak = 'Sh0rt!x';
    const refused = await run(
      'user create (weak password)',
      runCli(['user', 'create', 'weak-user', 'weak@example.com', '--password-stdin'], {
        database,
        stdin: `${weak}\n`,
        env: TRACE,
      }),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^gatehouse: password must be at least 8 characters/);
    expect(everything(refused)).not.toContain(weak);
  });

  it('client create prints the secret once; rotate-secret prints the new one only; neither prints a password', async () => {
    const created = await run(
      'client create',
      runCli(['client', 'create', '--name', 'cli-client', '--grant-type', 'client_credentials'], {
        database,
        env: TRACE,
      }),
    );
    expect(created.code, created.stderr).toBe(0);
    const secret = /client_secret: (\S+)/.exec(created.stdout)?.[1];
    const id = /client_id: +(\S+)/.exec(created.stdout)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(created.stdout.split(secret!).length - 1).toBe(1);
    expect(created.stderr).not.toContain(secret);

    const rotated = await run(
      'client rotate-secret',
      runCli(['client', 'rotate-secret', id!], { database, env: TRACE }),
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = /client_secret: (\S+)/.exec(rotated.stdout)?.[1];
    expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(newSecret).not.toBe(secret);
    expectNoSecrets(everything(rotated), new Map([['previous client secret', secret!]]), 'rotate-secret output');

    const rotatedJson = await run(
      'client rotate-secret --json',
      runCli(['client', 'rotate-secret', id!, '--json'], { database, env: TRACE }),
    );
    expect(rotatedJson.code, rotatedJson.stderr).toBe(0);
    expect(JSON.parse(rotatedJson.stdout)).toEqual({
      client_id: id,
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
    });
    expectNoSecrets(
      everything(rotatedJson),
      new Map([
        ['previous client secret', secret!],
        ['secret before that', newSecret!],
      ]),
      'rotate-secret --json output',
    );

    // None of the CLI runs so far printed any user password.
    const passwords = new Map([...secrets].filter(([label]) => label.includes('password')));
    expect(passwords.size).toBeGreaterThanOrEqual(2);
    for (const { what, result } of runs) expectNoSecrets(everything(result), passwords, `${what} output`);
  });

  it('keys rotate and keys list never print the key_encryption_key or any private key; refusals do not echo it', async () => {
    const kek = remember('key_encryption_key', randomBytes(33).toString('base64url'));
    const env = { ...TRACE, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: kek };
    const outputs: { what: string; result: CliResult }[] = [];
    for (const args of [
      ['keys', 'rotate'],
      ['keys', 'rotate', '--json'],
      ['keys', 'list'],
      ['keys', 'list', '--json'],
      ['tokens', 'clean'],
    ]) {
      const result = await run(args.join(' '), runCli(args, { database, env }));
      expect(result.code, result.stderr).toBe(0);
      outputs.push({ what: args.join(' '), result });
    }
    // The output is about the keys: their kids are there.
    const stored = await db.open({ poolSize: 1 }).listSigningKeys();
    expect(stored).toHaveLength(2);
    for (const key of stored) expect(outputs.find((o) => o.what === 'keys list')!.result.stdout).toContain(key.kid);

    // The private keys, in any form they exist: PEM body, and as stored (encrypted).
    const privateForms = new Map<string, string>();
    for (const key of stored) {
      const pem = new KeyEncryption(kek).decrypt(key.privateKeyEncrypted);
      privateForms.set(`private key ${key.kid} (PKCS#8)`, pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
      privateForms.set(`private key ${key.kid} (encrypted)`, key.privateKeyEncrypted.split('.').slice(1).join('.'));
    }
    for (const { what, result } of outputs) {
      expectNoSecrets(everything(result), new Map([['key_encryption_key', kek], ...privateForms]), `${what} output`);
      expect(everything(result)).not.toContain('PRIVATE KEY');
    }

    // Refusals name the setting, never its value.
    const other = randomBytes(33).toString('base64url');
    const wrong = await run(
      'serve (other key_encryption_key)',
      runCli(['serve', '--port', String(await freePort())], {
        database,
        env: { ...env, GATEHOUSE_KEY_ENCRYPTION_KEY: other },
      }),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/key_encryption_key/);
    // keys rotate decrypts the current key first: another key_encryption_key is refused.
    const wrongRotate = await run(
      'keys rotate (other key_encryption_key)',
      runCli(['keys', 'rotate', '--now'], { database, env: { ...env, GATEHOUSE_KEY_ENCRYPTION_KEY: other } }),
    );
    expect(wrongRotate.code).toBe(2);
    expect(wrongRotate.stderr).toMatch(/key_encryption_key/);
    expect(await db.open({ poolSize: 1 }).listSigningKeys()).toHaveLength(2);
    const short = 'a-short-secret-of-30-characters';
    const tooShort = await run(
      'keys rotate (short key_encryption_key)',
      runCli(['keys', 'rotate'], { database, env: { ...env, GATEHOUSE_KEY_ENCRYPTION_KEY: short } }),
    );
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toMatch(/key_encryption_key/);
    for (const result of [wrong, wrongRotate, tooShort]) {
      expectNoSecrets(
        everything(result),
        new Map([['key_encryption_key', kek], ['other key_encryption_key', other], ...privateForms]),
        'refusal output',
      );
      expect(everything(result)).not.toContain(short);
    }
  });

  it('serve at trace level with a key_encryption_key: its own lines hold no secret; SIGTERM exits 0', async () => {
    // The in-process servers of test/e2e/secrets-not-logged.test.ts capture the log only: what
    // the serve command itself prints, and how it stops, are checked on the built CLI.
    const own = await createSqliteDatabase();
    try {
      const kek = remember('serve key_encryption_key', randomBytes(33).toString('base64url'));
      const env = { ...TRACE, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: kek };
      const server = await startServer({ database: await migrateDatabase(own), env });
      const client = await createClient(databaseArg(own), ['--grant-type', 'client_credentials'], env);
      const secret = remember('serve client secret', client.client_secret);
      const basic: [string, string] = [client.client_id, secret];
      const issued = await tokenRequest(server.url, { grant_type: 'client_credentials' }, { basic });
      expect(issued.status, issued.text).toBe(200);
      remember('serve access token', issued.json.access_token);
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const output = server.logs();
      expect(output).toContain('Gatehouse is serving');
      expect(output).toMatch(/"msg":"shutting down"/);
      expect(output).toMatch(/"path":"\/oauth\/token"/);
      expect(output).not.toContain('PRIVATE KEY');
      const used = new Map([
        ['key_encryption_key', kek],
        ['client secret', secret],
        ['access token', issued.json.access_token as string],
      ]);
      expectNoSecrets(output, used, 'serve output');
    } finally {
      await own.cleanup();
    }
  });
});
