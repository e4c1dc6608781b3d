/**
 * `gatehouse client rotate-secret` and `client delete` take effect at once on every running
 * node, although each server keeps client records in memory (src/storage/client-cache.ts):
 * two `gatehouse serve` processes on one database, the CLI as a third process, and the old
 * secret refused by both servers on the very next request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  createClient,
  migrateDatabase,
  runCli,
  startServer,
  stopAllServers,
  tokenRequest,
  type HttpResult,
  type RunningServer,
} from '../helpers/server.js';

const CC = { grant_type: 'client_credentials' };

function expectInvalidClient(res: HttpResult): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status: 401, error: 'invalid_client' });
}

describeEachEngine('client changes reach every running server at once (e2e)', (factory) => {
  let db: TestDatabase;
  let database: string;
  let nodes: RunningServer[];

  beforeAll(async () => {
    db = await factory.createDatabase();
    database = await migrateDatabase(db);
    nodes = await Promise.all([startServer({ database }), startServer({ database })]);
  });

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
  });

  /** Token requests on every node until each has served a few (its cache is filled, its listener up). */
  async function warm(id: string, secret: string): Promise<void> {
    for (let round = 0; round < 10; round++) {
      for (const node of nodes) expect((await tokenRequest(node.url, CC, { basic: [id, secret] })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('after rotate-secret the old secret is refused by every node on the very next request, and the new one works', async () => {
    const client = await createClient(database, ['--grant-type', 'client_credentials']);
    const oldSecret = client.client_secret!;
    await warm(client.client_id, oldSecret);

    const rotated = await runCli(['client', 'rotate-secret', client.client_id, '--json'], { database });
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = (JSON.parse(rotated.stdout) as { client_secret: string }).client_secret;

    const afterwards = await Promise.all(nodes.map((node) => tokenRequest(node.url, CC, { basic: [client.client_id, oldSecret] })));
    for (const res of afterwards) expectInvalidClient(res);
    for (const node of nodes) expect((await tokenRequest(node.url, CC, { basic: [client.client_id, newSecret] })).status).toBe(200);
  });

  it('after client delete every node refuses the client on the very next request', async () => {
    const client = await createClient(database, ['--grant-type', 'client_credentials']);
    await warm(client.client_id, client.client_secret!);

    const deleted = await runCli(['client', 'delete', client.client_id], { database });
    expect(deleted.code, deleted.stderr).toBe(0);

    const afterwards = await Promise.all(nodes.map((node) => tokenRequest(node.url, CC, { basic: [client.client_id, client.client_secret!] })));
    for (const res of afterwards) expectInvalidClient(res);
  });

  it('rotated three times in a row: each new secret works and the one before is refused, on every node, at once', async () => {
    const client = await createClient(database, ['--grant-type', 'client_credentials']);
    let previous = client.client_secret!;
    await warm(client.client_id, previous);
    for (let i = 0; i < 3; i++) {
      const rotated = await runCli(['client', 'rotate-secret', client.client_id, '--json'], { database });
      expect(rotated.code, rotated.stderr).toBe(0);
      const secret = (JSON.parse(rotated.stdout) as { client_secret: string }).client_secret;
      for (const node of nodes) {
        expectInvalidClient(await tokenRequest(node.url, CC, { basic: [client.client_id, previous] }));
        expect((await tokenRequest(node.url, CC, { basic: [client.client_id, secret] })).status).toBe(200);
      }
      previous = secret;
    }
  });
});
