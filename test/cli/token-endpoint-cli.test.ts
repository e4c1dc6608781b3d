/**
 * The CLI beside a running token endpoint, as an operator uses it: what `client create` answers
 * to a registration it refuses, and a `user deactivate --database …` that a running server
 * honours on the next request. The server runs in the test's process (test/harness); the CLI is
 * the built one, as a real process. Moved from test/e2e/token-endpoint.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { databaseArg, runCli, tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { BAD_CREDENTIALS, expectError, expectTokens } from '../harness/token-responses.js';

const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write admin', GATEHOUSE_DEFAULT_SCOPE: 'read' };

describeEachEngine('token endpoint: the CLI beside a running server', (factory) => {
  let server: TestServer;
  let database: string;
  const PASSWORD = 'correct horse battery staple';
  const clients = {} as Record<'pwRefresh', CreatedClient & { client_secret: string }>;

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: SCOPE_ENV });
    database = databaseArg(server.database);
    clients.pwRefresh = (await server.createClient([
      '--grant-type',
      'password',
      '--grant-type',
      'refresh_token',
    ])) as CreatedClient & { client_secret: string };
    await server.createUser('dave', 'dave@example.com', PASSWORD);
  });

  afterAll(() => server?.close());

  /** client_secret_post for a confidential client. */
  const post = (client: { client_id: string; client_secret: string | null }): Record<string, string> =>
    client.client_secret === null
      ? { client_id: client.client_id }
      : { client_id: client.client_id, client_secret: client.client_secret };
  const passwordGrant = (client: CreatedClient, extra: Record<string, string> = {}) =>
    tokenRequest(server.url, {
      grant_type: 'password',
      username: 'Alice',
      password: PASSWORD,
      ...post(client),
      ...extra,
    });

  describe('client_credentials', () => {
    it('a public client cannot be registered for client_credentials (CLI exit 2)', async () => {
      const result = await runCli(
        ['client', 'create', '--name', 'spa', '--public', '--grant-type', 'client_credentials'],
        { database },
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^gatehouse: .*client_credentials/);
      expect(result.stdout).toBe('');
    });
  });

  describe('password', () => {
    it('user deactivate honours --database: the deactivated user is then refused (invalid_grant)', async () => {
      expectTokens(await passwordGrant(clients.pwRefresh, { username: 'dave' }), { scope: 'read', refresh: true });
      const result = await runCli(['user', 'deactivate', 'dave'], { database });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/dave is now inactive/);
      const refused = await passwordGrant(clients.pwRefresh, { username: 'dave' });
      expectError(refused, 400, 'invalid_grant');
      expect(refused.json.error_description).toBe(BAD_CREDENTIALS);
    });
  });
});
