/**
 * `serve` runs `tokens clean` by itself every cleanup_interval seconds: the built server with
 * an interval of 1 s and access tokens that live 1 s. The test waits (up to 15 s) for the
 * server's log line rather than for a fixed time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { queryRows } from '../helpers/cli.js';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { createClient, migrateDatabase, startServer, stopAllServers, tokenRequest, type CreatedClient } from '../helpers/server.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await stopAllServers();
  await Promise.all(databases.map((db) => db.cleanup()));
});

async function countAccessTokens(db: TestDatabase): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db.location, 'SELECT COUNT(*) AS n FROM access_tokens');
  return Number(row?.n ?? 0);
}

async function untilLogged(logs: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = logs()
      .split('\n')
      .find((candidate) => pattern.test(candidate));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('scheduled clean-up inside serve (cleanup_interval)', () => {
  it('deletes expired tokens without `tokens clean`, and logs what it deleted', async () => {
    const db = await createSqliteDatabase();
    databases.push(db);
    const database = await migrateDatabase(db);
    const client = (await createClient(database, ['--name', 'cleanup', '--grant-type', 'client_credentials'])) as CreatedClient & { client_secret: string };
    const server = await startServer({ database, env: { GATEHOUSE_CLEANUP_INTERVAL: '1', GATEHOUSE_ACCESS_TOKEN_LIFETIME: '1' } });
    for (let i = 0; i < 3; i++) {
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials' }, { basic: [client.client_id, client.client_secret] });
      expect(res.status).toBe(200);
    }
    expect(await countAccessTokens(db)).toBe(3);

    // Expired a second after issue; the next run after that deletes them.
    const line = await untilLogged(server.logs, /"accessTokens":[1-9]/);
    expect(JSON.parse(line)).toMatchObject({ msg: 'scheduled clean-up: expired rows deleted', deleted: { accessTokens: expect.any(Number) } });
    const deadline = Date.now() + 15_000;
    while ((await countAccessTokens(db)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await countAccessTokens(db)).toBe(0);
    // A clean stop: the schedule ends with the server.
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });

  it('cleanup_interval 0 turns it off: expired tokens stay until `tokens clean`', async () => {
    const db = await createSqliteDatabase();
    databases.push(db);
    const database = await migrateDatabase(db);
    const client = (await createClient(database, ['--name', 'no-cleanup', '--grant-type', 'client_credentials'])) as CreatedClient & { client_secret: string };
    const server = await startServer({ database, env: { GATEHOUSE_CLEANUP_INTERVAL: '0', GATEHOUSE_ACCESS_TOKEN_LIFETIME: '1' } });
    expect((await tokenRequest(server.url, { grant_type: 'client_credentials' }, { basic: [client.client_id, client.client_secret] })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(server.logs()).not.toContain('scheduled clean-up');
    expect(await countAccessTokens(db)).toBe(1);
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });
});
