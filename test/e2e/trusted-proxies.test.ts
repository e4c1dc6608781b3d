/**
 * Whose address the brute-force throttle counts: the connection's, unless the request comes
 * from a configured trusted proxy, whose X-Forwarded-For then names the client. Password grant
 * over HTTP against two in-process servers (test/harness) on one SQLite database, threshold 2: a
 * third failure blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const THROTTLE = { GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2' };

describe('throttling and trusted_proxies (e2e)', () => {
  let client: CreatedClient & { client_secret: string };
  let direct: TestServer;
  let proxied: TestServer;

  beforeAll(async () => {
    direct = await startTestServer({ engine: 'sqlite', env: THROTTLE });
    client = (await direct.createClient(['--grant-type', 'password'])) as typeof client;
    await Promise.all(['direct', 'proxied'].map((name) => direct.createUser(name, `${name}@example.com`, PASSWORD)));
    proxied = await startTestServer({
      database: direct.database,
      env: { ...THROTTLE, GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' },
    });
  });
  // The second server closes before the owner of the database removes it.
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  const attempt = (server: TestServer, username: string, password: string, forwardedFor?: string) =>
    tokenRequest(
      server.url,
      { grant_type: 'password', username, password },
      {
        basic: [client.client_id, client.client_secret],
        headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      },
    );

  it('without trusted proxies, X-Forwarded-For is ignored: changing it does not escape the block', async () => {
    for (const [i, spoofed] of ['203.0.113.1', '203.0.113.2', '203.0.113.3'].entries()) {
      const failed = await attempt(direct, 'direct', 'wrong password', spoofed);
      expect(failed.json.error, `attempt ${i + 1}`).toBe('invalid_grant');
    }
    const blocked = await attempt(direct, 'direct', PASSWORD, '203.0.113.4');
    expect(blocked.status).toBe(400);
    expect(blocked.json.error_description).toMatch(/too many failed sign-in attempts/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('behind a trusted proxy, each client address is counted apart: one blocked, another not', async () => {
    for (let i = 0; i < 3; i++) await attempt(proxied, 'proxied', 'wrong password', '198.51.100.7');
    const blocked = await attempt(proxied, 'proxied', PASSWORD, '198.51.100.7');
    expect(blocked.json.error_description).toMatch(/too many failed sign-in attempts/);
    const elsewhere = await attempt(proxied, 'proxied', PASSWORD, '198.51.100.8');
    expect(elsewhere.status, elsewhere.text).toBe(200);
    expect(typeof elsewhere.json.access_token).toBe('string');
  });
});
