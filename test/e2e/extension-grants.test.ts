/**
 * The public extension-grant API (startGatehouse({ grants })), end to end over HTTP on both
 * engines: the grant decides who the tokens are for, Gatehouse does everything else — client
 * authentication, the client's grant_types, scope checks, refresh tokens, audit, metrics and the
 * brute-force throttle — exactly as for its own grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionGrant, ExtensionGrantRequest } from '../../src/index.js';
import { OAuthError } from '../../src/index.js';
import { describeEachEngine } from '../helpers/databases.js';
import { httpRequest, tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { expectError, expectTokens } from '../harness/token-responses.js';

const API_KEY = 'https://example.com/grants/api-key';
const SERVICE = 'https://example.com/grants/service';
const PUBLIC_OK = 'https://example.com/grants/public-ok';
const EXPLODES = 'https://example.com/grants/explodes';
const PENDING = 'https://example.com/grants/pending';
const SHORT = 'https://example.com/grants/short-lived';
const NO_SCOPE = 'https://example.com/grants/no-scope';

type Secret = CreatedClient & { client_secret: string };

describeEachEngine('extension grants (e2e)', (factory) => {
  let server: TestServer;
  const seen: ExtensionGrantRequest[] = [];
  /** api key → username, as an application's own table would hold it. */
  const keys = new Map([
    ['key-alice', 'alice'],
    ['key-bob', 'bob'],
    ['key-ghost', 'ghost'],
  ]);
  const grants: ExtensionGrant[] = [
    {
      grantType: API_KEY,
      refreshTokens: true,
      async decide(request) {
        seen.push(request);
        const username = keys.get(request.params.get('api_key') ?? '');
        if (!username) return { error: 'invalid_grant', description: 'unknown api key' };
        const user = await request.users.findByLogin(username);
        if (!user) return { error: 'invalid_grant', description: 'the key names nobody' };
        return { userId: user.id };
      },
    },
    {
      grantType: SERVICE,
      decide: (request) =>
        request.headers['x-service-token'] === 'letmein'
          ? { client: true, scope: 'read' }
          : { error: 'access_denied', description: 'no service token' },
    },
    { grantType: PUBLIC_OK, allowPublicClients: true, decide: () => ({ client: true }) },
    { grantType: NO_SCOPE, decide: () => ({ client: true, scope: [] }) },
    {
      grantType: SHORT,
      refreshTokens: false,
      decide: (request) => ({ client: true, accessTokenLifetime: Number(request.params.get('ttl')) }),
    },
    {
      grantType: EXPLODES,
      decide: () => {
        throw new Error('the database of the legacy system is down');
      },
    },
    {
      grantType: PENDING,
      throttleFailures: true,
      decide: () => {
        throw new OAuthError('authorization_pending' as never, 'not yet');
      },
    },
  ];
  const clients = {} as Record<'apiKey' | 'apiKeyRefresh' | 'other' | 'service' | 'introspector' | 'short', Secret>;
  let publicClient: CreatedClient;

  beforeAll(async () => {
    server = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write admin', GATEHOUSE_DEFAULT_SCOPE: 'read' },
      config: { login_throttle_threshold: 3 },
      grants,
    });
    const specs: [keyof typeof clients, string[]][] = [
      [
        'apiKey',
        [
          ...['--grant-type', API_KEY, '--grant-type', EXPLODES, '--grant-type', PENDING, '--scope', 'read write'],
          ...['--resource', 'https://api.example.com/'],
        ],
      ],
      ['apiKeyRefresh', ['--grant-type', API_KEY, '--grant-type', 'refresh_token']],
      ['other', ['--grant-type', 'client_credentials']],
      ['service', ['--grant-type', SERVICE, '--scope', 'write']],
      ['introspector', ['--grant-type', 'client_credentials', '--introspect']],
      ['short', ['--grant-type', SHORT, '--grant-type', 'refresh_token', '--grant-type', NO_SCOPE]],
    ];
    await Promise.all([
      ...specs.map(async ([key, flags]) => {
        clients[key] = (await server.createClient(flags)) as Secret;
      }),
      server.createClient(['--public', '--grant-type', PUBLIC_OK, '--grant-type', API_KEY]).then((created) => {
        publicClient = created;
      }),
      server.createUser('alice', 'alice@example.com', 'correct horse battery'),
      server.createUser('bob', 'bob@example.com', 'correct horse battery', ['--inactive']),
    ]);
  });
  afterAll(() => server?.close());

  const request = (client: Secret, params: Record<string, string>, headers: Record<string, string> = {}) =>
    tokenRequest(server.url, params, { basic: [client.client_id, client.client_secret], headers });

  const introspect = async (token: string) => {
    const { client_id, client_secret } = clients.introspector;
    const res = await httpRequest(`${server.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }).toString(),
    });
    return res.json;
  };

  it('issues tokens for the user the grant names, with the scope checked as for any grant', async () => {
    const res = await request(clients.apiKey, { grant_type: API_KEY, api_key: 'key-alice', scope: 'write' });
    const tokens = expectTokens(res, { scope: 'write', refresh: false });
    const info = await introspect(tokens.access_token);
    expect(info).toMatchObject({
      active: true,
      client_id: clients.apiKey.client_id,
      username: 'alice',
      scope: 'write',
    });
    // The grant saw the authenticated client, its parameters and the headers.
    const last = seen.at(-1)!;
    expect(last.client.id).toBe(clients.apiKey.client_id);
    expect(last.params.get('api_key')).toBe('key-alice');
    expect(last.headers['content-type']).toMatch(/x-www-form-urlencoded/);
  });

  it('makes the token for the resources the request names, when the client registered them (RFC 8707)', async () => {
    const res = await request(clients.apiKey, {
      grant_type: API_KEY,
      api_key: 'key-alice',
      resource: 'https://api.example.com/',
    });
    const tokens = expectTokens(res, { scope: 'read', refresh: false });
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, aud: 'https://api.example.com/' });
    const foreign = await request(clients.apiKey, {
      grant_type: API_KEY,
      api_key: 'key-alice',
      resource: 'https://elsewhere.example.com/',
    });
    expectError(foreign, 400, 'invalid_target');
  });

  it('refuses a scope beyond the client, and uses the default scope when none is asked', async () => {
    expectError(
      await request(clients.apiKey, { grant_type: API_KEY, api_key: 'key-alice', scope: 'admin' }),
      400,
      'invalid_scope',
    );
    const res = await request(clients.apiKey, { grant_type: API_KEY, api_key: 'key-alice' });
    expectTokens(res, { scope: 'read', refresh: false });
  });

  it('adds a refresh token only for a grant that allows it and a client registered for refresh_token, which then refreshes', async () => {
    const res = await request(clients.apiKeyRefresh, { grant_type: API_KEY, api_key: 'key-alice' });
    const tokens = expectTokens(res, { scope: 'read', refresh: true });
    const refreshed = await request(clients.apiKeyRefresh, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
    });
    expectTokens(refreshed, { scope: 'read', refresh: true });
  });

  it('gives no refresh token after a grant that allows none, and shortens (never lengthens) the access token', async () => {
    const short = await request(clients.short, { grant_type: SHORT, ttl: '60' });
    expect(short.status, short.text).toBe(200);
    expect(short.json.expires_in).toBe(60);
    expect(short.json.refresh_token).toBeUndefined();
    const long = await request(clients.short, { grant_type: SHORT, ttl: '86400' });
    expect(long.json.expires_in).toBe(3600);
  });

  it('gives a token without scope when the grant decides no scope (the default scope is only for no decision)', async () => {
    const res = await request(clients.short, { grant_type: NO_SCOPE });
    expect(res.status, res.text).toBe(200);
    expect(res.json.scope).toBe('');
  });

  it('answers the error the grant names, and never issues tokens for a deactivated or unknown user', async () => {
    const refused = await request(clients.apiKey, { grant_type: API_KEY, api_key: 'nope' });
    expectError(refused, 400, 'invalid_grant');
    expect(refused.json.error_description).toBe('unknown api key');
    expectError(await request(clients.apiKey, { grant_type: API_KEY, api_key: 'key-bob' }), 400, 'invalid_grant');
    expectError(await request(clients.apiKey, { grant_type: API_KEY, api_key: 'key-ghost' }), 400, 'invalid_grant');
    const denied = await request(clients.service, { grant_type: SERVICE });
    expectError(denied, 400, 'access_denied');
  });

  it('issues tokens for the client itself, reading a header', async () => {
    const res = await request(clients.service, { grant_type: SERVICE }, { 'x-service-token': 'letmein' });
    // The grant asked for read; the client may only have write: refused like any request.
    expectError(res, 400, 'invalid_scope');
  });

  it('keeps the grant to clients registered for it (another client, a public client, an unknown type)', async () => {
    expectError(
      await request(clients.other, { grant_type: API_KEY, api_key: 'key-alice' }),
      400,
      'unauthorized_client',
    );
    const publicTry = await tokenRequest(server.url, {
      grant_type: API_KEY,
      api_key: 'key-alice',
      client_id: publicClient.client_id,
    });
    expectError(publicTry, 400, 'unauthorized_client');
    const allowed = await tokenRequest(server.url, { grant_type: PUBLIC_OK, client_id: publicClient.client_id });
    expect(allowed.status, allowed.text).toBe(200);
    expectError(
      await request(clients.apiKey, { grant_type: 'https://example.com/grants/unknown' }),
      400,
      'unsupported_grant_type',
    );
    // A wrong secret never reaches the grant.
    const before = seen.length;
    const wrong = await tokenRequest(
      server.url,
      { grant_type: API_KEY, api_key: 'key-alice' },
      { basic: [clients.apiKey.client_id, 'wrong'] },
    );
    expectError(wrong, 401, 'invalid_client');
    expect(seen.length).toBe(before);
  });

  it('answers 500 without a token when the grant itself fails, and logs why', async () => {
    // fetch itself: the test helper treats any 5xx as a failure of the test.
    const { client_id, client_secret } = clients.apiKey;
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: EXPLODES }).toString(),
    });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ error: 'server_error' });
    expect(text).not.toContain('legacy system');
    expect(server.logs()).toContain('the database of the legacy system is down');
  });

  it('throttles refused requests per client and address, but not answers that are not refusals', async () => {
    const throttled = await startTestServer({
      database: server.database,
      clock: server.clock,
      config: { login_throttle_threshold: 2 },
      grants,
    });
    try {
      // A client of its own: no failures counted by the tests above.
      const client = (await throttled.createClient(['--grant-type', API_KEY, '--grant-type', PENDING])) as Secret;
      const send = (params: Record<string, string>) =>
        tokenRequest(throttled.url, params, { basic: [client.client_id, client.client_secret] });
      // Pending answers are not failures: any number of them.
      for (let i = 0; i < 6; i++) expectError(await send({ grant_type: PENDING }), 400, 'authorization_pending');
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await send({ grant_type: API_KEY, api_key: `guess-${i}` }));
      expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400]);
      const waits = answers.map((a) => a.headers.get('retry-after'));
      expect(waits.slice(0, 2)).toEqual([null, null]);
      expect(waits.at(-1)).toMatch(/^\d+$/);
      // Blocked: even the right key waits, and the grant is not asked.
      const before = seen.length;
      const blocked = await send({ grant_type: API_KEY, api_key: 'key-alice' });
      expectError(blocked, 400, 'invalid_grant');
      expect(blocked.json.error_description).toMatch(/retry in \d+ seconds/);
      expect(seen.length).toBe(before);
      // Another client of the same address is not blocked by this one's failures.
      const other = await tokenRequest(
        throttled.url,
        { grant_type: API_KEY, api_key: 'key-alice' },
        { basic: [clients.apiKeyRefresh.client_id, clients.apiKeyRefresh.client_secret] },
      );
      expect(other.status, other.text).toBe(200);
      // Once the block has passed, the right key works again.
      throttled.clock.advance(Number(blocked.headers.get('retry-after')));
      expect((await send({ grant_type: API_KEY, api_key: 'key-alice' })).status).toBe(200);
    } finally {
      await throttled.close();
    }
  });

  it('lists the grant in the metadata, audits it under its type, and labels its metrics', async () => {
    const metadata = await httpRequest(`${server.url}/.well-known/oauth-authorization-server`);
    expect(metadata.json.grant_types_supported).toEqual(
      expect.arrayContaining([API_KEY, SERVICE, 'client_credentials']),
    );
    await request(clients.apiKey, { grant_type: API_KEY, api_key: 'key-alice' });
    await server.gatehouse.auditLog?.flush();
    const events = await server.store.listAuditEvents({ type: 'token.issued', limit: 100 });
    expect(events.some((event) => event.details?.grant_type === API_KEY)).toBe(true);
    const metrics = await httpRequest(`${server.url}/metrics`);
    expect(metrics.text).toContain(`grant_type="${API_KEY}"`);
  });
});

describe('registering extension grants', () => {
  it.each([
    ['a grant type that is not an absolute URI', { grantType: 'api-key', decide: () => ({ client: true }) }],
    ['a grant type with a fragment', { grantType: 'https://x.example/#g', decide: () => ({ client: true }) }],
    ['a built-in grant type', { grantType: 'password', decide: () => ({ client: true }) }],
    ['no decide function', { grantType: 'https://x.example/g' }],
  ])('refuses %s at start-up', async (_, grant) => {
    await expect(startTestServer({ listen: false, grants: [grant as ExtensionGrant] })).rejects.toThrow(/grant/);
  });

  it('refuses the same grant type twice', async () => {
    const grant: ExtensionGrant = { grantType: 'https://x.example/g', decide: () => ({ client: true }) };
    await expect(startTestServer({ listen: false, grants: [grant, { ...grant }] })).rejects.toThrow(/registered twice/);
  });
});
