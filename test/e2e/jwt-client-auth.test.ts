/**
 * Client authentication with JWT assertions (RFC 7523 §2.2, OIDC Core §9) over HTTP, once per
 * engine: private_key_jwt (keys inline or at a jwks_uri served from memory) and client_secret_jwt
 * at the token, revocation and introspection endpoints, and every way an assertion must be refused:
 * wrong audience, expired, too long-lived, without jti, replayed (also on another node of the same
 * database), signed by the wrong key, unsigned, HS256 with the public key as secret, another
 * client's assertion, mixed methods, a secret from a JWT client and an assertion from a secret one.
 */
import { randomBytes } from 'node:crypto';
import { type CryptoKey, exportJWK, importJWK } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { basicAuthorization, httpRequest, type HttpResult } from '../helpers/server.js';
import {
  assertionClaims,
  JWT_ASSERTION_TYPE,
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
const KEK = `e2e-kek-${randomBytes(24).toString('base64url')}`;
const ENV = {
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
  GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
  // This suite fails on purpose many times from one address; the throttle has its own test below.
  GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '1000',
};
const CC = ['--grant-type', 'client_credentials'];
const GENERIC = 'client authentication failed';

function post(server: TestServer, path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  return httpRequest(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** 401 invalid_client with the one generic description: nothing says which check failed. */
function expectRefused(res: HttpResult): void {
  expectError(res, 401, 'invalid_client');
  expect(res.json.error_description).toBe(GENERIC);
}

describeEachEngine('client authentication with JWT assertions (e2e)', (factory) => {
  let server: TestServer;
  /** Another node on the same database. */
  let node2: TestServer;
  const keySets = new MemoryKeySets();
  let key: SigningKey;
  let otherKey: SigningKey;
  let rsaKey: SigningKey;
  /** private_key_jwt, keys inline. */
  let pkj: CreatedClient;
  /** private_key_jwt, RSA (RS256 and PS256). */
  let rsa: CreatedClient;
  /** private_key_jwt, another client with its own keys. */
  let other: CreatedClient;
  /** client_secret_jwt. */
  let csj: CreatedClient & { client_secret: string };
  /** client_secret_basic (today's default). */
  let secretClient: CreatedClient & { client_secret: string };

  beforeAll(async () => {
    server = await startTestServer({
      engine: factory.engine,
      env: ENV,
      config: { issuer: ISSUER },
      remoteKeySets: keySets,
    });
    node2 = await startTestServer({
      database: server.database,
      env: ENV,
      config: { issuer: ISSUER },
      remoteKeySets: keySets,
    });
    [key, otherKey, rsaKey] = await Promise.all([signingKey('ES256'), signingKey('EdDSA'), signingKey('RS256')]);
    [pkj, rsa, other, csj, secretClient] = (await Promise.all([
      server.createClient(['--name', 'pkj', ...CC, '--jwks', JSON.stringify(keySet(key))]),
      server.createClient([
        '--name',
        'rsa',
        ...CC,
        '--jwks',
        JSON.stringify({ keys: [{ ...rsaKey.publicJwk, alg: undefined }] }),
      ]),
      server.createClient(['--name', 'other', ...CC, '--jwks', JSON.stringify(keySet(otherKey))]),
      server.createClient(['--name', 'csj', ...CC, '--secret-jwt']),
      server.createClient(['--name', 'secret', ...CC]),
    ])) as [CreatedClient, CreatedClient, CreatedClient, typeof csj, typeof secretClient];
  });

  afterAll(async () => {
    await node2?.close();
    await server?.close();
  });

  const now = () => server.clock.now();
  /** A signed assertion for `client` (by default with `key`), claims overridable. */
  const assertionFor = (client: CreatedClient, overrides: Record<string, unknown> = {}, signer: SigningKey = key) =>
    sign(assertionClaims(client.client_id, client.client_id, ISSUER, now(), overrides), signer);
  const withAssertion = (assertion: string, extra: Record<string, string> = {}) => ({
    client_assertion_type: JWT_ASSERTION_TYPE,
    client_assertion: assertion,
    ...extra,
  });
  const clientCredentials = (assertion: string, extra: Record<string, string> = {}, target = server) =>
    post(target, '/oauth/token', { grant_type: 'client_credentials', ...withAssertion(assertion, extra) });

  it('private_key_jwt: registered without a secret, authenticates at the token, introspection and revocation endpoints', async () => {
    expect(pkj.client_secret).toBeNull();
    expect(pkj.token_endpoint_auth_method).toBe('private_key_jwt');
    const issued = await clientCredentials(await assertionFor(pkj), { scope: 'read' });
    expect(issued.status, issued.text).toBe(200);
    const token = issued.json.access_token as string;

    const introspected = await post(server, '/oauth/introspect', { token, ...withAssertion(await assertionFor(pkj)) });
    expect(introspected.status, introspected.text).toBe(200);
    expect(introspected.json).toMatchObject({ active: true, client_id: pkj.client_id, scope: 'read' });

    // client_id may be sent too, when it names the same client.
    const revoked = await post(server, '/oauth/revoke', {
      token,
      ...withAssertion(await assertionFor(pkj), { client_id: pkj.client_id }),
    });
    expect(revoked.status, revoked.text).toBe(200);
    const after = await post(server, '/oauth/introspect', { token, ...withAssertion(await assertionFor(pkj)) });
    expect(after.json).toEqual({ active: false });
  });

  it('RS256 and PS256 with an RSA key; an aud array containing the issuer is accepted', async () => {
    // The same RSA key pair, loaded for RSASSA-PSS: WebCrypto binds a key to one algorithm.
    const pss = await importJWK(await exportJWK(rsaKey.privateKey), 'PS256');
    for (const signer of [rsaKey, { ...rsaKey, alg: 'PS256', privateKey: pss as CryptoKey }]) {
      const res = await clientCredentials(await assertionFor(rsa, {}, signer));
      expect(res.status, res.text).toBe(200);
    }
    const arrayAud = await clientCredentials(await assertionFor(pkj, { aud: ['https://api.example', ISSUER] }));
    expect(arrayAud.status, arrayAud.text).toBe(200);
  });

  it('refuses an aud that is the token endpoint URL or another server, with the same generic error', async () => {
    for (const aud of [`${ISSUER}/oauth/token`, 'https://other-as.example', [`${ISSUER}/oauth/token`]]) {
      expectRefused(await clientCredentials(await assertionFor(pkj, { aud })));
    }
    expectRefused(await clientCredentials(await assertionFor(pkj, { aud: undefined })));
  });

  it('refuses an expired assertion, one living longer than 5 minutes, one from the future, and one without jti or exp', async () => {
    expectRefused(await clientCredentials(await assertionFor(pkj, { exp: now() - 120, iat: now() - 180 })));
    expectRefused(await clientCredentials(await assertionFor(pkj, { exp: now() + 3600 })));
    expectRefused(await clientCredentials(await assertionFor(pkj, { iat: now() + 600, exp: now() + 200 })));
    expectRefused(await clientCredentials(await assertionFor(pkj, { nbf: now() + 120 })));
    expectRefused(await clientCredentials(await assertionFor(pkj, { jti: undefined })));
    expectRefused(await clientCredentials(await assertionFor(pkj, { exp: undefined })));
    // Within the limits it works: exp 5 minutes ahead.
    const ok = await clientCredentials(await assertionFor(pkj, { exp: now() + 300 }));
    expect(ok.status, ok.text).toBe(200);
  });

  it('an assertion is single-use: a replay is refused on the same node and on another node of the database', async () => {
    const assertion = await assertionFor(pkj);
    expect((await clientCredentials(assertion)).status).toBe(200);
    expectRefused(await clientCredentials(assertion));
    expectRefused(await clientCredentials(assertion, {}, node2));
    // Also at another endpoint: the jti is spent, whatever it was first used for.
    expectRefused(await post(server, '/oauth/introspect', { token: 'x', ...withAssertion(assertion) }));

    const first = await assertionFor(pkj);
    expect((await clientCredentials(first, {}, node2)).status).toBe(200);
    expectRefused(await clientCredentials(first));
  });

  it('two nodes receiving the same assertion at once: exactly one token', async () => {
    const assertion = await assertionFor(pkj);
    const answers = await Promise.all([
      clientCredentials(assertion),
      clientCredentials(assertion, {}, node2),
      clientCredentials(assertion),
      clientCredentials(assertion, {}, node2),
    ]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('refuses a signature by another key, alg none, and HS256 keyed with the registered public key', async () => {
    expectRefused(await clientCredentials(await assertionFor(pkj, {}, otherKey)));
    expectRefused(await clientCredentials(await assertionFor(pkj, {}, { ...otherKey, kid: key.kid })));
    expectRefused(await clientCredentials(unsecured(assertionClaims(pkj.client_id, pkj.client_id, ISSUER, now()))));
    // Algorithm confusion: the public key (which anyone may know) used as an HMAC secret.
    for (const secret of [JSON.stringify(key.publicJwk), JSON.stringify(keySet(key)), String(key.publicJwk.x)]) {
      const forged = await sign(
        assertionClaims(pkj.client_id, pkj.client_id, ISSUER, now()),
        { secret },
        { kid: key.kid },
      );
      expectRefused(await clientCredentials(forged));
    }
  });

  it("refuses client A's assertion presented as client B, and claims that name someone else", async () => {
    // Signed by A, naming A, sent with client_id B.
    expectRefused(await clientCredentials(await assertionFor(pkj), { client_id: other.client_id }));
    // Signed by A but naming B (B's keys do not verify it).
    expectRefused(await clientCredentials(await assertionFor(other, {}, key)));
    // iss and sub must both be the client.
    expectRefused(await clientCredentials(await assertionFor(pkj, { iss: other.client_id })));
    expectRefused(
      await clientCredentials(await assertionFor(pkj, { sub: 'someone-else' }), { client_id: pkj.client_id }),
    );
    // An unknown client, or no client at all.
    const unknown = assertionClaims('no-such-client', 'no-such-client', ISSUER, now());
    expectRefused(await clientCredentials(await sign(unknown, key)));
    expectRefused(await clientCredentials('not.a.jwt'));
  });

  it('one method per request: an assertion with HTTP Basic or client_secret is invalid_request; half an assertion too', async () => {
    const assertion = await assertionFor(pkj);
    const basic = await post(
      server,
      '/oauth/token',
      { grant_type: 'client_credentials', ...withAssertion(assertion) },
      { authorization: basicAuthorization(secretClient.client_id, secretClient.client_secret) },
    );
    expectError(basic, 400, 'invalid_request');
    expectError(await clientCredentials(assertion, { client_secret: 'x' }), 400, 'invalid_request');
    expectError(
      await post(server, '/oauth/token', { grant_type: 'client_credentials', client_assertion: assertion }),
      400,
      'invalid_request',
    );
    expectError(
      await post(server, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:example:saml',
        client_assertion: assertion,
      }),
      400,
      'invalid_request',
    );
    // None of these spent the jti: the assertion still works.
    expect((await clientCredentials(assertion)).status).toBe(200);
  });

  it('the method is fixed at registration: no secret for a JWT client, no assertion for a secret client', async () => {
    // A private_key_jwt client has no secret; whatever it sends as one is refused.
    expectRefused(
      await post(server, '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: pkj.client_id,
        client_secret: 'x',
      }),
    );
    expectRefused(await post(server, '/oauth/token', { grant_type: 'client_credentials', client_id: pkj.client_id }));
    // A client_secret_jwt client may not send its secret itself.
    const basic = await post(
      server,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuthorization(csj.client_id, csj.client_secret) },
    );
    expectError(basic, 401, 'invalid_client');
    // A secret client may not authenticate with an assertion (even an HMAC with its own secret).
    const hmac = await sign(assertionClaims(secretClient.client_id, secretClient.client_id, ISSUER, now()), {
      secret: secretClient.client_secret,
    });
    expectRefused(await clientCredentials(hmac));
    // Its secret still works as before.
    const ok = await post(
      server,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuthorization(secretClient.client_id, secretClient.client_secret) },
    );
    expect(ok.status, ok.text).toBe(200);
  });

  it('client_secret_jwt: an HS256 assertion with the secret works; a wrong secret or an asymmetric signature does not', async () => {
    expect(csj.token_endpoint_auth_method).toBe('client_secret_jwt');
    expect(csj.client_secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const claims = () => assertionClaims(csj.client_id, csj.client_id, ISSUER, now());
    const ok = await clientCredentials(await sign(claims(), { secret: csj.client_secret }));
    expect(ok.status, ok.text).toBe(200);
    expectRefused(await clientCredentials(await sign(claims(), { secret: `${csj.client_secret}x` })));
    expectRefused(await clientCredentials(await sign(claims(), key)));
    expectRefused(await clientCredentials(unsecured(claims())));
    // The secret is stored encrypted and hashed, never in clear.
    const row = await server.store.driver.get<Record<string, string | null>>(
      'SELECT secret_encrypted, secret_hash FROM clients WHERE id = ?',
      [csj.client_id],
    );
    expect(row?.secret_encrypted).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(csj.client_secret);
  });

  it('a jwks_uri client: keys fetched through the port, one refresh on an unknown kid (rotation), none otherwise', async () => {
    const uri = `https://client-${randomBytes(4).toString('hex')}.example/jwks.json`;
    const first = await signingKey('ES256');
    keySets.published.set(uri, keySet(first));
    const client = await server.createClient(['--name', 'remote', ...CC, '--jwks-uri', uri]);
    expect(client.token_endpoint_auth_method).toBe('private_key_jwt');
    const fetchesOf = () => keySets.fetches.filter((fetch) => fetch.uri === uri);

    expect((await clientCredentials(await assertionFor(client, {}, first))).status).toBe(200);
    expect((await clientCredentials(await assertionFor(client, {}, first))).status).toBe(200);
    expect(fetchesOf()).toEqual([{ uri, refresh: false }]);

    // The client rotates: publishes a new key and signs with it. One refresh finds it.
    const second = await signingKey('ES256');
    keySets.published.set(uri, keySet(second, first));
    const rotated = await clientCredentials(await assertionFor(client, {}, second));
    expect(rotated.status, rotated.text).toBe(200);
    expect(fetchesOf()).toEqual([
      { uri, refresh: false },
      { uri, refresh: true },
    ]);

    const impostor = await signingKey('ES256');
    // A kid the client never published: refused after at most one more refresh, and the wrong key by a known kid needs none.
    expectRefused(await clientCredentials(await assertionFor(client, {}, { ...impostor, kid: second.kid })));
    expect(fetchesOf()).toHaveLength(2);
    expectRefused(await clientCredentials(await assertionFor(client, {}, otherKey)));
    expect(fetchesOf()).toHaveLength(3);

    // A key set that cannot be fetched: the same 401, never a 5xx.
    const gone = await server.createClient(['--name', 'gone', ...CC, '--jwks-uri', 'https://gone.example/jwks.json']);
    expectRefused(await clientCredentials(await assertionFor(gone)));
  });

  it('failures are audited as client.authentication_failed with the reason, and counted by the throttle', async () => {
    // The default threshold (5 failures per client and address), on the same database.
    const throttled = await startTestServer({
      database: server.database,
      env: { ...ENV, GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '5' },
      config: { issuer: ISSUER },
    });
    const victim = await throttled.createClient(['--name', 'throttled', ...CC, '--jwks', JSON.stringify(keySet(key))]);
    let last: HttpResult | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      last = await clientCredentials(await assertionFor(victim, { aud: 'https://elsewhere.example' }), {}, throttled);
      if (last.headers.get('retry-after')) break;
    }
    expectError(last!, 401, 'invalid_client');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    await throttled.gatehouse.auditLog?.flush();
    const events = await throttled.store.listAuditEvents({
      type: 'client.authentication_failed',
      clientId: victim.client_id,
      limit: 10,
    });
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]?.details).toMatchObject({ method: 'client_assertion', reason: 'wrong_audience' });
    await throttled.close();
  });

  it('metadata lists the methods and the assertion algorithms for every endpoint', async () => {
    const res = await httpRequest(`${server.url}/.well-known/oauth-authorization-server`);
    const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'none'];
    for (const endpoint of ['token', 'revocation', 'introspection']) {
      expect(res.json[`${endpoint}_endpoint_auth_methods_supported`]).toEqual(methods);
      expect(res.json[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual([
        'RS256',
        'PS256',
        'ES256',
        'EdDSA',
        'Ed25519',
        'HS256',
      ]);
    }
  });
});
