/**
 * `gatehouse client create --allowed-origin` (CORS, issue 18 §2): validated as the redirect URI
 * rules say, stored as a browser sends it, shown by show and list; a public client's redirect URI
 * origins count by default, a confidential client's do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  databaseUrl,
  expectMisuse,
  expectSuccess,
  lines,
  parseJson,
  queryRows,
  runCli,
  type CliResult,
} from '../helpers/cli.js';

interface Described {
  client_id: string;
  allowed_origins: string[];
  cors_origins: string[];
}

describeEachEngine('gatehouse client --allowed-origin', (factory) => {
  let db: TestDatabase;
  let url: string;
  const cli = (args: string[]): Promise<CliResult> => runCli([...args, '--database', url]);
  const create = async (args: string[]) => {
    const result = await cli(['client', 'create', ...args, '--json']);
    expectSuccess(result);
    return parseJson<Described>(result);
  };
  const registered = async (origin: string) =>
    (await queryRows(db.location, 'SELECT client_id FROM client_origins WHERE origin = ?', [origin])).length;

  beforeAll(async () => {
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
    expectSuccess(await cli(['migrate']));
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  describe('client create', () => {
    it('is repeatable, stores each origin as a browser sends it, and show and list print them', async () => {
      const created = await create([
        '--name',
        'Web app',
        '--redirect-uri',
        'https://web.example/callback',
        '--allowed-origin',
        'HTTPS://App.Example:443',
        '--allowed-origin',
        'http://localhost:5173',
      ]);
      expect(created.allowed_origins).toEqual(['https://app.example', 'http://localhost:5173']);
      // A confidential client's redirect URIs do not count.
      expect(created.cors_origins).toEqual(['https://app.example', 'http://localhost:5173']);
      expect(await registered('https://app.example')).toBe(1);
      expect(await registered('https://web.example')).toBe(0);

      const [show, showJson, list] = await Promise.all([
        cli(['client', 'show', created.client_id]),
        cli(['client', 'show', created.client_id, '--json']),
        cli(['client', 'list']),
      ]);
      expectSuccess(show);
      expect(show.stdout).toMatch(/^origins:\s+https:\/\/app\.example http:\/\/localhost:5173$/m);
      expect(parseJson<Described>(showJson).allowed_origins).toEqual(['https://app.example', 'http://localhost:5173']);
      expectSuccess(list);
      expect(lines(list.stdout).find((line) => line.startsWith(created.client_id))).toMatch(
        /https:\/\/app\.example,http:\/\/localhost:5173$/,
      );
    });

    it("a public client's redirect URI origins count without --allowed-origin", async () => {
      const spa = await create([
        '--name',
        'SPA',
        '--public',
        '--redirect-uri',
        'https://spa.example/callback',
        '--redirect-uri',
        'com.example.app:/cb',
      ]);
      expect(spa.allowed_origins).toEqual([]);
      expect(spa.cors_origins).toEqual(['https://spa.example']);
      expect(await registered('https://spa.example')).toBe(1);
      const show = await cli(['client', 'show', spa.client_id]);
      expect(show.stdout).toMatch(/^origins:\s+https:\/\/spa\.example$/m);
    });

    it('a client without origins says so', async () => {
      const plain = await create(['--name', 'Server side', '--redirect-uri', 'https://server.example/cb']);
      expect(plain.cors_origins).toEqual([]);
      expect((await cli(['client', 'show', plain.client_id])).stdout).toMatch(/^origins:\s+\(none/m);
    });

    it('refuses what is not an origin with exit code 2 and one line, and stores nothing', async () => {
      const cases: Array<[string, RegExp]> = [
        ['https://app.example/', /without a path/],
        ['https://app.example/callback', /without a path/],
        ['https://user@app.example', /user name or password/],
        ['https://*.app.example', /wildcard/],
        ['null', /"null"/],
        ['http://app.example', /plain http/],
        ['app.example', /not an origin/],
      ];
      const before = (await queryRows(db.location, 'SELECT id FROM clients')).length;
      const results = await Promise.all(
        cases.map(([origin]) => cli(['client', 'create', '--name', 'Refused', '--allowed-origin', origin, '--json'])),
      );
      results.forEach((result, i) => {
        expectMisuse(result, cases[i]![1]);
        expect(result.stdout).toBe('');
      });
      expect((await queryRows(db.location, 'SELECT id FROM clients')).length).toBe(before);
    });

    it('--allow-insecure-http also admits a plain http origin that is not loopback (development)', async () => {
      const dev = await create([
        '--name',
        'Dev',
        '--grant-type',
        'client_credentials',
        '--allowed-origin',
        'http://app.test',
        '--allow-insecure-http',
      ]);
      expect(dev.allowed_origins).toEqual(['http://app.test']);
    });
  });
});
