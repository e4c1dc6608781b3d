/**
 * `gatehouse client …`, `gatehouse migrate` and `gatehouse tokens clean` run as `gatehouse`
 * runs them (in this process, see helpers/cli.ts), on both engines. One fresh database per engine, shared by the tests of this file (every test
 * makes its own clients, so they do not depend on each other).
 *
 * Only the command a test is about goes through the CLI: the clients that `list`, `show`, `delete`
 * and `rotate-secret` work on are registered directly on the same database (ClientRegistry, as
 * `client create` registers them).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry, type NewClient } from '../../src/core/clients.js';
import { migrations as schemaMigrations } from '../../src/storage/migrations/index.js';
import type { ClientRecord } from '../../src/storage/store.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import type { CreatedClient } from '../helpers/server.js';
import {
  databaseUrl,
  describeResult,
  expectMisuse,
  expectSuccess,
  lines,
  parseJson,
  queryRows,
  runCli,
  type CliResult,
  type RunOptions,
} from '../helpers/cli.js';

interface ClientRow {
  id: string;
  name: string;
  secret_hash: string | null;
  is_public: boolean | number;
  redirect_uris: string;
  grant_types: string;
  scopes: string | null;
  trusted: boolean | number;
  allowed_resources: string | null;
  created_at: number | string;
}

const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Why the CLI cannot know whether an extension grant exists. */
const WHY_WARNED = '(a process that runs extensions registers them in code the CLI never loads)';
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

