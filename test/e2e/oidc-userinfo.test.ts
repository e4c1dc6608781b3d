/**
 * The userinfo endpoint (OpenID Connect Core §5.3), one `sub` everywhere (ID token, userinfo, JWT
 * access token, introspection; pairwise per sector, §8), and the discovery document (OpenID
 * Connect Discovery 1.0), seen by a relying party on both engines.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import {
  type ConfidentialClient,
  OIDC_PASSWORD,
  obtainCode,
  oidcClient,
  redeem,
  signedInBrowser,
  tokensOf,
  userinfoRequest,
  verifyIdToken,
} from '../helpers/oidc-code-flow.js';
import { basicAuthorization, httpRequest, tokenRequest } from '../helpers/server.js';
import { fetchJwks, verifyWith } from '../harness/jwks.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const SCOPE = 'openid profile email read';
const CODE = ['--grant-type', 'authorization_code'];

async function expectBearerError(res: Response, status: number, error: string | null) {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: string; error_description: string };
  expect(typeof body.error_description).toBe('string');
  const challenge = res.headers.get('www-authenticate') ?? '';
  if (error === null) expect(challenge).toBe('Bearer');
  else {
    expect(body.error).toBe(error);
    expect(challenge).toMatch(new RegExp(`^Bearer error="${error}", error_description="[^"\\\\]+"$`));
  }
}

describeEachEngine('userinfo, subjects and discovery (e2e)', (factory) => {
  let fx: TestServer;
  let rp: ConfidentialClient;
  let other: ConfidentialClient;
  let signed: ConfidentialClient;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    fx = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'read offline_access', GATEHOUSE_OIDC_ACR: 'urn:example:pwd' },
    });
    const client = (name: string, oidc?: Parameters<typeof oidcClient>[3]) =>
      oidcClient(fx, ['--name', name, '--redirect-uri', `https://${name}.example/cb`, ...CODE], SCOPE, oidc);
    [rp, other, signed] = await Promise.all([
      client('rp'),
      client('other'),
      client('signed', { userinfoSignedResponseAlg: 'ES256' }),
    ]);
    await fx.createUser('alice', 'alice@example.com', OIDC_PASSWORD);
    await fx.createUser('bob', 'bob@example.com', OIDC_PASSWORD);
    aliceId = (await fx.store.findUserByLogin('alice'))!.id;
    bobId = (await fx.store.findUserByLogin('bob'))!.id;
    await fx.store.updateUser(aliceId, { displayName: 'Alice Liddell', emailVerified: true }, fx.clock.now());
  });

  afterAll(() => fx?.close());

  const accessTokenFor = async (
    user: string,
    client: CreatedClient & { client_secret: string },
    params: Record<string, string>,
  ) => {
    const browser = await signedInBrowser(fx, user);
    return tokensOf(await redeem(fx, client, await obtainCode(browser, client, params)));
  };

  describe('userinfo', () => {
    it('GET with a Bearer token: sub and the claims of the granted scopes, never cached', async () => {
      const tokens = await accessTokenFor('alice', rp, { scope: 'openid profile email' });
      const res = await userinfoRequest(fx, tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const alice = await fx.store.findUserById(aliceId);
      expect(await res.json()).toEqual({
        sub: aliceId,
        preferred_username: 'alice',
        name: 'Alice Liddell',
        updated_at: alice!.updatedAt,
        email: 'alice@example.com',
        email_verified: true,
      });
      // The ID token names the same subject.
      expect((await verifyIdToken(fx, tokens.id_token!, rp.client_id)).sub).toBe(aliceId);
    });

    it('only the claims of the granted scopes; the claims parameter never adds one the user did not allow', async () => {
      const email = await accessTokenFor('bob', rp, { scope: 'openid email' });
      expect(await (await userinfoRequest(fx, email.access_token)).json()).toEqual({
        sub: bobId,
        email: 'bob@example.com',
        email_verified: false,
      });
      // Attacker: name and email asked through the claims parameter with only openid allowed.
      const asked = await accessTokenFor('alice', rp, {
        scope: 'openid',
        claims: JSON.stringify({ userinfo: { name: { essential: true } }, id_token: { email: null } }),
      });
      expect(await (await userinfoRequest(fx, asked.access_token)).json()).toEqual({ sub: aliceId });
    });

    it('POST with the token in the header or (RFC 6750 §2.2) in a form body', async () => {
      const tokens = await accessTokenFor('alice', rp, { scope: 'openid email' });
      const inBody = await fetch(`${fx.url}/oauth/userinfo`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
      });
      expect(inBody.status).toBe(200);
      expect(await inBody.json()).toMatchObject({ sub: aliceId, email: 'alice@example.com' });
      const inHeader = await userinfoRequest(fx, tokens.access_token, { method: 'POST' });
      expect(inHeader.status).toBe(200);
      expect((await inHeader.json()).sub).toBe(aliceId);
    });

    it('signed userinfo (userinfo_signed_response_alg): application/jwt, verified with the JWKS', async () => {
      const tokens = await accessTokenFor('alice', signed, { scope: 'openid email' });
      const res = await userinfoRequest(fx, tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/jwt/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const { payload, protectedHeader } = await jwtVerify(
        await res.text(),
        createLocalJWKSet({ keys: await fetchJwks(fx) }),
        {
          issuer: fx.url,
          audience: signed.client_id,
          algorithms: ['ES256'],
          currentDate: new Date(fx.clock.now() * 1000),
        },
      );
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload).toMatchObject({ sub: aliceId, email: 'alice@example.com', email_verified: true });
    });

    it('another client’s token answers only its own grant: its user, its scopes, its claims request', async () => {
      await accessTokenFor('alice', rp, {
        scope: 'openid email',
        claims: JSON.stringify({ userinfo: { name: null } }),
      });
      const bobs = await accessTokenFor('bob', other, { scope: 'openid profile' });
      const answer = await (await userinfoRequest(fx, bobs.access_token)).json();
      expect(answer).toEqual({ sub: bobId, preferred_username: 'bob', updated_at: expect.any(Number) });
    });

    it('refuses per RFC 6750 §3.1: no token, a bad one, one without openid, a revoked one, a disabled user', async () => {
      await expectBearerError(await fetch(`${fx.url}/oauth/userinfo`), 401, null);
      await expectBearerError(await userinfoRequest(fx, 'not-a-token'), 401, 'invalid_token');

      const plain = await accessTokenFor('bob', rp, { scope: 'read' });
      expect(plain.id_token).toBeUndefined();
      await expectBearerError(await userinfoRequest(fx, plain.access_token), 403, 'insufficient_scope');

      const revoked = await accessTokenFor('bob', rp, { scope: 'openid' });
      expect((await userinfoRequest(fx, revoked.access_token)).status).toBe(200);
      const revoke = await httpRequest(`${fx.url}/oauth/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(rp.client_id, rp.client_secret),
        },
        body: new URLSearchParams({ token: revoked.access_token }).toString(),
      });
      expect(revoke.status).toBe(200);
      await expectBearerError(await userinfoRequest(fx, revoked.access_token), 401, 'invalid_token');

      const disabled = await accessTokenFor('bob', rp, { scope: 'openid' });
      await fx.store.updateUser(bobId, { enabled: false }, fx.clock.now());
      try {
        await expectBearerError(await userinfoRequest(fx, disabled.access_token), 401, 'invalid_token');
      } finally {
        await fx.store.updateUser(bobId, { enabled: true }, fx.clock.now());
      }
      expect((await userinfoRequest(fx, disabled.access_token)).status).toBe(200);
    });

    it('refuses the token in the query, a token sent two ways, repeated parameters, another scheme', async () => {
      const tokens = await accessTokenFor('alice', rp, { scope: 'openid' });
      const query = await fetch(`${fx.url}/oauth/userinfo?access_token=${tokens.access_token}`);
      await expectBearerError(query, 400, 'invalid_request');
      const twoWays = await userinfoRequest(fx, tokens.access_token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
      });
      await expectBearerError(twoWays, 400, 'invalid_request');
      const repeated = await fetch(`${fx.url}/oauth/userinfo`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${tokens.access_token}&access_token=${tokens.access_token}`,
      });
      expect(repeated.status).toBe(400);
      expect((await repeated.json()).error).toBe('invalid_request');
      const basic = await fetch(`${fx.url}/oauth/userinfo`, {
        headers: { authorization: basicAuthorization(rp.client_id, rp.client_secret) },
      });
      await expectBearerError(basic, 400, 'invalid_request');
      const put = await userinfoRequest(fx, tokens.access_token, { method: 'PUT' });
      expect(put.status).toBe(405);
    });

    it('is counted in the metrics like the other endpoints, by route and status', async () => {
      const tokens = await accessTokenFor('alice', rp, { scope: 'openid' });
      expect((await userinfoRequest(fx, tokens.access_token)).status).toBe(200);
      expect((await userinfoRequest(fx, 'unknown')).status).toBe(401);
      const metrics = await httpRequest(`${fx.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/gatehouse_http_requests_total\{[^}]*route="\/oauth\/userinfo"[^}]*status="200"/);
      expect(metrics.text).toMatch(/route="\/oauth\/userinfo"[^}]*status="401"/);
    });

    it('an expired token is invalid_token', async () => {
      const tokens = await accessTokenFor('alice', rp, { scope: 'openid' });
      fx.clock.advance(3601);
      await expectBearerError(await userinfoRequest(fx, tokens.access_token), 401, 'invalid_token');
    });
  });

  describe('discovery', () => {
    it('publishes /.well-known/openid-configuration: the RFC 8414 document, one issuer, one list', async () => {
      const res = await httpRequest(`${fx.url}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      const oauth = await httpRequest(`${fx.url}/.well-known/oauth-authorization-server`);
      expect(oauth.json).toEqual(res.json);
      const url = (path: string) => `${fx.url}${path}`;
      expect(res.json).toMatchObject({
        issuer: fx.url,
        authorization_endpoint: url('/oauth/authorize'),
        token_endpoint: url('/oauth/token'),
        userinfo_endpoint: url('/oauth/userinfo'),
        jwks_uri: url('/.well-known/jwks.json'),
        end_session_endpoint: url('/oauth/logout'),
        subject_types_supported: ['public', 'pairwise'],
        id_token_signing_alg_values_supported: ['RS256', 'EdDSA', 'ES256'],
        userinfo_signing_alg_values_supported: ['RS256', 'EdDSA', 'ES256'],
        scopes_supported: ['read', 'offline_access', 'openid', 'profile', 'email'],
        claims_parameter_supported: true,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        prompt_values_supported: ['none', 'login', 'consent', 'create'],
        code_challenge_methods_supported: ['S256'],
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
        frontchannel_logout_supported: false,
        acr_values_supported: ['urn:example:pwd'],
        claim_types_supported: ['normal'],
      });
      expect(res.json.response_types_supported).toContain('code');
      expect(res.json.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
      expect(res.json.claims_supported).toEqual(
        expect.arrayContaining(['sub', 'iss', 'auth_time', 'nonce', 'sid', 'email', 'email_verified', 'name']),
      );
      expect(res.json.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'private_key_jwt']),
      );
    });
  });
});

describeEachEngine('one sub everywhere, pairwise per sector (e2e)', (factory) => {
  let fx: TestServer;
  let sectorA: ConfidentialClient;
  let sectorA2: ConfidentialClient;
  let sectorB: ConfidentialClient;
  let publicSubjects: ConfidentialClient;
  let resourceServer: CreatedClient & { client_secret: string };
  let aliceId: string;

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine, env: { GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt' } });
    const client = (name: string, redirectUri: string, pairwise: boolean) =>
      oidcClient(fx, ['--name', name, '--redirect-uri', redirectUri, ...CODE], 'openid email', {
        ...(pairwise ? { subjectType: 'pairwise' as const } : {}),
      });
    [sectorA, sectorA2, sectorB, publicSubjects] = await Promise.all([
      client('a1', 'https://sector-a.example/one', true),
      client('a2', 'https://sector-a.example/two', true),
      client('b', 'https://sector-b.example/cb', true),
      client('pub', 'https://public.example/cb', false),
    ]);
    resourceServer = (await fx.createClient([
      '--name',
      'api',
      '--introspect',
      '--grant-type',
      'client_credentials',
    ])) as typeof resourceServer;
    await fx.createUser('alice', 'alice@example.com', OIDC_PASSWORD);
    aliceId = (await fx.store.findUserByLogin('alice'))!.id;
  });

  afterAll(() => fx?.close());

  const introspect = async (token: string, caller: { client_id: string; client_secret: string }) => {
    const res = await httpRequest(`${fx.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuthorization(caller.client_id, caller.client_secret),
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.active).toBe(true);
    return res.json.sub as string;
  };

  /** The sub of the ID token, userinfo, the JWT access token and introspection (by the client, by a resource server). */
  async function subjectsSeenBy(client: ConfidentialClient): Promise<string[]> {
    const browser = await signedInBrowser(fx, 'alice');
    const tokens = tokensOf(await redeem(fx, client, await obtainCode(browser, client, { scope: 'openid email' })));
    const idToken = await verifyIdToken(fx, tokens.id_token!, client.client_id);
    const userinfo = await (await userinfoRequest(fx, tokens.access_token)).json();
    const { payload: accessToken } = await verifyWith(fx, tokens.access_token);
    expect(accessToken.client_id).toBe(client.client_id);
    return [
      idToken.sub!,
      userinfo.sub,
      accessToken.sub!,
      await introspect(tokens.access_token, client),
      await introspect(tokens.access_token, resourceServer),
    ];
  }

  it('a public client sees the user id in all four places', async () => {
    expect(await subjectsSeenBy(publicSubjects)).toEqual(Array(5).fill(aliceId));
  });

  it('a pairwise client sees its sector’s sub in all four places; the same sector the same, another sector another', async () => {
    const [a1, a2, b] = [await subjectsSeenBy(sectorA), await subjectsSeenBy(sectorA2), await subjectsSeenBy(sectorB)];
    for (const seen of [a1, a2, b]) expect(new Set(seen).size).toBe(1);
    expect(a1[0]).toBe(a2[0]);
    expect(a1[0]).not.toBe(b[0]);
    for (const sub of [a1[0], b[0]]) {
      expect(sub).not.toBe(aliceId);
      expect(sub).not.toContain('alice');
      expect(sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('a pairwise client sees a sid of its sector too, and introspection never names the user to it', async () => {
    // Attacker: two sectors signed in through one browser session must not be able to join their
    // pairwise subjects by the session id, nor learn the username.
    const browser = await signedInBrowser(fx, 'alice');
    const signIn = async (client: ConfidentialClient) =>
      tokensOf(await redeem(fx, client, await obtainCode(browser, client, { scope: 'openid email' })));
    const idTokenOf = async (client: ConfidentialClient) =>
      verifyIdToken(fx, (await signIn(client)).id_token!, client.client_id);
    const [a1, a2, b, pub] = [
      await idTokenOf(sectorA),
      await idTokenOf(sectorA2),
      await idTokenOf(sectorB),
      await idTokenOf(publicSubjects),
    ];
    expect(a1.sid).toBe(a2.sid);
    expect(new Set([a1.sid, b.sid, pub.sid]).size).toBe(3);
    const described = async (client: ConfidentialClient) => {
      const res = await httpRequest(`${fx.url}/oauth/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(resourceServer.client_id, resourceServer.client_secret),
        },
        body: new URLSearchParams({ token: (await signIn(client)).access_token }).toString(),
      });
      return res.json;
    };
    expect(await described(sectorB)).not.toHaveProperty('username');
    expect((await described(publicSubjects)).username).toBe('alice');
  });

  it('a client’s own token (client credentials) keeps the client id as its sub', async () => {
    const res = await tokenRequest(
      fx.url,
      { grant_type: 'client_credentials' },
      { basic: [resourceServer.client_id, resourceServer.client_secret] },
    );
    expect(res.status, res.text).toBe(200);
    const { payload } = await verifyWith(fx, res.json.access_token);
    expect(payload.sub).toBe(resourceServer.client_id);
    expect(await introspect(res.json.access_token, resourceServer)).toBe(resourceServer.client_id);
  });
});
