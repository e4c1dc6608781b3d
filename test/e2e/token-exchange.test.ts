/**
 * OAuth 2.0 Token Exchange (RFC 8693) end to end over HTTP, on both engines: two servers on one
 * database (opaque access tokens, and JWT access tokens), clients registered as the CLI does.
 * Impersonation and delegation (`act`, nested), the per-client policy (may impersonate, audiences),
 * scope narrowing, the token types, and the confusion attacks: another client's actor token, a
 * refresh token or a client's own token as the subject, a revoked or expired subject, a subject
 * whose grant is revoked after the exchange. Then oauth4webapi's generic grant request from outside.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { basicAuthorization, httpRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { expectError, expectNoStore, TOKEN_VALUE } from '../harness/token-responses.js';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const SAML2 = 'urn:ietf:params:oauth:token-type:saml2';
const ORDERS = 'https://orders.example/api';
const KEK = `e2e-kek-${randomBytes(24).toString('base64url')}`;
const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
const JWT_ENV = { ...SCOPE_ENV, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: KEK };
const PASSWORD = 'correct horse battery staple';

type Confidential = CreatedClient & { client_secret: string };
type Pairs = [string, string][];
type ClientName = 'app' | 'gateway' | 'narrow' | 'delegate' | 'helper' | 'plain' | 'api';

describeEachEngine('token exchange, RFC 8693 (e2e)', (factory) => {
  let server: TestServer;
  let jwtServer: TestServer;
  const clients = {} as Record<ClientName, Confidential> & { spa: CreatedClient };
  let alice: string;

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: SCOPE_ENV });
    const exchange = ['--grant-type', EXCHANGE];
    const specs: [ClientName, string[]][] = [
      // Holds alice's tokens: the subject tokens.
      ['app', ['--name', 'app', '--grant-type', 'password', '--grant-type', 'refresh_token', '--resource', ORDERS]],
      // May impersonate, and name two audiences (a logical name and a resource URI).
      [
        'gateway',
        [
          '--name',
          'gateway',
          ...exchange,
          '--may-impersonate',
          '--exchange-audience',
          'orders',
          '--exchange-audience',
          ORDERS,
        ],
      ],
      ['narrow', ['--name', 'narrow', ...exchange, '--may-impersonate', '--scope', 'read']],
      // Only delegates: acts with its own client_credentials token.
      ['delegate', ['--name', 'delegate', ...exchange, '--grant-type', 'client_credentials']],
      ['helper', ['--name', 'helper', ...exchange, '--grant-type', 'client_credentials']],
      ['plain', ['--name', 'plain', '--grant-type', 'client_credentials']],
      ['api', ['--name', 'api', '--introspect', '--grant-type', 'client_credentials']],
    ];
    await Promise.all([
      ...specs.map(async ([name, flags]) => {
        clients[name] = (await server.createClient(flags)) as Confidential;
      }),
      server.createClient(['--name', 'spa', '--public', ...exchange]).then((spa) => {
        clients.spa = spa;
      }),
      server.createUser('alice', 'alice@example.com', PASSWORD),
    ]);
    jwtServer = await startTestServer({ database: server.database, env: JWT_ENV });
    alice = (await introspect(server, (await login()).access_token)).sub;
  });

  afterAll(async () => {
    await jwtServer?.close();
    await server?.close();
  });

  const form = (target: TestServer, path: string, pairs: Pairs, client?: CreatedClient) =>
    httpRequest(`${target.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(client?.client_secret ? { authorization: basicAuthorization(client.client_id, client.client_secret) } : {}),
      },
      body: new URLSearchParams(
        client && !client.client_secret ? [...pairs, ['client_id', client.client_id]] : pairs,
      ).toString(),
    });
  /** A token exchange by `client` (pairs, so audience and resource may repeat). */
  const exchange = (client: CreatedClient, params: Record<string, string> | Pairs, target = server) =>
    form(
      target,
      '/oauth/token',
      [['grant_type', EXCHANGE], ...(Array.isArray(params) ? params : Object.entries(params))],
      client,
    );
  const login = async (target = server, scope = 'read write') => {
    const res = await form(
      target,
      '/oauth/token',
      [
        ['grant_type', 'password'],
        ['username', 'alice'],
        ['password', PASSWORD],
        ['scope', scope],
      ],
      clients.app,
    );
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token: string; expires_in: number };
  };
  const ownToken = async (client: Confidential, target = server) => {
    const res = await form(target, '/oauth/token', [['grant_type', 'client_credentials']], client);
    expect(res.status, res.text).toBe(200);
    return res.json.access_token as string;
  };
  async function introspect(target: TestServer, token: string) {
    const res = await form(target, '/oauth/introspect', [['token', token]], clients.api);
    expect(res.status, res.text).toBe(200);
    return res.json;
  }
  const subject = (token: string, type = ACCESS_TOKEN) => ({ subject_token: token, subject_token_type: type });
  const actor = (token: string, type = ACCESS_TOKEN) => ({ actor_token: token, actor_token_type: type });
  /** RFC 8693 §2.2.1: the answer of a successful exchange. */
  function expectExchanged(res: HttpResult, scope: string, issuedTokenType = ACCESS_TOKEN) {
    expect(res.status, res.text).toBe(200);
    expectNoStore(res);
    expect(Object.keys(res.json).sort()).toEqual(
      ['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type'].sort(),
    );
    expect(res.json).toMatchObject({ issued_token_type: issuedTokenType, token_type: 'Bearer', scope });
    expect(res.json.expires_in).toBeGreaterThan(0);
    return res.json.access_token as string;
  }

  describe('impersonation (no actor_token)', () => {
    it("a client allowed to impersonate gets a token that is the subject's own: same user, no act", async () => {
      const { access_token } = await login();
      const issued = expectExchanged(await exchange(clients.gateway, subject(access_token)), 'read write');
      expect(issued).toMatch(TOKEN_VALUE);
      const info = await introspect(server, issued);
      expect(info).toMatchObject({ active: true, sub: alice, username: 'alice', client_id: clients.gateway.client_id });
      expect(info.act).toBeUndefined();
    });

    it('a client that may only delegate is refused without actor_token (invalid_request, RFC 8693 §2.2.2 policy)', async () => {
      const { access_token } = await login();
      const res = await exchange(clients.delegate, subject(access_token));
      expectError(res, 400, 'invalid_request');
      expect(res.json.error_description).toMatch(/actor_token is required/);
    });
  });

  describe('delegation (actor_token)', () => {
    it('the issued token keeps the subject and names the actor in act; introspection answers act for opaque tokens', async () => {
      const { access_token } = await login();
      const acting = await ownToken(clients.delegate);
      const issued = expectExchanged(
        await exchange(clients.delegate, { ...subject(access_token), ...actor(acting) }),
        'read write',
      );
      const info = await introspect(server, issued);
      expect(info).toMatchObject({
        active: true,
        sub: alice,
        username: 'alice',
        client_id: clients.delegate.client_id,
        act: { sub: clients.delegate.client_id, client_id: clients.delegate.client_id },
      });
      expect(info.act.act).toBeUndefined();
      // The audit log names the actor of the issued token.
      await server.gatehouse.auditLog?.flush();
      const events = await server.store.listAuditEvents({ type: 'token.issued', limit: 100 });
      const exchanged = events.find((event) => event.details?.grant_type === EXCHANGE && event.details?.actor);
      expect(exchanged).toMatchObject({ clientId: clients.delegate.client_id, userId: alice });
      expect(exchanged?.details?.actor).toBe(clients.delegate.client_id);
    });

    it('in JWT mode the issued JWT carries sub, client_id and act; the jwt token type is accepted and can be requested', async () => {
      const { access_token } = await login(jwtServer);
      const acting = await ownToken(clients.delegate, jwtServer);
      const res = await exchange(
        clients.delegate,
        { ...subject(access_token, JWT), ...actor(acting, JWT), requested_token_type: JWT },
        jwtServer,
      );
      const issued = expectExchanged(res, 'read write', JWT);
      const claims = decodeJwt(issued);
      expect(claims).toMatchObject({
        sub: alice,
        client_id: clients.delegate.client_id,
        scope: 'read write',
        act: { sub: clients.delegate.client_id, client_id: clients.delegate.client_id },
      });
      // The JWT is an access token of this server like any other.
      expect(await introspect(jwtServer, issued)).toMatchObject({ active: true, act: claims.act });
    });

    it('a delegated token exchanged again nests the prior actor inside the current one (RFC 8693 §4.1)', async () => {
      const { access_token } = await login(jwtServer);
      const first = expectExchanged(
        await exchange(
          clients.delegate,
          { ...subject(access_token), ...actor(await ownToken(clients.delegate)) },
          jwtServer,
        ),
        'read write',
      );
      const second = expectExchanged(
        await exchange(clients.helper, { ...subject(first), ...actor(await ownToken(clients.helper)) }, jwtServer),
        'read write',
      );
      const act = { sub: clients.helper.client_id, client_id: clients.helper.client_id };
      const prior = { sub: clients.delegate.client_id, client_id: clients.delegate.client_id };
      expect(decodeJwt(second)).toMatchObject({ sub: alice, act: { ...act, act: prior } });
      expect((await introspect(jwtServer, second)).act).toEqual({ ...act, act: prior });
      // Impersonating with a delegated subject does not erase who acted: the act stays.
      const kept = expectExchanged(await exchange(clients.gateway, subject(first), jwtServer), 'read write');
      expect(decodeJwt(kept).act).toEqual(prior);
    });

    it("an actor token issued to another client is refused: a client cannot act in another's name", async () => {
      const { access_token } = await login();
      const res = await exchange(clients.delegate, {
        ...subject(access_token),
        ...actor(await ownToken(clients.helper)),
      });
      expectError(res, 400, 'invalid_request');
      expect(res.json.error_description).toMatch(/actor_token was not issued to this client/);
    });

    it('a delegated token is refused as actor_token: it names its subject, not who acts', async () => {
      // The delegate holds a token for alice that it got by delegation (act = the delegate)...
      const { access_token } = await login();
      const delegated = expectExchanged(
        await exchange(clients.delegate, { ...subject(access_token), ...actor(await ownToken(clients.delegate)) }),
        'read write',
      );
      // ...and tries to pass it off as the actor on another subject token: alice would appear to act.
      const other = await login();
      const res = await exchange(clients.delegate, { ...subject(other.access_token), ...actor(delegated) });
      expectError(res, 400, 'invalid_request');
      expect(res.json.error_description).toMatch(/actor_token is itself a delegated token/);
    });

    it('actor_token and actor_token_type go together', async () => {
      const { access_token } = await login();
      const acting = await ownToken(clients.delegate);
      for (const params of [
        { ...subject(access_token), actor_token: acting },
        { ...subject(access_token), actor_token_type: ACCESS_TOKEN },
      ])
        expectError(await exchange(clients.delegate, params), 400, 'invalid_request');
      // A dead actor token is as good as none.
      expectError(
        await exchange(clients.delegate, { ...subject(access_token), ...actor('x'.repeat(43)) }),
        400,
        'invalid_request',
      );
    });
  });

  describe('scope (only narrowing)', () => {
    it('narrows to a subset of the subject token, and refuses anything wider (invalid_scope)', async () => {
      const { access_token } = await login();
      expectExchanged(await exchange(clients.gateway, { ...subject(access_token), scope: 'read' }), 'read');
      const { access_token: readOnly } = await login(server, 'read');
      expectError(await exchange(clients.gateway, { ...subject(readOnly), scope: 'read write' }), 400, 'invalid_scope');
    });

    it("defaults to the subject's scope as far as the exchanging client may hold it", async () => {
      const { access_token } = await login();
      expectExchanged(await exchange(clients.narrow, subject(access_token)), 'read');
      expectError(await exchange(clients.narrow, { ...subject(access_token), scope: 'write' }), 400, 'invalid_scope');
    });
  });

  describe('audience and resource (per-client policy)', () => {
    it('accepts audiences and resources the client may name, repeated, as the JWT aud', async () => {
      const { access_token } = await login(jwtServer);
      const res = await exchange(
        clients.gateway,
        [...Object.entries(subject(access_token)), ['audience', 'orders'], ['resource', ORDERS]],
        jwtServer,
      );
      expect(decodeJwt(expectExchanged(res, 'read write')).aud).toEqual(['orders', ORDERS]);
      const one = await exchange(clients.gateway, { ...subject(access_token), audience: 'orders' }, jwtServer);
      expect(decodeJwt(expectExchanged(one, 'read write')).aud).toBe('orders');
    });

    it('refuses an audience or resource the client may not name, and a malformed resource (invalid_target)', async () => {
      const { access_token } = await login();
      for (const extra of [
        [['audience', 'billing']],
        [
          ['audience', 'orders'],
          ['audience', 'billing'],
        ],
        [['resource', 'https://billing.example/api']],
        [['resource', 'not a uri']],
        [['resource', `${ORDERS}#fragment`]],
      ] as Pairs[]) {
        expectError(
          await exchange(clients.gateway, [...Object.entries(subject(access_token)), ...extra]),
          400,
          'invalid_target',
        );
      }
      // A client without exchange audiences can name none.
      const acting = await ownToken(clients.delegate);
      const res = await exchange(clients.delegate, { ...subject(access_token), ...actor(acting), audience: 'orders' });
      expectError(res, 400, 'invalid_target');
    });
  });

  describe('token types', () => {
    it('requires subject_token and subject_token_type', async () => {
      const { access_token } = await login();
      expectError(await exchange(clients.gateway, { subject_token: access_token }), 400, 'invalid_request');
      expectError(await exchange(clients.gateway, { subject_token_type: ACCESS_TOKEN }), 400, 'invalid_request');
    });

    it('answers an id_token subject with invalid_request saying it is not supported yet; other types too', async () => {
      const { access_token } = await login();
      const res = await exchange(clients.gateway, subject(access_token, ID_TOKEN));
      expectError(res, 400, 'invalid_request');
      expect(res.json.error_description).toMatch(/id_token is not supported/);
      for (const type of [SAML2, REFRESH_TOKEN, 'access_token', JWT])
        expectError(await exchange(clients.gateway, subject(access_token, type)), 400, 'invalid_request');
    });

    it('refuses a requested_token_type it cannot issue: refresh tokens, ID tokens, and jwt with opaque access tokens', async () => {
      const { access_token } = await login();
      for (const requested of [REFRESH_TOKEN, ID_TOKEN, JWT, SAML2]) {
        const res = await exchange(clients.gateway, { ...subject(access_token), requested_token_type: requested });
        expectError(res, 400, 'invalid_request');
        expect(res.json.error_description).toBe('unsupported requested_token_type');
      }
    });

    it('refuses repeated parameters other than audience and resource', async () => {
      const { access_token } = await login();
      for (const name of ['subject_token', 'subject_token_type', 'scope', 'requested_token_type'])
        expectError(
          await exchange(clients.gateway, [
            ...Object.entries(subject(access_token)),
            ...[
              [name, 'x'],
              [name, 'y'],
            ],
          ] as Pairs),
          400,
          'invalid_request',
        );
    });
  });

  describe('the subject token (RFC 8693 §2.2.2: an invalid one is invalid_request)', () => {
    it('refuses an unknown, a revoked and an expired subject token', async () => {
      expectError(await exchange(clients.gateway, subject('x'.repeat(43))), 400, 'invalid_request');
      const revoked = await login();
      const res = await form(server, '/oauth/revoke', [['token', revoked.access_token]], clients.app);
      expect(res.status).toBe(200);
      expectError(await exchange(clients.gateway, subject(revoked.access_token)), 400, 'invalid_request');
      const expiring = await login();
      server.clock.advance(expiring.expires_in);
      expectError(await exchange(clients.gateway, subject(expiring.access_token)), 400, 'invalid_request');
    });

    it('refuses a refresh token presented as an access token, and a token a client holds for itself', async () => {
      const { refresh_token } = await login();
      expectError(await exchange(clients.gateway, subject(refresh_token)), 400, 'invalid_request');
      const res = await exchange(clients.gateway, subject(await ownToken(clients.plain)));
      expectError(res, 400, 'invalid_request');
      expect(res.json.error_description).toMatch(/not for a user/);
    });

    it('the exchanged token never outlives the subject token, and dies when its grant is revoked', async () => {
      const tokens = await login();
      server.clock.advance(600);
      const issued = await exchange(clients.gateway, subject(tokens.access_token));
      expectExchanged(issued, 'read write');
      expect(issued.json.expires_in).toBe(tokens.expires_in - 600);
      // app revokes alice's grant (its refresh token): the exchanged token is revoked with it.
      expect((await introspect(server, issued.json.access_token)).active).toBe(true);
      const res = await form(server, '/oauth/revoke', [['token', tokens.refresh_token]], clients.app);
      expect(res.status).toBe(200);
      expect(await introspect(server, issued.json.access_token)).toEqual({ active: false });
    });
  });

  describe('clients', () => {
    it('refuses a public client (unauthorized_client) and a client not registered for the grant', async () => {
      const { access_token } = await login();
      expectError(await exchange(clients.spa, subject(access_token)), 400, 'unauthorized_client');
      expectError(await exchange(clients.plain, subject(access_token)), 400, 'unauthorized_client');
    });

    it('lists the grant in the metadata', async () => {
      const res = await httpRequest(`${server.url}/.well-known/oauth-authorization-server`);
      expect(res.json.grant_types_supported).toContain(EXCHANGE);
    });
  });

  describe('oauth4webapi (a client library, from outside)', () => {
    it('performs an exchange with genericTokenEndpointRequest and reads issued_token_type', async () => {
      const issuer = new URL(server.url);
      const options = { [oauth.allowInsecureRequests]: true } as const;
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }),
      );
      const client = { client_id: clients.gateway.client_id };
      const { access_token } = await login();
      const response = await oauth.genericTokenEndpointRequest(
        as,
        client,
        oauth.ClientSecretBasic(clients.gateway.client_secret),
        EXCHANGE,
        [
          ['subject_token', access_token],
          ['subject_token_type', ACCESS_TOKEN],
          ['audience', 'orders'],
          ['resource', ORDERS],
          ['scope', 'read'],
        ],
        options,
      );
      const tokens = await oauth.processGenericTokenEndpointResponse(as, client, response);
      expect(tokens.issued_token_type).toBe(ACCESS_TOKEN);
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope).toBe('read');
      expect(tokens.access_token).toMatch(TOKEN_VALUE);
      expect(await introspect(server, tokens.access_token)).toMatchObject({ active: true, sub: alice });
    });
  });
  it('exchanges a token without scope (a server with no scopes configured) for one without scope, not the default', async () => {
    // The same database, so the key_encryption_key its keys were stored with (the JWT server's, above).
    const bare = await startTestServer({
      database: server.database,
      clock: server.clock,
      env: { GATEHOUSE_KEY_ENCRYPTION_KEY: KEK },
    });
    try {
      const subject = await form(
        bare,
        '/oauth/token',
        [
          ['grant_type', 'password'],
          ['username', 'alice'],
          ['password', PASSWORD],
        ],
        clients.app,
      );
      expect(subject.json.scope).toBe('');
      const res = await exchange(
        clients.gateway,
        { subject_token: subject.json.access_token, subject_token_type: ACCESS_TOKEN },
        bare,
      );
      expect(res.status, res.text).toBe(200);
      expect(res.json.scope).toBe('');
    } finally {
      await bare.close();
    }
  });
  it("keeps the subject token's audience when the exchange names none (never widened to the default)", async () => {
    const res = await form(
      server,
      '/oauth/token',
      [
        ['grant_type', 'password'],
        ['username', 'alice'],
        ['password', PASSWORD],
        ['scope', 'read'],
        ['resource', ORDERS],
      ],
      clients.app,
    );
    expect(res.status, res.text).toBe(200);
    expect((await introspect(server, res.json.access_token)).aud).toBe(ORDERS);
    const exchanged = await exchange(clients.gateway, subject(res.json.access_token));
    expectExchanged(exchanged, 'read');
    expect((await introspect(server, exchanged.json.access_token)).aud).toBe(ORDERS);
  });
});
