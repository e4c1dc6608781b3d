/**
 * The JWT bearer authorization grant (RFC 7523 §2.1) over HTTP, once per engine: trusted issuers
 * configured with inline keys or a jwks_uri (served from memory), `sub` mapped to a user by username
 * or id, or to the requesting client; and every refusal as invalid_grant: unknown issuer, bad
 * signature, alg none, replay (on another node too), expired, too long-lived, wrong audience,
 * unknown or disabled user, another client's service account, a client the issuer does not allow.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { basicAuthorization, httpRequest, type HttpResult } from '../helpers/server.js';
import {
  assertionClaims,
  JWT_BEARER_GRANT,
  keySet,
  MemoryKeySets,
  type SigningKey,
  sign,
  signingKey,
  unsecured,
} from '../harness/assertions.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { expectError } from '../harness/token-responses.js';

const ISSUER = 'https://as.example';
const TOKEN_ENDPOINT = `${ISSUER}/oauth/token`;
const IDP = 'https://idp.example';
const IDS = 'https://ids.example';
const SERVICES = 'https://services.example';
const IDS_JWKS = 'https://ids.example/.well-known/jwks.json';
const ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };

type Confidential = CreatedClient & { client_secret: string };

describeEachEngine('the JWT bearer grant (e2e)', (factory) => {
  let server: TestServer;
  let node2: TestServer;
  const keySets = new MemoryKeySets();
  let idpKey: SigningKey;
  let idsKey: SigningKey;
  let servicesKey: SigningKey;
  let stranger: SigningKey;
  let app: Confidential;
  let service: Confidential;
  let notAllowed: Confidential;
  let aliceId: string;

  const issuers = () => [
    { issuer: IDP, jwks: keySet(idpKey), subject: 'username' },
    { issuer: IDS, jwks_uri: IDS_JWKS, subject: 'user_id' },
    { issuer: SERVICES, jwks: keySet(servicesKey), subject: 'client' },
  ];

  beforeAll(async () => {
    [idpKey, idsKey, servicesKey, stranger] = await Promise.all([
      signingKey('ES256'),
      signingKey('RS256'),
      signingKey('EdDSA'),
      signingKey('ES256'),
    ]);
    keySets.published.set(IDS_JWKS, keySet(idsKey));
    const config = { issuer: ISSUER, jwt_bearer: { issuers: issuers() } } as never;
    server = await startTestServer({ engine: factory.engine, env: ENV, config, remoteKeySets: keySets });
    node2 = await startTestServer({ database: server.database, env: ENV, config, remoteKeySets: keySets });
    const grant = ['--grant-type', JWT_BEARER_GRANT];
    [app, service, notAllowed] = (await Promise.all([
      // Also allowed refresh_token: the jwt-bearer grant still issues none.
      server.createClient(['--name', 'app', ...grant, '--grant-type', 'refresh_token']),
      server.createClient(['--name', 'service', ...grant]),
      server.createClient(['--name', 'no-jwt-bearer', '--grant-type', 'client_credentials']),
    ])) as [Confidential, Confidential, Confidential];
    await server.createUser('alice', 'alice@example.com', 'correct horse battery staple');
    await server.createUser('mallory', 'mallory@example.com', 'correct horse battery staple', ['--inactive']);
    aliceId = (await server.store.findUserByLogin('alice'))!.id;
  });

  afterAll(async () => {
    await node2?.close();
    await server?.close();
  });

  const now = () => server.clock.now();
  const assertion = (iss: string, sub: string, key: SigningKey, overrides: Record<string, unknown> = {}) =>
    sign(assertionClaims(iss, sub, ISSUER, now(), overrides), key);
  const grantRequest = (jwt: string | undefined, client: Confidential = app, target = server, extra = {}) =>
    httpRequest(`${target.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuthorization(client.client_id, client.client_secret),
      },
      body: new URLSearchParams({
        grant_type: JWT_BEARER_GRANT,
        ...(jwt === undefined ? {} : { assertion: jwt }),
        ...extra,
      }).toString(),
    });
  const introspect = (token: string, client: Confidential = app) =>
    httpRequest(`${server.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuthorization(client.client_id, client.client_secret),
      },
      body: new URLSearchParams({ token }).toString(),
    });
  const expectRefused = (res: HttpResult, description?: RegExp) => {
    expectError(res, 400, 'invalid_grant');
    if (description) expect(res.json.error_description).toMatch(description);
  };

  it('maps sub to a user by username: tokens for that user, with the scope asked for', async () => {
    const res = await grantRequest(await assertion(IDP, 'alice', idpKey), app, server, { scope: 'read write' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', scope: 'read write' });
    expect(res.json.refresh_token).toBeUndefined();
    const described = await introspect(res.json.access_token);
    expect(described.json).toMatchObject({ active: true, sub: aliceId, username: 'alice', client_id: app.client_id });
  });

  it('maps sub to a user by id, with the issuer keys fetched from its jwks_uri; the token endpoint URL is an accepted aud', async () => {
    const res = await grantRequest(await assertion(IDS, aliceId, idsKey, { aud: TOKEN_ENDPOINT }));
    expect(res.status, res.text).toBe(200);
    expect((await introspect(res.json.access_token)).json).toMatchObject({ active: true, sub: aliceId });
    expect(keySets.fetches.filter((fetch) => fetch.uri === IDS_JWKS).length).toBeGreaterThan(0);
    // A username is not an id for this issuer.
    expectRefused(await grantRequest(await assertion(IDS, 'alice', idsKey)), /no known user/);
  });

  it("maps sub to the requesting client (a service account); another client's id is refused", async () => {
    const res = await grantRequest(await assertion(SERVICES, service.client_id, servicesKey), service);
    expect(res.status, res.text).toBe(200);
    const described = await introspect(res.json.access_token, service);
    expect(described.json).toMatchObject({ active: true, sub: service.client_id, client_id: service.client_id });
    expect(described.json.username).toBeUndefined();
    // The app may not present the service's assertion.
    expectRefused(await grantRequest(await assertion(SERVICES, service.client_id, servicesKey), app), /sub/);
  });

  it('refuses an issuer that is not trusted, a signature by another key, and alg none', async () => {
    expectRefused(await grantRequest(await assertion('https://evil.example', 'alice', stranger)), /trusted issuer/);
    expectRefused(await grantRequest(await assertion(IDP, 'alice', stranger)));
    expectRefused(await grantRequest(await assertion(IDP, 'alice', { ...stranger, kid: idpKey.kid })));
    expectRefused(await grantRequest(unsecured(assertionClaims(IDP, 'alice', ISSUER, now()))));
    // HS256 keyed with the issuer's public key.
    const forged = await sign(assertionClaims(IDP, 'alice', ISSUER, now()), {
      secret: JSON.stringify(idpKey.publicJwk),
    });
    expectRefused(await grantRequest(forged));
    expectRefused(await grantRequest('not-a-jwt'), /not a JWT/);
  });

  it('an assertion is single-use: a replay is refused here and on another node', async () => {
    const jwt = await assertion(IDP, 'alice', idpKey);
    expect((await grantRequest(jwt)).status).toBe(200);
    expectRefused(await grantRequest(jwt), /used already/);
    expectRefused(await grantRequest(jwt, app, node2), /used already/);
  });

  it('refuses an expired assertion, one living longer than 5 minutes, and one without exp or jti', async () => {
    expectRefused(
      await grantRequest(await assertion(IDP, 'alice', idpKey, { exp: now() - 60, iat: now() - 120 })),
      /expired/,
    );
    expectRefused(
      await grantRequest(await assertion(IDP, 'alice', idpKey, { exp: now() + 3600 })),
      /at most 300 seconds/,
    );
    expectRefused(await grantRequest(await assertion(IDP, 'alice', idpKey, { exp: undefined })));
    expectRefused(await grantRequest(await assertion(IDP, 'alice', idpKey, { jti: undefined })), /jti/);
    // Minutes later, an assertion that was fine is expired.
    const jwt = await assertion(IDP, 'alice', idpKey);
    server.clock.advance(120);
    try {
      expectRefused(await grantRequest(jwt), /expired/);
    } finally {
      server.clock.advance(-120);
    }
  });

  it('refuses an aud that names another server (or none)', async () => {
    expectRefused(
      await grantRequest(await assertion(IDP, 'alice', idpKey, { aud: 'https://other-as.example' })),
      /aud/,
    );
    expectRefused(await grantRequest(await assertion(IDP, 'alice', idpKey, { aud: undefined })));
  });

  it('refuses an unknown user and a disabled one', async () => {
    expectRefused(await grantRequest(await assertion(IDP, 'nobody', idpKey)), /no known user/);
    expectRefused(await grantRequest(await assertion(IDP, 'mallory', idpKey)));
  });

  it('the assertion parameter is required; a client must be allowed the grant', async () => {
    expectError(await grantRequest(undefined), 400, 'invalid_request');
    const res = await httpRequest(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuthorization(notAllowed.client_id, notAllowed.client_secret),
      },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: await assertion(IDP, 'alice', idpKey) }),
    });
    expectError(res, 400, 'unauthorized_client');
  });

  it("allowed_clients: only the clients listed may present the issuer's assertions", async () => {
    const restricted = await startTestServer({
      database: server.database,
      env: ENV,
      config: {
        issuer: ISSUER,
        jwt_bearer: {
          issuers: [{ issuer: IDP, jwks: keySet(idpKey), subject: 'username', allowed_clients: [service.client_id] }],
        },
      } as never,
    });
    try {
      expectRefused(await grantRequest(await assertion(IDP, 'alice', idpKey), app, restricted), /may not present/);
      const ok = await grantRequest(await assertion(IDP, 'alice', idpKey), service, restricted);
      expect(ok.status, ok.text).toBe(200);
    } finally {
      await restricted.close();
    }
  });

  it('is listed in the metadata', async () => {
    const res = await httpRequest(`${server.url}/.well-known/oauth-authorization-server`);
    expect(res.json.grant_types_supported).toContain(JWT_BEARER_GRANT);
  });
});