describeEachEngine('gatehouse client', (factory) => {
  let db: TestDatabase;
  let dir: string;
  let url: string;
  let migrations: CliResult[];
  let registry: ClientRegistry;

  /** Runs the CLI against this suite's database, in a scratch working directory. */
  const cli = (args: string[], options: RunOptions = {}) =>
    runCli([...args, '--database', url], { cwd: dir, ...options });
  const create = async (args: string[], options: RunOptions = {}) => {
    const result = await cli(['client', 'create', ...args, '--json'], options);
    // A browser-flow client created without a redirect URI is warned about (client-update.test.ts): nothing else.
    expectSuccess({
      ...result,
      stderr: result.stderr.replace(/^warning: authorization_code needs a redirect URI.*\n$/, ''),
    });
    return parseJson<CreatedClient>(result);
  };
  /** Setup: a client registered in-process, with the two fields the tests use from `client create --json`. */
  const addClient = async (input: NewClient) => {
    const { client, secret } = await registry.create(input);
    return { client_id: client.id, client_secret: secret };
  };
  const row = async (id: string) =>
    (await queryRows<ClientRow>(db.location, 'SELECT * FROM clients WHERE id = ?', [id]))[0];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-client-'));
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
    // The database is fresh: the first `migrate` applies everything, the second nothing.
    migrations = [await cli(['migrate']), await cli(['migrate'])];
    registry = new ClientRegistry(db.open());
  });

  afterAll(async () => {
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('migrate', () => {
    it('applies every migration on a fresh database, then says it is up to date', () => {
      const [first, second] = migrations;
      expectSuccess(first!);
      expect(first!.stdout).toBe(`Applied migrations: ${schemaMigrations.map((m) => m.version).join(', ')}.\n`);
      expectSuccess(second!);
      expect(second!.stdout).toBe('The database is up to date.\n');
    });
  });

  describe('client create', () => {
    it('--json prints the id and secret; default grant types are exactly authorization_code and refresh_token', async () => {
      const created = await create(['--name', 'Default Client']);
      expect(created).toMatchObject({
        name: 'Default Client',
        public: false,
        redirect_uris: [],
        scope: null,
      });
      expect(created.client_id).toEqual(expect.any(String));
      expect(created.client_id.length).toBeGreaterThan(0);
      expect(created.client_secret).toMatch(SECRET);
      expect(created.grant_types).toEqual(['authorization_code', 'refresh_token']);
      expect(created.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const stored = await row(created.client_id);
      expect(stored).toBeDefined();
      expect(JSON.parse(stored!.grant_types)).toEqual(['authorization_code', 'refresh_token']);
    });

    it('stores only the base64url SHA-256 of the secret: the plaintext is nowhere in the row', async () => {
      const created = await create(['--name', 'Hashed Secret']);
      const secret = created.client_secret!;
      const stored = await row(created.client_id);
      expect(stored).toBeDefined();
      expect(stored!.secret_hash).toBe(sha256(secret));
      expect(stored!.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const [column, value] of Object.entries(stored!)) {
        expect(String(value), `column ${column}`).not.toContain(secret);
      }
      expect(JSON.stringify(stored)).not.toContain(secret);
    });

    it('--grant-type and --redirect-uri are repeatable', async () => {
      const created = await create([
        '--name',
        'Repeated Options',
        '--grant-type',
        'client_credentials',
        '--grant-type',
        'password',
        '--redirect-uri',
        'https://app.example.com/callback',
        '--redirect-uri',
        'http://127.0.0.1:9000/cb',
      ]);
      expect(created.grant_types).toEqual(['client_credentials', 'password']);
      expect(created.redirect_uris).toEqual(['https://app.example.com/callback', 'http://127.0.0.1:9000/cb']);
      const stored = await row(created.client_id);
      expect(JSON.parse(stored!.grant_types)).toEqual(['client_credentials', 'password']);
      expect(JSON.parse(stored!.redirect_uris)).toEqual([
        'https://app.example.com/callback',
        'http://127.0.0.1:9000/cb',
      ]);
    });

    it('--resource (RFC 8707) is repeatable, stored, shown by show and list; a relative URI or a fragment is misuse', async () => {
      const created = await create([
        '--name',
        'Resourceful',
        '--grant-type',
        'client_credentials',
        '--resource',
        'https://api.example.com/',
        '--resource',
        'urn:example:billing',
      ]);
      expect(created.resources).toEqual(['https://api.example.com/', 'urn:example:billing']);
      const stored = await row(created.client_id);
      expect(JSON.parse(stored!.allowed_resources!)).toEqual(['https://api.example.com/', 'urn:example:billing']);

      const [show, showJson, list] = await Promise.all([
        cli(['client', 'show', created.client_id]),
        cli(['client', 'show', created.client_id, '--json']),
        cli(['client', 'list']),
      ]);
      expectSuccess(show);
      expect(show.stdout).toMatch(/^resources:\s+https:\/\/api\.example\.com\/ urn:example:billing$/m);
      expectSuccess(showJson);
      expect(parseJson<CreatedClient>(showJson).resources).toEqual(['https://api.example.com/', 'urn:example:billing']);
      expectSuccess(list);
      expect(lines(list.stdout).find((line) => line.startsWith(created.client_id))).toMatch(
        /client_credentials\s+https:\/\/api\.example\.com\/,urn:example:billing\s+-$/,
      );

      const plain = await create(['--name', 'No Resources']);
      expect(plain.resources).toEqual([]);
      expect((await row(plain.client_id))!.allowed_resources).toBeNull();

      const before = (await queryRows(db.location, 'SELECT id FROM clients')).length;
      const refused = await Promise.all([
        cli(['client', 'create', '--name', 'Relative', '--resource', '/api', '--json']),
        cli(['client', 'create', '--name', 'Fragment', '--resource', 'https://api.example.com/#x', '--json']),
      ]);
      expectMisuse(refused[0]!, /absolute URI/);
      expectMisuse(refused[1]!, /fragment/);
      expect((await queryRows(db.location, 'SELECT id FROM clients')).length).toBe(before);
    });

    it('--scope is stored when every scope is in supported_scopes; an unsupported scope is misuse', async () => {
      const env = { GATEHOUSE_SUPPORTED_SCOPES: 'read write' };
      const [ok, unsupported, notConfigured] = await Promise.all([
        cli(
          [
            'client',
            'create',
            '--name',
            'Scoped',
            '--scope',
            'read write',
            '--grant-type',
            'client_credentials',
            '--json',
          ],
          {
            env,
          },
        ),
        cli(['client', 'create', '--name', 'Too Wide', '--scope', 'read admin', '--json'], { env }),
        cli(['client', 'create', '--name', 'No Scopes Configured', '--scope', 'read', '--json']),
      ]);
      expectSuccess(ok);
      const created = parseJson<CreatedClient>(ok);
      expect(created.scope).toBe('read write');
      expect(JSON.parse((await row(created.client_id))!.scopes!)).toEqual(['read', 'write']);

      expectMisuse(unsupported, /admin/);
      expect(unsupported.stdout).toBe('');
      expectMisuse(notConfigured, /supported_scopes/);
    });

    it('--public makes a client without a secret', async () => {
      const created = await create([
        '--name',
        'Public SPA',
        '--public',
        '--redirect-uri',
        'https://spa.example.com/cb',
      ]);
      expect(created.public).toBe(true);
      expect(created.client_secret).toBeNull();
      const stored = await row(created.client_id);
      expect(stored!.secret_hash).toBeNull();
      expect(Boolean(stored!.is_public)).toBe(true);
    });

    it('--trusted marks a first-party client (never asked for consent); clients are untrusted by default', async () => {
      const [trusted, ordinary] = await Promise.all([
        create(['--name', 'First Party', '--trusted', '--redirect-uri', 'https://app.example.com/cb']),
        create(['--name', 'Third Party', '--redirect-uri', 'https://other.example.com/cb']),
      ]);
      expect(trusted.trusted).toBe(true);
      expect(Boolean((await row(trusted.client_id))!.trusted)).toBe(true);
      expect(ordinary.trusted).toBe(false);
      expect(Boolean((await row(ordinary.client_id))!.trusted)).toBe(false);
    });

    it('refuses impossible clients with exit code 2 and one line, and stores nothing', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['--public', '--grant-type', 'client_credentials'], /client_credentials/],
        [['--grant-type', 'telepathy'], /telepathy/],
        [['--grant-type', 'refresh_token', '--grant-type', 'Password'], /Password/],
        [['--redirect-uri', 'https://app.example.com/cb#fragment'], /fragment/],
        [['--redirect-uri', '/relative/callback'], /absolute/],
        [['--redirect-uri', 'app.example.com/cb'], /absolute/],
        [['--redirect-uri', 'https://ok.example.com/cb', '--redirect-uri', 'https://bad.example.com/#'], /fragment/],
        [['--redirect-uri', 'javascript:alert(1)'], /scheme/],
      ];
      const before = (await queryRows(db.location, 'SELECT id FROM clients')).length;
      const results = await Promise.all([
        ...cases.map(([args]) => cli(['client', 'create', '--name', 'Refused', ...args, '--json'])),
        cli(['client', 'create', '--name', '   ', '--json']),
      ]);
      cases.push([['--name', '   '], /name/]);
      results.forEach((result, i) => {
        expectMisuse(result, cases[i]![1]);
        expect(result.stdout, `case ${cases[i]![0].join(' ')}`).toBe('');
      });
      expect((await queryRows(db.location, 'SELECT id FROM clients')).length).toBe(before);
    });

    it('--exchange-audience (repeatable) and --may-impersonate set the token exchange policy; show and list print it', async () => {
      const exchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
      const created = await create([
        '--name',
        'Gateway',
        '--grant-type',
        exchange,
        '--exchange-audience',
        'orders',
        '--exchange-audience',
        'https://orders.example/api',
        '--may-impersonate',
      ]);
      expect(created).toMatchObject({
        grant_types: [exchange],
        exchange_audiences: ['orders', 'https://orders.example/api'],
        may_impersonate: true,
      });
      const stored = (await row(created.client_id)) as unknown as Record<string, unknown>;
      expect(JSON.parse(String(stored.exchange_audiences))).toEqual(['orders', 'https://orders.example/api']);
      expect(Boolean(stored.may_impersonate)).toBe(true);
      const plain = await create(['--name', 'Delegate only', '--grant-type', exchange]);
      expect(plain).toMatchObject({ exchange_audiences: [], may_impersonate: false });

      const [human, list] = await Promise.all([
        cli(['client', 'show', created.client_id]),
        cli(['client', 'list', '--json']),
      ]);
      expectSuccess(human);
      expect(human.stdout).toContain('exchange for:  orders https://orders.example/api');
      expect(human.stdout).toContain('impersonate:   may exchange without actor_token');
      expectSuccess(list);
      expect(parseJson<CreatedClient[]>(list).find((c) => c.client_id === created.client_id)).toMatchObject({
        exchange_audiences: ['orders', 'https://orders.example/api'],
        may_impersonate: true,
      });

      // A policy without the grant, or an audience with a space, is misuse and stores nothing.
      const before = (await queryRows(db.location, 'SELECT id FROM clients')).length;
      const refused = await Promise.all([
        cli(['client', 'create', '--name', 'No grant', '--may-impersonate', '--json']),
        cli(['client', 'create', '--name', 'No grant', '--exchange-audience', 'orders', '--json']),
        cli(['client', 'create', '--name', 'Bad', '--grant-type', exchange, '--exchange-audience', 'two words']),
      ]);
      expectMisuse(refused[0]!, /--grant-type urn:ietf:params:oauth:grant-type:token-exchange/);
      expectMisuse(refused[1]!, /--grant-type urn:ietf:params:oauth:grant-type:token-exchange/);
      expectMisuse(refused[2]!, /exchange audience/);
      expect((await queryRows(db.location, 'SELECT id FROM clients')).length).toBe(before);
    });

    it("--grant-type takes an extension grant's absolute URI, warning on stderr that no built-in has it", async () => {
      const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      const custom = 'https://grants.example.com/delegation';
      const result = await cli([
        'client',
        'create',
        '--name',
        'Extension Grants',
        '--grant-type',
        'client_credentials',
        '--grant-type',
        jwtBearer,
        '--grant-type',
        custom,
        '--json',
      ]);
      expect(result.code, describeResult(result)).toBe(0);
      const created = parseJson<CreatedClient>(result);
      expect(created.grant_types).toEqual(['client_credentials', jwtBearer, custom]);
      const stored = JSON.parse((await row(created.client_id))!.grant_types);
      expect(stored).toEqual(['client_credentials', jwtBearer, custom]);
      // One warning per extension grant type, none for the built-in ones (jwt-bearer is built in: RFC 7523).
      const warnings = lines(result.stderr);
      expect(warnings).toEqual([`warning: no built-in grant has the type ${custom} ${WHY_WARNED}`]);
    });

    it('built-in grant types print no warning; --help lists them and mentions extension URIs', async () => {
      const [builtIn, help] = await Promise.all([
        cli([
          'client',
          'create',
          '--name',
          'Every Built-in Grant',
          '--grant-type',
          'authorization_code',
          '--grant-type',
          'refresh_token',
          '--grant-type',
          'password',
          '--grant-type',
          'client_credentials',
          '--grant-type',
          'implicit',
          '--grant-type',
          'urn:ietf:params:oauth:grant-type:device_code',
          '--redirect-uri',
          'https://app.example.com/cb',
          '--json',
        ]),
        runCli(['client', 'create', '--help']),
      ]);
      expectSuccess(builtIn);
      const builtInNames = [
        'authorization_code',
        'refresh_token',
        'password',
        'client_credentials',
        'implicit',
        'urn:ietf:params:oauth:grant-type:device_code',
      ];
      expect(parseJson<CreatedClient>(builtIn).grant_types).toEqual(builtInNames);
      expectSuccess(help);
      const text = help.stdout.replace(/\s+/g, ' ');
      for (const name of builtInNames) expect(text).toContain(name);
      expect(text).toMatch(/absolute URI/);
    });

    it('refuses a grant type that is neither built in nor an absolute URI, and stores nothing', async () => {
      const before = (await queryRows(db.location, 'SELECT id FROM clients')).length;
      const refused = await Promise.all(
        ['jwt-bearer', 'urn', 'https://grants.example.com/x#frag', 'urn:with space'].map((grantType) =>
          cli(['client', 'create', '--name', 'Refused Grant', '--grant-type', grantType, '--json']),
        ),
      );
      for (const result of refused) {
        expectMisuse(result, /unknown grant type/);
        expect(result.stderr).toMatch(/absolute URI/);
        expect(result.stdout).toBe('');
      }
      expect((await queryRows(db.location, 'SELECT id FROM clients')).length).toBe(before);
    });

    it('refuses every unsafe redirect URI with exit code 2 and a one-line reason, and stores nothing', async () => {
      const cases: Array<[string, RegExp]> = [
        ['https://app.example/cb\r\nSet-Cookie: a=b', /line break/],
        ['https://app.example/caf\u00e9', /non-ASCII/],
        ['javascript:alert(1)', /javascript:/],
        ['https://a@b.example/cb', /user name or password/],
        ['https://app.example/cb#x', /fragment/],
        ['http://app.example/cb', /plain http.*--allow-insecure-http/],
        ['myapp:/cb', /reverse domain/],
      ];
      const before = (await queryRows(db.location, 'SELECT id FROM clients')).length;
      const results = await Promise.all(
        cases.map(([uri]) =>
          cli([
            'client',
            'create',
            '--name',
            'Unsafe',
            '--redirect-uri',
            'https://ok.example/cb',
            '--redirect-uri',
            uri,
            '--json',
          ]),
        ),
      );
      results.forEach((result, i) => {
        expectMisuse(result, cases[i]![1]);
        expect(result.stderr, JSON.stringify(cases[i]![0])).toMatch(/redirect URI/);
        expect(result.stdout).toBe('');
      });
      expect((await queryRows(db.location, 'SELECT id FROM clients')).length).toBe(before);
    }, 90_000);

    it('accepts https, loopback http and reverse-domain private-use schemes; --allow-insecure-http only adds plain http elsewhere', async () => {
      const [fine, dev, stillRefused] = await Promise.all([
        create([
          '--name',
          'Fine URIs',
          '--public',
          '--redirect-uri',
          'https://app.example/cb',
          '--redirect-uri',
          'http://127.0.0.1/cb',
          '--redirect-uri',
          'http://[::1]:8080/cb',
          '--redirect-uri',
          'http://localhost:3000/cb',
          '--redirect-uri',
          'com.example.app:/oauth2redirect',
        ]),
        create(['--name', 'Dev Only', '--allow-insecure-http', '--redirect-uri', 'http://dev.internal:8080/cb']),
        cli([
          'client',
          'create',
          '--name',
          'Still Refused',
          '--allow-insecure-http',
          '--redirect-uri',
          'http://a@dev.internal/cb\r\n',
          '--json',
        ]),
      ]);
      expect(fine.redirect_uris).toEqual([
        'https://app.example/cb',
        'http://127.0.0.1/cb',
        'http://[::1]:8080/cb',
        'http://localhost:3000/cb',
        'com.example.app:/oauth2redirect',
      ]);
      expect(dev.redirect_uris).toEqual(['http://dev.internal:8080/cb']);
      expect(JSON.parse((await row(dev.client_id))!.redirect_uris)).toEqual(['http://dev.internal:8080/cb']);
      // Nothing else: the rest stay refused.
      expectMisuse(stillRefused, /redirect URI.*line break/);
    }, 90_000);

    it('human output shows the secret exactly once, with a warning to store it', async () => {
      const result = await cli([
        'client',
        'create',
        '--name',
        'Human Output',
        '--redirect-uri',
        'https://app.example/cb',
      ]);
      expectSuccess(result);
      const secret = /^client_secret:\s+(\S+)$/m.exec(result.stdout)?.[1];
      expect(secret, result.stdout).toMatch(SECRET);
      expect(result.stdout.split(secret!).length - 1).toBe(1);
      expect(result.stdout).toMatch(/store the secret/i);
      expect(result.stdout).toMatch(/cannot show it again/i);
      const id = /^client_id:\s+(\S+)$/m.exec(result.stdout)?.[1];
      expect(id).toBeDefined();
      expect((await row(id!))!.secret_hash).toBe(sha256(secret!));
    });

    it('human output of a public client has no secret line and no warning', async () => {
      const result = await cli([
        'client',
        'create',
        '--name',
        'Human Public',
        '--public',
        '--redirect-uri',
        'http://127.0.0.1/cb',
      ]);
      expectSuccess(result);
      expect(result.stdout).not.toMatch(/client_secret/);
      expect(result.stdout).not.toMatch(/store the secret/i);
      expect(result.stdout).toMatch(/public/);
    });
  });

  describe('client list / show / delete / rotate-secret', () => {
    it('list prints a table and --json an array with every client (and no secrets)', async () => {
      const [a, b] = await Promise.all([
        addClient({ name: 'Listed A' }),
        addClient({ name: 'Listed B', isPublic: true, grantTypes: ['authorization_code'] }),
      ]);
      const [table, json] = await Promise.all([cli(['client', 'list']), cli(['client', 'list', '--json'])]);
      expectSuccess(table);
      const tableLines = lines(table.stdout);
      expect(tableLines[0]).toMatch(/^CLIENT_ID\s+NAME\s+TYPE\s+GRANT TYPES\s+RESOURCES\s+ORIGINS$/);
      const rowA = tableLines.find((line) => line.startsWith(a.client_id));
      const rowB = tableLines.find((line) => line.startsWith(b.client_id));
      expect(rowA).toMatch(/Listed A\s+confidential\s+authorization_code,refresh_token\s+-\s+-$/);
      expect(rowB).toMatch(/Listed B\s+public\s+authorization_code\s+-\s+-$/);
      expect(table.stdout).not.toContain(a.client_secret!);

      expectSuccess(json);
      const listed = parseJson<CreatedClient[]>(json);
      expect(Array.isArray(listed)).toBe(true);
      expect(listed.find((c) => c.client_id === a.client_id)).toMatchObject({ name: 'Listed A', public: false });
      expect(listed.find((c) => c.client_id === b.client_id)).toMatchObject({
        name: 'Listed B',
        public: true,
        grant_types: ['authorization_code'],
      });
      expect(json.stdout).not.toContain(a.client_secret!);
      for (const client of listed) {
        expect(client).not.toHaveProperty('client_secret');
        expect(client).not.toHaveProperty('secret_hash');
      }
    });

    it('show prints one client without its secret (or its hash); an unknown id is misuse', async () => {
      const created = await addClient({ name: 'Shown', redirectUris: ['https://shown.example.com/cb'] });
      const hash = sha256(created.client_secret!);
      const [human, json, unknown, unknownJson] = await Promise.all([
        cli(['client', 'show', created.client_id]),
        cli(['client', 'show', created.client_id, '--json']),
        cli(['client', 'show', 'no-such-client']),
        cli(['client', 'show', 'no-such-client', '--json']),
      ]);
      expectSuccess(human);
      expect(human.stdout).toContain(created.client_id);
      expect(human.stdout).toContain('Shown');
      expect(human.stdout).toContain('https://shown.example.com/cb');
      expect(human.stdout).not.toContain(created.client_secret!);
      expect(human.stdout).not.toContain(hash);
      expect(human.stdout).not.toMatch(/client_secret/);

      expectSuccess(json);
      const shown = parseJson<Record<string, unknown>>(json);
      expect(shown).toMatchObject({
        client_id: created.client_id,
        name: 'Shown',
        redirect_uris: ['https://shown.example.com/cb'],
      });
      expect(shown).not.toHaveProperty('client_secret');
      expect(json.stdout).not.toContain(created.client_secret!);
      expect(json.stdout).not.toContain(hash);

      expectMisuse(unknown, /no-such-client/);
      expect(unknown.stdout).toBe('');
      expectMisuse(unknownJson, /no-such-client/);
    });

    it('delete removes the client: show is then misuse, and so is deleting it again', async () => {
      const created = await addClient({ name: 'Doomed' });
      const deleted = await cli(['client', 'delete', created.client_id]);
      expectSuccess(deleted);
      expect(deleted.stdout).toContain(created.client_id);
      const [show, again] = await Promise.all([
        cli(['client', 'show', created.client_id]),
        cli(['client', 'delete', created.client_id]),
      ]);
      expectMisuse(show, new RegExp(created.client_id));
      expectMisuse(again, new RegExp(created.client_id));
      expect(await row(created.client_id)).toBeUndefined();
    });

    it('rotate-secret prints a new secret; only its hash is stored and the old one is gone', async () => {
      const created = await addClient({ name: 'Rotated' });
      const human = await cli(['client', 'rotate-secret', created.client_id]);
      expectSuccess(human);
      const secret = /^client_secret:\s+(\S+)$/m.exec(human.stdout)?.[1];
      expect(secret).toMatch(SECRET);
      expect(secret).not.toBe(created.client_secret);
      expect(human.stdout).toMatch(/previous secret no longer works/i);
      expect((await row(created.client_id))!.secret_hash).toBe(sha256(secret!));

      const json = await cli(['client', 'rotate-secret', created.client_id, '--json']);
      expectSuccess(json);
      const rotated = parseJson<{ client_id: string; client_secret: string }>(json);
      expect(rotated.client_id).toBe(created.client_id);
      expect(rotated.client_secret).toMatch(SECRET);
      expect(new Set([created.client_secret, secret, rotated.client_secret]).size).toBe(3);
      const stored = await row(created.client_id);
      expect(stored!.secret_hash).toBe(sha256(rotated.client_secret));
      expect(JSON.stringify(stored)).not.toContain(rotated.client_secret);
    });

    it('rotate-secret on a public client or an unknown id is misuse and changes nothing', async () => {
      const created = await addClient({ name: 'Public Rotation', isPublic: true });
      const [publicClient, unknown] = await Promise.all([
        cli(['client', 'rotate-secret', created.client_id]),
        cli(['client', 'rotate-secret', 'no-such-client']),
      ]);
      expectMisuse(publicClient, /public/);
      expect(publicClient.stdout).toBe('');
      expectMisuse(unknown, /no-such-client/);
      expect((await row(created.client_id))!.secret_hash).toBeNull();
    });
  });

  describe('tokens clean', () => {
    let store: SqlStore;

    beforeAll(() => {
      store = db.open();
    });

    it('deletes the expired tokens and codes, prints the counts and keeps the live rows', async () => {
      const now = Math.floor(Date.now() / 1000);
      const client: ClientRecord = {
        id: `tokens-clean-${factory.engine}`,
        name: 'Token Owner',
        secretHash: sha256('not a real secret'),
        isPublic: false,
        redirectUris: ['https://tokens.example.com/cb'],
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        scopes: null,
        trusted: false,
        canIntrospect: false,
        allowedResources: null,
        createdAt: now,
      };
      await store.createClient(client);
      const userId = `tokens-clean-user-${factory.engine}`;
      await store.createUser({
        id: userId,
        username: `tokens-${factory.engine}`,
        usernameCanonical: `tokens-${factory.engine}`,
        email: `tokens-${factory.engine}@example.com`,
        emailCanonical: `tokens-${factory.engine}@example.com`,
        awaitingConfirmation: false,
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$placeholder$placeholder',
        enabled: true,
        roles: [],
        createdAt: now,
        updatedAt: now,
      });

      const access = (hash: string, expiresAt: number) => ({
        tokenHash: hash,
        jti: `jti-${hash}`,
        familyId: `family-${hash}`,
        clientId: client.id,
        userId,
        scope: '',
        issuedAt: now - 7200,
        expiresAt,
        revokedAt: null,
      });
      const refresh = (hash: string, expiresAt: number) => ({
        tokenHash: hash,
        familyId: `family-${hash}`,
        parentHash: null,
        clientId: client.id,
        userId,
        scope: '',
        issuedAt: now - 7200,
        expiresAt,
        consumedAt: null,
        revokedAt: null,
      });
      // Expired: 4 access tokens, 2 refresh tokens, 1 code.
      await store.issueTokens({
        accessToken: access('at-expired-1', now - 3600),
        refreshToken: refresh('rt-expired-1', now - 60),
      });
      await store.issueTokens({ accessToken: access('at-expired-2', now - 1) });
      await store.issueTokens({
        accessToken: access('at-expired-3', now - 100),
        refreshToken: refresh('rt-expired-2', now - 100),
      });
      // An expired access token whose refresh token is still valid: only the access token goes.
      await store.issueTokens({
        accessToken: access('at-expired-4', now - 10),
        refreshToken: refresh('rt-live-2', now + 86_400),
      });
      // Live.
      await store.issueTokens({
        accessToken: access('at-live-1', now + 3600),
        refreshToken: refresh('rt-live-1', now + 86_400),
      });
      await store.issueTokens({ accessToken: access('at-live-2', now + 3600) });
      const code = (hash: string, expiresAt: number) => ({
        codeHash: hash,
        familyId: `family-${hash}`,
        clientId: client.id,
        userId,
        redirectUri: 'https://tokens.example.com/cb',
        redirectUriGiven: true,
        scope: '',
        codeChallenge: null,
        codeChallengeMethod: null,
        issuedAt: now - 60,
        expiresAt,
        consumedAt: null,
      });
      await store.saveAuthorizationCode(code('code-expired-1', now - 30));
      await store.saveAuthorizationCode(code('code-live-1', now + 600));

      const result = await cli(['tokens', 'clean']);
      expectSuccess(result);
      expect(result.stdout).toBe(
        'Deleted 4 expired access tokens, 2 refresh tokens, 1 authorization codes, 0 sessions, 0 retired signing keys, 0 idle sign-in failure counters, 0 expired device cookies and known accounts, 0 expired confirmation and reset links, 0 never-confirmed accounts, 0 unanswered consent pages, 0 expired device authorizations, 0 expired assertion ids, 0 unanswered sign-out pages, 0 given-up back-channel logouts, 0 spent OpenID sign-ins and 0 audit events older than audit.retention.\n',
      );

      const hashes = async (table: string, key: string) =>
        (
          await queryRows<{ h: string }>(
            db.location,
            `SELECT ${key} AS h FROM ${table} WHERE client_id = ? ORDER BY ${key}`,
            [client.id],
          )
        ).map((r) => r.h);
      expect(await hashes('access_tokens', 'token_hash')).toEqual(['at-live-1', 'at-live-2']);
      expect(await hashes('refresh_tokens', 'token_hash')).toEqual(['rt-live-1', 'rt-live-2']);
      expect(await hashes('authorization_codes', 'code_hash')).toEqual(['code-live-1']);

      // Nothing left to clean: the counts are zero, in JSON too.
      const json = await cli(['tokens', 'clean', '--json']);
      expectSuccess(json);
      expect(parseJson(json)).toEqual({
        accessTokens: 0,
        refreshTokens: 0,
        authorizationCodes: 0,
        sessions: 0,
        signingKeys: 0,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
        auditEvents: 0,
      });

      // Deleting the client deletes every token and code issued to it.
      expectSuccess(await cli(['client', 'delete', client.id]));
      expect(await hashes('access_tokens', 'token_hash')).toEqual([]);
      expect(await hashes('refresh_tokens', 'token_hash')).toEqual([]);
      expect(await hashes('authorization_codes', 'code_hash')).toEqual([]);
    });
  });

  describe('working directory', () => {
    it('no command fell back to the default sqlite:./data/gatehouse.db (runs last)', () => {
      expect(existsSync(join(dir, 'data'))).toBe(false);
    });
  });
});
