/**
 * Strict refresh token rotation under concurrency, against real servers over HTTP: 20 refreshes
 * of ONE refresh token at once must yield exactly one new pair. The 19 others are reuse, which
 * revokes the family, so the winner's new refresh token is refused afterwards too.
 *
 * Per engine: one server, then two servers on the same database (for SQLite, the same file),
 * requests alternated between them. Both run in the test's process (test/harness), each with its
 * own store and connections (pool or SQLite handle), as two processes would have.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const BURST = 20;
const ROUNDS = 3;
const PASSWORD = 'concurrency is not parallelism';
const STRICT = { GATEHOUSE_REFRESH_TOKEN_GRACE_PERIOD: '0' };

describeEachEngine('concurrent refresh of one refresh token (e2e)', (factory) => {
  let client: CreatedClient & { client_secret: string };
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startTestServer({ engine: factory.engine, env: STRICT });
    const [created, other] = await Promise.all([
      first.createClient(['--grant-type', 'password', '--grant-type', 'refresh_token']),
      // Same database (for SQLite: the same file path) for both servers.
      startTestServer({ database: first.database, env: STRICT }),
      first.createUser('racer', 'racer@example.com', PASSWORD),
    ]);
    client = created as typeof client;
    second = other;
  });

  // The second server closes before the owner of the database removes it.
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const auth = () => ({ basic: [client.client_id, client.client_secret] as [string, string] });

  async function freshRefreshToken(server: TestServer): Promise<string> {
    const res = await tokenRequest(
      server.url,
      { grant_type: 'password', username: 'racer', password: PASSWORD },
      auth(),
    );
    expect(res.status, res.text).toBe(200);
    return res.json.refresh_token as string;
  }

  /** Fires BURST refreshes of `refreshToken` at once, request i going to servers[i % n]. */
  async function burst(servers: TestServer[], refreshToken: string): Promise<HttpResult[]> {
    return Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        tokenRequest(
          servers[i % servers.length]!.url,
          { grant_type: 'refresh_token', refresh_token: refreshToken },
          auth(),
        ),
      ),
    );
  }

  async function expectExactlyOneWinner(servers: TestServer[]): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const presented = await freshRefreshToken(servers[round % servers.length]!);
      const results = await burst(servers, presented);

      const outcomes = results.map((res) => (res.status === 200 ? 'ok' : `${res.status} ${res.json?.error}`));
      const winners = results.filter((res) => res.status === 200);
      expect(winners, `round ${round}: ${outcomes.join(', ')}`).toHaveLength(1);
      expect(outcomes.filter((o) => o === '400 invalid_grant')).toHaveLength(BURST - 1);

      const winner = winners[0]!.json as { refresh_token: string; access_token: string };
      expect(winner.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(winner.refresh_token).not.toBe(presented);
      // The losers presented a consumed token: reuse detection revoked the family, the winner's pair included.
      for (const server of servers) {
        const after = await tokenRequest(
          server.url,
          { grant_type: 'refresh_token', refresh_token: winner.refresh_token },
          auth(),
        );
        expect({ status: after.status, error: after.json?.error }).toEqual({ status: 400, error: 'invalid_grant' });
      }
    }
  }

  it(`one server: exactly one of ${BURST} concurrent refreshes succeeds`, async () => {
    await expectExactlyOneWinner([first]);
  });

  it(`two servers on one ${factory.engine === 'sqlite' ? 'SQLite file' : 'database'}: exactly one of ${BURST} concurrent refreshes (alternated) succeeds`, async () => {
    await expectExactlyOneWinner([first, second]);
  });
});
