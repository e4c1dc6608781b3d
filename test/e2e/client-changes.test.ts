/**
 * `gatehouse client rotate-secret` and `client delete` take effect at once on every running
 * node, although each server keeps client records in memory (src/storage/client-cache.ts):
 * two servers on one database, each with its own store and connections (test/harness, in the
 * test's process), the change made as the CLI makes it through a third store of its own
 * (test/harness/operator.ts), and the old secret refused by both servers on the very next request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import { openOperator, type Operator } from '../harness/operator.js';

const CC = { grant_type: 'client_credentials' };

function expectInvalidClient(res: HttpResult): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status: 401, error: 'invalid_client' });
}

describeEachEngine('client changes reach every running server at once (e2e)', (factory) => {
  let nodes: TestServer[];
  let operator: Operator;

  beforeAll(async () => {
    const first = await startTestServer({ engine: factory.engine });
    nodes = [first, await startTestServer({ database: first.database })];
    operator = openOperator(first.database);
  });

  // The first node owns the database: everything else on it closes before.
  afterAll(async () => {
    await operator?.close();
    await nodes?.[1]?.close();
    await nodes?.[0]?.close();
  });

  /**
   * Token requests on every node until each has served a few (its cache is filled, its listener up).
   * On PostgreSQL that is seen, not waited for: each node's cache answers from memory (its LISTEN
   * connection is up). On SQLite there is no listener, and a write from another node's connection
   * empties the cache at once (data_version), so two nodes writing tokens never hit it: the rounds
   * themselves are the warm-up. Each request is the wait; there is no pause between them.
   */
  async function warm(id: string, secret: string): Promise<void> {
    const hitsBefore = nodes.map((node) => node.store.clientCacheHits);
    const listening = () =>
      factory.engine === 'sqlite' || nodes.every((node, i) => node.store.clientCacheHits - hitsBefore[i]! >= 3);
    for (let round = 0; round < 500 && (round < 10 || !listening()); round++) {
      for (const node of nodes) expect((await tokenRequest(node.url, CC, { basic: [id, secret] })).status).toBe(200);
    }
    expect(listening()).toBe(true);
  }

  it('after rotate-secret the old secret is refused by every node on the very next request, and the new one works', async () => {
    const client = await nodes[0]!.createClient(['--grant-type', 'client_credentials']);
    const oldSecret = client.client_secret!;
    await warm(client.client_id, oldSecret);

    const newSecret = await operator.rotateSecret(client.client_id);
    expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const afterwards = await Promise.all(
      nodes.map((node) => tokenRequest(node.url, CC, { basic: [client.client_id, oldSecret] })),
    );
    for (const res of afterwards) expectInvalidClient(res);
    for (const node of nodes)
      expect((await tokenRequest(node.url, CC, { basic: [client.client_id, newSecret] })).status).toBe(200);
  });

  it('after client delete every node refuses the client on the very next request', async () => {
    const client = await nodes[0]!.createClient(['--grant-type', 'client_credentials']);
    await warm(client.client_id, client.client_secret!);

    expect(await operator.deleteClient(client.client_id)).toBe(true);

    const afterwards = await Promise.all(
      nodes.map((node) => tokenRequest(node.url, CC, { basic: [client.client_id, client.client_secret!] })),
    );
    for (const res of afterwards) expectInvalidClient(res);
  });

  it('rotated three times in a row: each new secret works and the one before is refused, on every node, at once', async () => {
    const client = await nodes[0]!.createClient(['--grant-type', 'client_credentials']);
    let previous = client.client_secret!;
    await warm(client.client_id, previous);
    for (let i = 0; i < 3; i++) {
      const secret = await operator.rotateSecret(client.client_id);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const node of nodes) {
        expectInvalidClient(await tokenRequest(node.url, CC, { basic: [client.client_id, previous] }));
        expect((await tokenRequest(node.url, CC, { basic: [client.client_id, secret] })).status).toBe(200);
      }
      previous = secret;
    }
  });
});
