/**
 * JWT client authentication and the JWT bearer grant as an outside client library uses them:
 * oauth4webapi (the base of openid-client v6) discovers Gatehouse, authenticates with
 * `PrivateKeyJwt` and `ClientSecretJwt` (it sets aud to the issuer, a fresh jti, a 60 s exp) for
 * client_credentials, introspection and revocation, and sends the jwt-bearer grant through its
 * generic token endpoint request. Once per engine; every request the library sends is recorded.
 */
import { randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import {
  assertionClaims,
  JWT_ASSERTION_TYPE,
  JWT_BEARER_GRANT,
  keySet,
  type SigningKey,
  sign,
  signingKey,
} from '../harness/assertions.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const IDP = 'https://idp.example';
const ENV = {
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
  GATEHOUSE_KEY_ENCRYPTION_KEY: `e2e-kek-${randomBytes(24).toString('base64url')}`,
};

interface SentRequest {
  path: string;
  headers: Record<string, string>;
  body: URLSearchParams;
}

/** oauth4webapi options: plain http allowed (a test server), every request recorded. */
function recorder() {
  const sent: SentRequest[] = [];
  const options = {
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: async (url: string, init: oauth.CustomFetchOptions<string, URLSearchParams | undefined>) => {
      const headers = Object.fromEntries(
        Object.entries(init.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      sent.push({ path: new URL(url).pathname, headers, body: new URLSearchParams(init.body ?? '') });
      return fetch(url, init);
    },
  };
  return { options, sent };
}

describeEachEngine('oauth4webapi with private_key_jwt, client_secret_jwt and the jwt-bearer grant (e2e)', (factory) => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let clientKey: SigningKey;
  let idpKey: SigningKey;
  let pkj: CreatedClient;
  let csj: CreatedClient & { client_secret: string };

  beforeAll(async () => {
    [clientKey, idpKey] = await Promise.all([signingKey('ES256'), signingKey('ES256')]);
    server = await startTestServer({
      engine: factory.engine,
      env: ENV,
      config: { jwt_bearer: { issuers: [{ issuer: IDP, jwks: keySet(idpKey), subject: 'username' }] } } as never,
    });
    const grants = ['--grant-type', 'client_credentials', '--grant-type', JWT_BEARER_GRANT];
    [pkj, csj] = (await Promise.all([
      server.createClient(['--name', 'pkj', ...grants, '--jwks', JSON.stringify(keySet(clientKey))]),
      server.createClient(['--name', 'csj', ...grants, '--secret-jwt']),
    ])) as [CreatedClient, CreatedClient & { client_secret: string }];
    await server.createUser('alice', 'alice@example.com', 'correct horse battery staple');
    const issuer = new URL(server.config.issuer);
    const { options } = recorder();
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  const privateKeyJwt = () => oauth.PrivateKeyJwt({ key: clientKey.privateKey, kid: clientKey.kid });

  it('discovery advertises the JWT methods and algorithms', () => {
    expect(as.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['private_key_jwt', 'client_secret_jwt']),
    );
    expect(as.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'HS256']));
    expect(as.grant_types_supported).toContain(JWT_BEARER_GRANT);
  });

  it('PrivateKeyJwt: client_credentials, then introspection and revocation of the token', async () => {
    const { options, sent } = recorder();
    const client = { client_id: pkj.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      privateKeyJwt(),
      { scope: 'write' },
      options,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'write' });
    // What went over the wire: an assertion in the body, no Authorization header, no secret.
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[0]!.body.get('client_assertion_type')).toBe(JWT_ASSERTION_TYPE);
    expect(sent[0]!.body.get('client_id')).toBe(pkj.client_id);
    expect(sent[0]!.body.has('client_secret')).toBe(false);

    const introspected = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, privateKeyJwt(), tokens.access_token, options),
    );
    expect(introspected).toMatchObject({ active: true, client_id: pkj.client_id, scope: 'write' });
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, privateKeyJwt(), tokens.access_token, options),
    );
    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, privateKeyJwt(), tokens.access_token, options),
    );
    expect(after.active).toBe(false);
  });

  it('PrivateKeyJwt with an Ed25519 key (the library signs alg Ed25519, RFC 9864)', async () => {
    const edKey = await signingKey('Ed25519');
    const created = await server.createClient([
      '--name',
      'ed25519',
      '--grant-type',
      'client_credentials',
      '--jwks',
      JSON.stringify({ keys: [{ ...edKey.publicJwk, alg: undefined }] }),
    ]);
    const { options, sent } = recorder();
    const client = { client_id: created.client_id };
    const auth = oauth.PrivateKeyJwt({ key: edKey.privateKey, kid: edKey.kid });
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, options);
    expect((await oauth.processClientCredentialsResponse(as, client, response)).scope).toBe('read');
    const header = JSON.parse(
      Buffer.from(sent[0]!.body.get('client_assertion')!.split('.')[0]!, 'base64url').toString(),
    );
    expect(header.alg).toBe('Ed25519');
  });

  it('ClientSecretJwt: client_credentials with an HS256 assertion', async () => {
    const { options } = recorder();
    const client = { client_id: csj.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretJwt(csj.client_secret),
      {},
      options,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read' });
  });

  it('a key the client never registered: the library surfaces 401 invalid_client', async () => {
    const stranger = await signingKey('ES256');
    const { options } = recorder();
    const client = { client_id: pkj.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt({ key: stranger.privateKey, kid: clientKey.kid }),
      {},
      options,
    );
    expect(response.status).toBe(401);
    await expect(oauth.processClientCredentialsResponse(as, client, response)).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('genericTokenEndpointRequest: the jwt-bearer grant with an IdP assertion, the client authenticated by PrivateKeyJwt', async () => {
    const { options, sent } = recorder();
    const client = { client_id: pkj.client_id };
    const assertion = await sign(assertionClaims(IDP, 'alice', as.issuer, server.clock.now()), idpKey);
    const response = await oauth.genericTokenEndpointRequest(
      as,
      client,
      privateKeyJwt(),
      JWT_BEARER_GRANT,
      { assertion, scope: 'read write' },
      options,
    );
    const tokens = await oauth.processGenericTokenEndpointResponse(as, client, response);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read write' });
    expect(sent[0]!.body.get('grant_type')).toBe(JWT_BEARER_GRANT);

    // The same assertion again: refused, and the library says why.
    const replay = await oauth.genericTokenEndpointRequest(
      as,
      client,
      privateKeyJwt(),
      JWT_BEARER_GRANT,
      { assertion },
      options,
    );
    await expect(oauth.processGenericTokenEndpointResponse(as, client, replay)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});
