/**
 * Client self-registration as a client library meets it: openid-client 6 discovers Gatehouse,
 * registers a client with `dynamicClientRegistration` (RFC 7591, an initial access token), and
 * uses the client it got, exactly as its documentation says. Nothing here knows Gatehouse's internals.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeEachEngine } from '../helpers/databases.js';
import { databaseArg } from '../helpers/server.js';
import { startTestServer, type TestServer } from '../harness/index.js';

describeEachEngine('openid-client registers itself (RFC 7591) and gets tokens', (factory) => {
  let server: TestServer;
  let initialAccessToken: string;

  beforeAll(async () => {
    server = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'reports' },
      config: {
        client_registration: {
          mode: 'initial_access_token',
          allowed_grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          allowed_scopes: ['openid', 'reports'],
        },
      },
    });
    const created = await runCli([
      'client',
      'registration-token',
      'create',
      '--expires',
      '1h',
      '--max-uses',
      '1',
      '--json',
      '--database',
      databaseArg(server.database),
    ]);
    expect(created.code, created.stderr).toBe(0);
    initialAccessToken = parseJson<{ token: string }>(created).token;
  });
  afterAll(() => server?.close());

  it('dynamicClientRegistration, then client_credentials with the registered secret', async () => {
    const config = await client.dynamicClientRegistration(
      new URL(server.url),
      { client_name: 'Reporting robot', grant_types: ['client_credentials'], scope: 'reports' },
      undefined,
      { initialAccessToken, execute: [client.allowInsecureRequests] },
    );
    const metadata = config.clientMetadata();
    expect(metadata.client_id).toEqual(expect.any(String));
    expect(metadata.client_secret).toEqual(expect.any(String));
    expect(metadata.registration_client_uri).toBe(`${server.url}/oauth/register/${metadata.client_id}`);

    const tokens = await client.clientCredentialsGrant(config, { scope: 'reports' });
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.scope).toBe('reports');

    // The token was single-use: a second registration is refused, and the library says why.
    await expect(
      client.dynamicClientRegistration(new URL(server.url), { grant_types: ['client_credentials'] }, undefined, {
        initialAccessToken,
        execute: [client.allowInsecureRequests],
      }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
