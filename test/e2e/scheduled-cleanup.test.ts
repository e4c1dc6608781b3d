/**
 * `serve` runs `tokens clean` by itself every cleanup_interval seconds: the app in the test's
 * process (../harness) with an interval of 1 s and access tokens that live 1 s. The tokens expire
 * on the server's manual clock; the schedule's timer is real, so the test waits (a bounded while)
 * for the server's log line rather than for a fixed time.
 */
import { describe, expect, it } from 'vitest';
import { tokenRequest } from '../helpers/server.js';
import { startTestServer, type TestServer } from '../harness/index.js';

async function countAccessTokens(server: TestServer): Promise<number> {
  const [row] = await server.store.driver.all<{ n: number }>('SELECT COUNT(*) AS n FROM access_tokens');
  return Number(row?.n ?? 0);
}

/** A clean-up every second, of access tokens that live a second. */
const everySecond = { GATEHOUSE_CLEANUP_INTERVAL: '1', GATEHOUSE_ACCESS_TOKEN_LIFETIME: '1' };

type Confidential = { client_id: string; client_secret: string };

async function confidentialClient(server: TestServer, name: string): Promise<Confidential> {
  const client = await server.createClient(['--name', name, '--grant-type', 'client_credentials']);
  return { client_id: client.client_id, client_secret: client.client_secret! };
}

/** The log line of the server's scheduled clean-up runs, parsed. */
const cleanupLines = (server: TestServer) =>
  server
    .logs()
    .split('\n')
    .filter((line) => line.includes('scheduled clean-up'))
    .map((line) => JSON.parse(line));

describe('scheduled clean-up inside serve (cleanup_interval)', () => {
  it('deletes expired tokens without `tokens clean`, and logs what it deleted', async () => {
    const server = await startTestServer({ env: everySecond });
    const client = await confidentialClient(server, 'cleanup');
    for (let i = 0; i < 3; i++) {
      const res = await tokenRequest(
        server.url,
        { grant_type: 'client_credentials' },
        { basic: [client.client_id, client.client_secret] },
      );
      expect(res.status).toBe(200);
    }
    expect(await countAccessTokens(server)).toBe(3);

    // cleanup_interval 1: the schedule runs every second.
    expect(server.cleanupEvery).toEqual([1000]);
    // Before the tokens expire a run deletes none of them.
    await server.runScheduledCleanup();
    expect(cleanupLines(server)).toEqual([
      expect.objectContaining({
        msg: 'scheduled clean-up: expired rows deleted',
        deleted: expect.objectContaining({ accessTokens: 0 }),
      }),
    ]);
    expect(await countAccessTokens(server)).toBe(3);
    // Expired a second after issue; the next run after that deletes them and says so.
    server.clock.advance(2);
    await server.runScheduledCleanup();
    expect(cleanupLines(server)[1]).toMatchObject({
      msg: 'scheduled clean-up: expired rows deleted',
      deleted: { accessTokens: 3 },
    });
    expect(await countAccessTokens(server)).toBe(0);
    // A clean stop: the schedule ends with the server (serve's exit code on SIGTERM: test/cli/serve.test.ts).
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('cleanup_interval 0 turns it off: expired tokens stay until `tokens clean`', async () => {
    const server = await startTestServer({ env: { ...everySecond, GATEHOUSE_CLEANUP_INTERVAL: '0' } });
    // The same settings but an interval of 1 s.
    const witness = await startTestServer({ env: everySecond });
    const client = await confidentialClient(server, 'no-cleanup');
    expect(
      (
        await tokenRequest(
          server.url,
          { grant_type: 'client_credentials' },
          { basic: [client.client_id, client.client_secret] },
        )
      ).status,
    ).toBe(200);
    server.clock.advance(3);
    // Nothing was scheduled on the server; its twin with an interval of 1 s runs when ticked.
    expect(server.cleanupEvery).toEqual([]);
    expect(witness.cleanupEvery).toEqual([1000]);
    await Promise.all([server.runScheduledCleanup(), witness.runScheduledCleanup()]);
    expect(cleanupLines(witness)).toHaveLength(1);
    expect(server.logs()).not.toContain('scheduled clean-up');
    expect(await countAccessTokens(server)).toBe(1);
    await expect(server.close()).resolves.toBeUndefined();
    await witness.close();
  });
});
