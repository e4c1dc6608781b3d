/**
 * The token endpoint end to end: clients and users registered as the CLI does, the real app
 * served in the test's process (test/harness), and every rule of RFC 6749 §3.2/§4.3/§4.4/§5/§6
 * Gatehouse promises checked over HTTP, once per engine. What the CLI itself answers is in
 * test/cli/token-endpoint-cli.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { describeEachEngine } from '../helpers/databases.js';
import { httpRequest, tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { BAD_CREDENTIALS, expectError, expectNoStore, expectTokens } from '../harness/token-responses.js';

const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write admin', GATEHOUSE_DEFAULT_SCOPE: 'read' };
/** Every character as %XX: only a server that form-decodes Basic credentials accepts this. */
const percentEncodeAll = (value: string) =>
  [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const basicHeader = (raw: string) => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;

describeEachEngine('token endpoint (e2e)', (factory) => {
  let server: TestServer;
  let graceServer: TestServer;
  const PASSWORD = 'correct horse battery staple';
  const clients = {} as Record<'cc' | 'ccWrite' | 'pwRefresh' | 'publicPw', CreatedClient & { client_secret: string }>;

  beforeAll(async () => {
    const clock = new ManualClock();
    server = await startTestServer({ engine: factory.engine, env: SCOPE_ENV, clock });
    const specs: [keyof typeof clients, string[]][] = [
      // Every supported scope; password without refresh_token.
      ['cc', ['--grant-type', 'client_credentials', '--grant-type', 'password']],
      // Limited to "write"; client_credentials only.
      ['ccWrite', ['--grant-type', 'client_credentials', '--scope', 'write']],
      ['pwRefresh', ['--grant-type', 'password', '--grant-type', 'refresh_token']],
      ['publicPw', ['--public', '--grant-type', 'password', '--grant-type', 'refresh_token']],
    ];
    // Servers read clients and users per request: everything can be set up at once.
    const [created, started] = await Promise.all([
      Promise.all(specs.map(async ([key, flags]) => [key, await server.createClient(flags)] as const)),
      startTestServer({
        database: server.database,
        clock,
        env: { ...SCOPE_ENV, GATEHOUSE_REFRESH_TOKEN_GRACE_PERIOD: '30' },
      }),
      server.createUser('Alice', 'Alice@Example.com', PASSWORD),
      server.createUser('bob', 'bob@example.com', PASSWORD, ['--inactive']),
      server.createUser('carol', 'carol@example.com', PASSWORD),
    ]);
    for (const [key, client] of created) clients[key] = client as CreatedClient & { client_secret: string };
    graceServer = started;
  });

  // The second server closes before the owner of the database removes it.
  afterAll(async () => {
    await graceServer?.close();
    await server?.close();
  });

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
  const refresh = (
    target: TestServer,
    client: CreatedClient,
    refreshToken: string,
    extra: Record<string, string> = {},
  ) =>
    tokenRequest(target.url, { grant_type: 'refresh_token', refresh_token: refreshToken, ...post(client), ...extra });

  describe('client_credentials', () => {
    it('issues an access token and no refresh token, with the default scope', async () => {
      const res = await tokenRequest(
        server.url,
        { grant_type: 'client_credentials' },
        { basic: [clients.cc.client_id, clients.cc.client_secret] },
      );
      expectTokens(res, { scope: 'read', refresh: false });
    });

    it('narrows the default scope to the client scopes (client limited to "write" gets "")', async () => {
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials', ...post(clients.ccWrite) });
      expectTokens(res, { scope: '', refresh: false });
    });

    it('grants a requested scope within the allowed ones', async () => {
      expectTokens(
        await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'write admin', ...post(clients.cc) }),
        {
          scope: 'write admin',
          refresh: false,
        },
      );
      expectTokens(
        await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'write', ...post(clients.ccWrite) }),
        {
          scope: 'write',
          refresh: false,
        },
      );
    });

    it('refuses a scope outside the client --scope list, or not supported at all, with invalid_scope', async () => {
      expectError(
        await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'read', ...post(clients.ccWrite) }),
        400,
        'invalid_scope',
      );
      expectError(
        await tokenRequest(server.url, {
          grant_type: 'client_credentials',
          scope: 'write admin',
          ...post(clients.ccWrite),
        }),
        400,
        'invalid_scope',
      );
      expectError(
        await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'superuser', ...post(clients.cc) }),
        400,
        'invalid_scope',
      );
    });

    it('refuses a malformed scope (double space, a quote) with invalid_scope', async () => {
      for (const scope of ['read  write', 'read "write', ' read', 'read\twrite']) {
        expectError(
          await tokenRequest(server.url, { grant_type: 'client_credentials', scope, ...post(clients.cc) }),
          400,
          'invalid_scope',
        );
      }
    });
  });

  describe('password', () => {
    it('issues access and refresh tokens by username', async () => {
      expectTokens(await passwordGrant(clients.pwRefresh), { scope: 'read', refresh: true });
    });

    it('accepts the username and the e-mail address in any case', async () => {
      for (const username of ['alice', 'ALICE', 'alice@example.com', 'ALICE@EXAMPLE.COM', 'Alice@Example.Com']) {
        expectTokens(await passwordGrant(clients.pwRefresh, { username }), { scope: 'read', refresh: true });
      }
    });

    it('grants a requested scope and refuses a scope outside the client allowance', async () => {
      expectTokens(await passwordGrant(clients.pwRefresh, { scope: 'read write admin' }), {
        scope: 'read write admin',
        refresh: true,
      });
      expectError(await passwordGrant(clients.pwRefresh, { scope: 'read root' }), 400, 'invalid_scope');
    });

    it('answers wrong password, unknown user and inactive user alike: 400 invalid_grant, same description', async () => {
      const answers = await Promise.all([
        passwordGrant(clients.pwRefresh, { password: 'wrong password, really' }),
        passwordGrant(clients.pwRefresh, { username: 'nobody-here' }),
        passwordGrant(clients.pwRefresh, { username: 'nobody@example.com' }),
        passwordGrant(clients.pwRefresh, { username: 'bob' }),
        passwordGrant(clients.pwRefresh, { username: 'bob@example.com' }),
      ]);
      for (const res of answers) {
        expectError(res, 400, 'invalid_grant');
        expect(res.json.error_description).toBe(BAD_CREDENTIALS);
      }
    });

    it('answers a missing username or password with invalid_request', async () => {
      const base = { grant_type: 'password', ...post(clients.pwRefresh) };
      expectError(await tokenRequest(server.url, { ...base, password: PASSWORD }), 400, 'invalid_request');
      expectError(await tokenRequest(server.url, { ...base, username: 'Alice' }), 400, 'invalid_request');
      // RFC 6749 §3.1: an empty value counts as absent.
      expectError(await tokenRequest(server.url, { ...base, username: 'Alice', password: '' }), 400, 'invalid_request');
    });

    it('issues a refresh token only to a client allowed the refresh_token grant', async () => {
      expectTokens(await passwordGrant(clients.cc), { scope: 'read', refresh: false });
    });
  });

  describe('refresh_token', () => {
    it('rotates: a new pair; the old refresh token is then refused, and its reuse revokes the newest too', async () => {
      const first = expectTokens(await passwordGrant(clients.pwRefresh), { scope: 'read', refresh: true });
      const second = expectTokens(await refresh(server, clients.pwRefresh, first.refresh_token!), {
        scope: 'read',
        refresh: true,
      });
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);

      const reused = await refresh(server, clients.pwRefresh, first.refresh_token!);
      expectError(reused, 400, 'invalid_grant');
      // Reuse detected: the whole family is revoked, so the newest refresh token is dead too.
      expectError(await refresh(server, clients.pwRefresh, second.refresh_token!), 400, 'invalid_grant');
    });

    it('may narrow the scope, never widen it; a refused widening leaves the token usable', async () => {
      const wide = expectTokens(await passwordGrant(clients.pwRefresh, { scope: 'read write' }), {
        scope: 'read write',
        refresh: true,
      });
      const narrowed = expectTokens(await refresh(server, clients.pwRefresh, wide.refresh_token!, { scope: 'read' }), {
        scope: 'read',
        refresh: true,
      });
      expectError(
        await refresh(server, clients.pwRefresh, narrowed.refresh_token!, { scope: 'read write' }),
        400,
        'invalid_scope',
      );
      expectError(
        await refresh(server, clients.pwRefresh, narrowed.refresh_token!, { scope: 'admin' }),
        400,
        'invalid_scope',
      );
      // Without a scope the refreshed grant keeps the (narrowed) scope.
      expectTokens(await refresh(server, clients.pwRefresh, narrowed.refresh_token!), { scope: 'read', refresh: true });
    });

    it("refuses another client's refresh token with invalid_grant (and leaves it to its owner)", async () => {
      const pair = expectTokens(await passwordGrant(clients.pwRefresh), { scope: 'read', refresh: true });
      // publicPw is allowed the refresh_token grant too: the token is simply not its own.
      expectError(await refresh(server, clients.publicPw, pair.refresh_token!), 400, 'invalid_grant');
      expectTokens(await refresh(server, clients.pwRefresh, pair.refresh_token!), { scope: 'read', refresh: true });
    });

    it('refuses an unknown refresh token with invalid_grant', async () => {
      expectError(await refresh(server, clients.pwRefresh, 'A'.repeat(43)), 400, 'invalid_grant');
    });

    it('after `user deactivate`: the refresh token and the password of the user are refused with invalid_grant', async () => {
      const pair = expectTokens(await passwordGrant(clients.pwRefresh, { username: 'carol' }), {
        scope: 'read',
        refresh: true,
      });
      // What `gatehouse user deactivate carol` does.
      await expect(server.accounts().setEnabled('carol', false)).resolves.toMatchObject({ enabled: false });
      expectError(await refresh(server, clients.pwRefresh, pair.refresh_token!), 400, 'invalid_grant');
      const login = await passwordGrant(clients.pwRefresh, { username: 'carol' });
      expectError(login, 400, 'invalid_grant');
      expect(login.json.error_description).toBe(BAD_CREDENTIALS);
    });

    it('answers a missing refresh_token with invalid_request', async () => {
      expectError(
        await tokenRequest(server.url, { grant_type: 'refresh_token', ...post(clients.pwRefresh) }),
        400,
        'invalid_request',
      );
    });

    it('works for a public client authenticating with its client_id only', async () => {
      const pair = expectTokens(await passwordGrant(clients.publicPw), { scope: 'read', refresh: true });
      expectTokens(await refresh(server, clients.publicPw, pair.refresh_token!), { scope: 'read', refresh: true });
    });
  });

  describe('refresh_token with a grace period (GATEHOUSE_REFRESH_TOKEN_GRACE_PERIOD=30)', () => {
    it('a retry of the same refresh token right after rotation gets a fresh pair; presenting the first successor then is reuse and ends the grant', async () => {
      const original = expectTokens(
        await tokenRequest(graceServer.url, {
          grant_type: 'password',
          username: 'Alice',
          password: PASSWORD,
          ...post(clients.pwRefresh),
        }),
        { scope: 'read', refresh: true },
      );
      const first = expectTokens(await refresh(graceServer, clients.pwRefresh, original.refresh_token!), {
        scope: 'read',
        refresh: true,
      });
      const retried = expectTokens(await refresh(graceServer, clients.pwRefresh, original.refresh_token!), {
        scope: 'read',
        refresh: true,
      });
      expect(retried.refresh_token).not.toBe(first.refresh_token);
      expect(retried.access_token).not.toBe(first.access_token);

      // The retried pair works as long as nobody presents the superseded successor…
      const next = expectTokens(await refresh(graceServer, clients.pwRefresh, retried.refresh_token!), {
        scope: 'read',
        refresh: true,
      });
      // …whose holder (an attacker, or the client after all) then ends the whole grant.
      expectError(await refresh(graceServer, clients.pwRefresh, first.refresh_token!), 400, 'invalid_grant');
      expectError(await refresh(graceServer, clients.pwRefresh, next.refresh_token!), 400, 'invalid_grant');
    });
  });

  describe('client authentication', () => {
    const cc = { grant_type: 'client_credentials' };

    it('accepts client_secret_basic', async () => {
      expectTokens(await tokenRequest(server.url, cc, { basic: [clients.cc.client_id, clients.cc.client_secret] }), {
        scope: 'read',
        refresh: false,
      });
    });

    it('form-url-decodes Basic credentials (RFC 6749 §2.3.1)', async () => {
      const { client_id: id, client_secret: secret } = clients.cc;
      for (const raw of [
        `${encodeURIComponent(id)}:${encodeURIComponent(secret)}`,
        `${id}:${percentEncodeAll(secret)}`,
        `${percentEncodeAll(id)}:${percentEncodeAll(secret)}`,
      ]) {
        expectTokens(await tokenRequest(server.url, cc, { headers: { authorization: basicHeader(raw) } }), {
          scope: 'read',
          refresh: false,
        });
      }
      // Not decoded twice: "%2541" is "%41", which is not "A".
      const doubled = `${id}:${percentEncodeAll(secret).replace(/%/g, '%25')}`;
      const res = await tokenRequest(server.url, cc, { headers: { authorization: basicHeader(doubled) } });
      expectError(res, 401, 'invalid_client');
    });

    it('accepts client_secret_post', async () => {
      expectTokens(await tokenRequest(server.url, { ...cc, ...post(clients.cc) }), { scope: 'read', refresh: false });
    });

    it('refuses two methods at once with 400 invalid_request', async () => {
      const res = await tokenRequest(
        server.url,
        { ...cc, client_secret: clients.cc.client_secret },
        { basic: [clients.cc.client_id, clients.cc.client_secret] },
      );
      expectError(res, 400, 'invalid_request');
      const both = await tokenRequest(
        server.url,
        { ...cc, ...post(clients.cc) },
        { basic: [clients.cc.client_id, clients.cc.client_secret] },
      );
      expectError(both, 400, 'invalid_request');
    });

    it('refuses a client_id in the body that differs from the Basic one with 400 invalid_request', async () => {
      const res = await tokenRequest(
        server.url,
        { ...cc, client_id: clients.pwRefresh.client_id },
        { basic: [clients.cc.client_id, clients.cc.client_secret] },
      );
      expectError(res, 400, 'invalid_request');
    });

    it('answers a wrong secret via Basic with 401 invalid_client and WWW-Authenticate: Basic', async () => {
      const res = await tokenRequest(server.url, cc, { basic: [clients.cc.client_id, `${clients.cc.client_secret}x`] });
      expectError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic\b/);
    });

    it('answers a wrong secret via the body with 401 invalid_client and no WWW-Authenticate', async () => {
      const res = await tokenRequest(server.url, {
        ...cc,
        client_id: clients.cc.client_id,
        client_secret: clients.ccWrite.client_secret,
      });
      expectError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toBeNull();
    });

    it('answers an unknown client with 401 invalid_client', async () => {
      const unknown = randomUUID();
      const viaPost = await tokenRequest(server.url, {
        ...cc,
        client_id: unknown,
        client_secret: clients.cc.client_secret,
      });
      expectError(viaPost, 401, 'invalid_client');
      expect(viaPost.headers.get('www-authenticate')).toBeNull();
      const viaBasic = await tokenRequest(server.url, cc, { basic: [unknown, clients.cc.client_secret] });
      expectError(viaBasic, 401, 'invalid_client');
      expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic\b/);
      expectError(await tokenRequest(server.url, { ...cc, client_id: unknown }), 401, 'invalid_client');
    });

    it('answers a request without client authentication with 401 invalid_client', async () => {
      expectError(await tokenRequest(server.url, cc), 401, 'invalid_client');
      expectError(
        await tokenRequest(server.url, { grant_type: 'password', username: 'Alice', password: PASSWORD }),
        401,
        'invalid_client',
      );
      // A secret alone identifies no client.
      expectError(
        await tokenRequest(server.url, { ...cc, client_secret: clients.cc.client_secret }),
        401,
        'invalid_client',
      );
    });

    it('answers a malformed Basic header with 401 invalid_client and WWW-Authenticate', async () => {
      for (const authorization of [
        'Basic',
        'Basic !!!not-base64!!!',
        basicHeader('no-colon-here'),
        `Basic ${Buffer.from(`${clients.cc.client_id}:%zz`).toString('base64')}`,
      ]) {
        const res = await tokenRequest(server.url, cc, { headers: { authorization } });
        expectError(res, 401, 'invalid_client');
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic\b/);
      }
    });

    it('authenticates a public client by client_id alone', async () => {
      expectTokens(await passwordGrant(clients.publicPw), { scope: 'read', refresh: true });
    });

    it('refuses a public client that sends a secret with 401 invalid_client', async () => {
      expectError(
        await passwordGrant(clients.publicPw, { client_secret: clients.cc.client_secret }),
        401,
        'invalid_client',
      );
      const viaBasic = await tokenRequest(
        server.url,
        { grant_type: 'password', username: 'Alice', password: PASSWORD },
        { basic: [clients.publicPw.client_id, 'some-secret'] },
      );
      expectError(viaBasic, 401, 'invalid_client');
    });

    it('refuses a confidential client that sends only its client_id with 401 invalid_client', async () => {
      expectError(await tokenRequest(server.url, { ...cc, client_id: clients.cc.client_id }), 401, 'invalid_client');
    });
  });

  describe('grant types', () => {
    it('answers a grant the client is not allowed with unauthorized_client', async () => {
      // Registered without --grant-type password (client_credentials only).
      expectError(await passwordGrant(clients.ccWrite), 400, 'unauthorized_client');
      expectError(
        await tokenRequest(server.url, { grant_type: 'client_credentials', ...post(clients.pwRefresh) }),
        400,
        'unauthorized_client',
      );
      expectError(
        await tokenRequest(server.url, {
          grant_type: 'refresh_token',
          refresh_token: 'x'.repeat(43),
          ...post(clients.cc),
        }),
        400,
        'unauthorized_client',
      );
    });

    it('answers an unknown grant type with unsupported_grant_type, and a known one the client may not use with unauthorized_client', async () => {
      expectError(
        await tokenRequest(server.url, { grant_type: 'foo', ...post(clients.cc) }),
        400,
        'unsupported_grant_type',
      );
      for (const client of [clients.cc, clients.publicPw]) {
        expectError(
          await tokenRequest(server.url, {
            grant_type: 'authorization_code',
            code: 'abc',
            redirect_uri: 'https://app.example/cb',
            ...post(client),
          }),
          400,
          'unauthorized_client',
        );
      }
    });

    it('answers a missing grant_type with invalid_request', async () => {
      expectError(await tokenRequest(server.url, { ...post(clients.cc) }), 400, 'invalid_request');
      expectError(await tokenRequest(server.url, { grant_type: '', ...post(clients.cc) }), 400, 'invalid_request');
    });
  });

  describe('transport', () => {
    it('answers GET, PUT and DELETE with 405, Allow: POST and a JSON error', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await httpRequest(`${server.url}/oauth/token`, { method });
        expectError(res, 405, 'invalid_request');
        expect(res.headers.get('allow')).toBe('POST');
      }
    });

    it('refuses a JSON body with 400 invalid_request', async () => {
      const res = await httpRequest(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', ...post(clients.cc) }),
      });
      expectError(res, 400, 'invalid_request');
    });

    it('refuses a repeated parameter with 400 invalid_request', async () => {
      const body = new URLSearchParams([
        ['grant_type', 'client_credentials'],
        ['client_id', clients.cc.client_id],
        ['client_secret', clients.cc.client_secret],
        ['scope', 'read'],
        ['scope', 'write'],
      ]).toString();
      const res = await httpRequest(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expectError(res, 400, 'invalid_request');
      const twice = `grant_type=client_credentials&grant_type=client_credentials&client_id=${clients.cc.client_id}&client_secret=${clients.cc.client_secret}`;
      expectError(
        await httpRequest(`${server.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: twice,
        }),
        400,
        'invalid_request',
      );
    });

    it('refuses a body over 64 KiB with a 4xx JSON error', async () => {
      const res = await tokenRequest(server.url, {
        grant_type: 'client_credentials',
        ...post(clients.cc),
        padding: 'x'.repeat(65 * 1024),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.json?.error, res.text).toBe('invalid_request');
      expectNoStore(res);
    });

    it('refuses an empty body with 400', async () => {
      for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, {} as Record<string, string>]) {
        const res = await httpRequest(`${server.url}/oauth/token`, { method: 'POST', headers, body: '' });
        expectError(res, 400, 'invalid_request');
      }
      const bare = await httpRequest(`${server.url}/oauth/token`, { method: 'POST' });
      expectError(bare, 400, 'invalid_request');
    });

    it('accepts a charset parameter on the content type', async () => {
      for (const contentType of [
        'application/x-www-form-urlencoded; charset=UTF-8',
        'application/x-www-form-urlencoded;charset=utf-8',
      ]) {
        const res = await tokenRequest(
          server.url,
          { grant_type: 'client_credentials', ...post(clients.cc) },
          { headers: { 'content-type': contentType } },
        );
        expectTokens(res, { scope: 'read', refresh: false });
      }
    });

    it('answers an unknown path with 404 JSON', async () => {
      for (const [method, path] of [
        ['GET', '/nope'],
        ['POST', '/oauth/tokens'],
        ['GET', '/oauth/authorise'],
      ] as const) {
        const res = await httpRequest(`${server.url}${path}`, { method });
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.json).toMatchObject({ error: 'not_found' });
      }
    });
  });

  describe('discovery and health', () => {
    it('publishes RFC 8414 metadata', async () => {
      const res = await httpRequest(`${server.url}/.well-known/oauth-authorization-server`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.json.issuer).toBe(server.url);
      expect(res.json.token_endpoint).toBe(`${res.json.issuer}/oauth/token`);
      expect(res.json.grant_types_supported).toEqual(
        expect.arrayContaining(['client_credentials', 'password', 'refresh_token']),
      );
      // The configured scopes, then the OpenID Connect ones every server supports.
      expect(res.json.scopes_supported).toEqual(['read', 'write', 'admin', 'openid', 'profile', 'email']);
      expect(res.json.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
      );
    });

    it('answers GET /healthz with 200 {status: "ok"}', async () => {
      const res = await httpRequest(`${server.url}/healthz`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: 'ok', database: factory.engine });
    });
  });
});
