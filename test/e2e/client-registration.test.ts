/**
 * Client self-registration (RFC 7591) and its management (RFC 7592) at /oauth/register, on both
 * engines: each mode, the policy, software statements, read/update/delete, and what an attacker
 * tries (spent initial access tokens, another client's registration token, enumeration, tampered
 * statements, self-asserted privileges, bad redirect URIs, floods, huge and malformed bodies).
 */
import fc from 'fast-check';
import { generateKeyPair, exportJWK, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { runCli, parseJson } from '../helpers/cli.js';
import { databaseArg, httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import { tokenKey } from '../../src/core/secrets.js';
import { authorizePath, pkcePair } from '../helpers/browser-http.js';
import { OIDC_PASSWORD, signedInBrowser } from '../helpers/oidc-code-flow.js';

const WEB_APP = {
  client_name: 'Photo printer',
  redirect_uris: ['https://printer.example/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  scope: 'openid profile',
};
const MACHINE = { client_name: 'Batch job', grant_types: ['client_credentials'], scope: 'read' };

function register(fx: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return httpRequest(`${fx.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function manage(uri: string, token: string, method = 'GET', body?: unknown): Promise<HttpResult> {
  return httpRequest(uri, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

function expectRegistrationError(res: HttpResult, code: string): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status: 400, error: code });
  expect(res.json.error_description).toEqual(expect.any(String));
}

const CLIENT_CREDENTIALS = { grant_type: 'client_credentials' };

/** A trusted software statement issuer's key, and another nobody trusts. */
interface Issuer {
  privateKey: CryptoKey;
  jwks: { keys: Record<string, unknown>[] };
  kid: string;
}
async function issuer(kid: string): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, kid, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] } };
}
function statement(from: Issuer, claims: Record<string, unknown>, now: number, lifetime = 3600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: from.kid })
    .setIssuer('https://software.example')
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(from.privateKey);
}

describeEachEngine('client self-registration (RFC 7591/7592, e2e)', (factory) => {
  describe('mode off (the default)', () => {
    let fx: TestServer;
    beforeAll(async () => {
      fx = await startTestServer({ engine: factory.engine });
    });
    afterAll(() => fx?.close());

    it('has no registration endpoint and says none in metadata', async () => {
      expect((await register(fx, WEB_APP)).status).toBe(404);
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
        expect((await httpRequest(`${fx.url}${path}`)).json.registration_endpoint).toBeUndefined();
    });
  });

  describe('mode open', () => {
    let fx: TestServer;
    let trusted: Issuer;
    let stranger: Issuer;
    beforeAll(async () => {
      [trusted, stranger] = await Promise.all([issuer('trusted-1'), issuer('trusted-1')]);
      stranger.kid = 'stranger';
      fx = await startTestServer({
        engine: factory.engine,
        env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write admin' },
        config: {
          default_scope: 'read',
          client_registration: {
            mode: 'open',
            allowed_grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
            allowed_scopes: ['openid', 'profile', 'read', 'write'],
            software_statement_jwks: trusted.jwks,
            requests_per_address: 1000,
          },
        },
      });
    });
    afterAll(() => fx?.close());

    it('publishes registration_endpoint in both metadata documents', async () => {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
        expect((await httpRequest(`${fx.url}${path}`)).json.registration_endpoint).toBe(`${fx.url}/oauth/register`);
      const get = await httpRequest(`${fx.url}/oauth/register`);
      expect({ status: get.status, allow: get.headers.get('allow') }).toEqual({ status: 405, allow: 'POST' });
    });

    it('registers a confidential web app: 201, the client information response, never cached', async () => {
      const res = await register(fx, {
        ...WEB_APP,
        client_uri: 'https://printer.example/',
        contacts: ['ops@printer.example'],
      });
      expect(res.status, res.text).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = res.json;
      expect(body).toMatchObject({
        client_name: 'Photo printer',
        redirect_uris: WEB_APP.redirect_uris,
        grant_types: WEB_APP.grant_types,
        response_types: ['code'],
        scope: 'openid profile',
        token_endpoint_auth_method: 'client_secret_basic',
        client_uri: 'https://printer.example/',
        contacts: ['ops@printer.example'],
        client_secret_expires_at: 0,
        client_id_issued_at: fx.clock.now(),
        registration_client_uri: `${fx.url}/oauth/register/${body.client_id}`,
      });
      expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.registration_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // Only hashes are stored.
      const stored = await fx.store.clientRegistrations.findRegistration(body.client_id);
      expect(stored?.registeredAt).toBe(fx.clock.now());
      expect(JSON.stringify(stored)).not.toContain(body.registration_access_token);
      expect((await fx.store.findClient(body.client_id))?.secretHash).not.toBe(body.client_secret);
    });

    it('a registered client_credentials client gets tokens with its secret; client_secret_post is kept', async () => {
      const res = await register(fx, { ...MACHINE, token_endpoint_auth_method: 'client_secret_post' });
      expect(res.status, res.text).toBe(201);
      expect(res.json.token_endpoint_auth_method).toBe('client_secret_post');
      const token = await tokenRequest(fx.url, {
        ...CLIENT_CREDENTIALS,
        client_id: res.json.client_id,
        client_secret: res.json.client_secret,
      });
      expect(token.status, token.text).toBe(200);
      expect(token.json.scope).toBe('read');
    });

    it("a self-registered single-page app's redirect URI origin gets CORS, and an RFC 7592 update moves it", async () => {
      const preflight = (origin: string) =>
        httpRequest(`${fx.url}/oauth/token`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      const spa = (
        await register(fx, {
          ...WEB_APP,
          token_endpoint_auth_method: 'none',
          redirect_uris: ['https://spa.example/cb'],
        })
      ).json;
      expect((await preflight('https://spa.example')).headers.get('access-control-allow-origin')).toBe(
        'https://spa.example',
      );
      const moved = await manage(spa.registration_client_uri, spa.registration_access_token, 'PUT', {
        ...WEB_APP,
        client_id: spa.client_id,
        token_endpoint_auth_method: 'none',
        redirect_uris: ['https://app2.example/cb'],
      });
      expect(moved.status, moved.text).toBe(200);
      expect((await preflight('https://spa.example')).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight('https://app2.example')).headers.get('access-control-allow-origin')).toBe(
        'https://app2.example',
      );
    });

    it('a public client (none) gets no secret', async () => {
      const res = await register(fx, { ...WEB_APP, token_endpoint_auth_method: 'none' });
      expect(res.status, res.text).toBe(201);
      expect(res.json.client_secret).toBeUndefined();
      expect(res.json.client_secret_expires_at).toBeUndefined();
      expect((await fx.store.findClient(res.json.client_id))?.isPublic).toBe(true);
    });

    it('defaults: grant type authorization_code, response type code, the policy scopes', async () => {
      const res = await register(fx, { redirect_uris: ['https://app.example/cb'] });
      expect(res.status, res.text).toBe(201);
      expect(res.json).toMatchObject({
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: 'openid profile read write',
      });
    });

    it('the policy: grant types, scopes and auth methods outside it are invalid_client_metadata', async () => {
      expectRegistrationError(await register(fx, { ...WEB_APP, grant_types: ['password'] }), 'invalid_client_metadata');
      expectRegistrationError(await register(fx, { ...WEB_APP, scope: 'openid admin' }), 'invalid_client_metadata');
      expectRegistrationError(
        await register(fx, { ...WEB_APP, token_endpoint_auth_method: 'client_secret_jwt' }),
        'invalid_client_metadata',
      );
      expectRegistrationError(
        await register(fx, { ...MACHINE, token_endpoint_auth_method: 'none' }),
        'invalid_client_metadata',
      );
    });

    it('grant_types and response_types must agree (RFC 7591 section 2.1)', async () => {
      expectRegistrationError(await register(fx, { ...WEB_APP, response_types: ['token'] }), 'invalid_client_metadata');
      expectRegistrationError(await register(fx, { ...WEB_APP, response_types: [] }), 'invalid_client_metadata');
      expectRegistrationError(await register(fx, { ...MACHINE, response_types: ['code'] }), 'invalid_client_metadata');
      expectRegistrationError(
        await register(fx, { ...WEB_APP, response_types: ['code id_token'] }),
        'invalid_client_metadata',
      );
    });

    it('jwks and jwks_uri never both; private keys refused; wrong JSON types named', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      const jwks = { keys: [await exportJWK(publicKey)] };
      const both = {
        ...MACHINE,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks,
        jwks_uri: 'https://printer.example/jwks',
      };
      expectRegistrationError(await register(fx, both), 'invalid_client_metadata');
      const secretKeys = {
        ...MACHINE,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [await exportJWK(privateKey)] },
      };
      expectRegistrationError(await register(fx, secretKeys), 'invalid_client_metadata');
      const withKeys = await register(fx, { ...MACHINE, token_endpoint_auth_method: 'private_key_jwt', jwks });
      expect(withKeys.status, withKeys.text).toBe(201);
      expect(withKeys.json.client_secret).toBeUndefined();
      expectRegistrationError(
        await register(fx, { ...WEB_APP, redirect_uris: 'https://a.example/cb' }),
        'invalid_client_metadata',
      );
      expectRegistrationError(await register(fx, { ...WEB_APP, client_name: 42 }), 'invalid_client_metadata');
      expectRegistrationError(
        await register(fx, { ...WEB_APP, logo_uri: 'javascript:alert(1)' }),
        'invalid_client_metadata',
      );
    });

    it('redirect URIs: a fragment, plain http to another host, a missing one are invalid_redirect_uri', async () => {
      for (const uri of ['https://printer.example/cb#x', 'http://printer.example/cb', 'javascript:alert(1)'])
        expectRegistrationError(await register(fx, { ...WEB_APP, redirect_uris: [uri] }), 'invalid_redirect_uri');
      expectRegistrationError(await register(fx, { ...WEB_APP, redirect_uris: [] }), 'invalid_redirect_uri');
      // Loopback http is a native app's (RFC 8252 section 7.3).
      expect((await register(fx, { ...WEB_APP, redirect_uris: ['http://127.0.0.1/cb'] })).status).toBe(201);
    });

    it('OpenID Connect metadata goes through the same rules as client create', async () => {
      const res = await register(fx, {
        ...WEB_APP,
        post_logout_redirect_uris: ['https://printer.example/bye'],
        backchannel_logout_uri: 'https://printer.example/logout',
        backchannel_logout_session_required: true,
        id_token_signed_response_alg: 'ES256',
        subject_type: 'pairwise',
      });
      expect(res.status, res.text).toBe(201);
      expect(res.json).toMatchObject({
        post_logout_redirect_uris: ['https://printer.example/bye'],
        backchannel_logout_uri: 'https://printer.example/logout',
        id_token_signed_response_alg: 'ES256',
        subject_type: 'pairwise',
      });
      expectRegistrationError(
        await register(fx, { ...WEB_APP, id_token_signed_response_alg: 'none' }),
        'invalid_client_metadata',
      );
      const withoutOpenid = await register(fx, { ...WEB_APP, scope: 'read', subject_type: 'pairwise' });
      expectRegistrationError(withoutOpenid, 'invalid_client_metadata');
      expect(withoutOpenid.json.error_description).not.toContain('--');
    });

    it('self-asserted privileges are ignored: never trusted, never allowed to introspect', async () => {
      const res = await register(fx, {
        ...MACHINE,
        trusted: true,
        can_introspect: true,
        introspect: true,
        canIntrospect: true,
      });
      expect(res.status, res.text).toBe(201);
      const record = await fx.store.findClient(res.json.client_id);
      expect({ trusted: record?.trusted, canIntrospect: record?.canIntrospect }).toEqual({
        trusted: false,
        canIntrospect: false,
      });
      // Another client's token: only a resource server an administrator made may introspect it.
      const other = await fx.createClient(['--grant-type', 'client_credentials']);
      const token = await tokenRequest(fx.url, CLIENT_CREDENTIALS, { basic: [other.client_id, other.client_secret!] });
      expect(token.status).toBe(200);
      const introspection = await httpRequest(`${fx.url}/oauth/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${res.json.client_id}:${res.json.client_secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: token.json.access_token }).toString(),
      });
      expect(introspection.status).toBe(200);
      expect(introspection.json).toEqual({ active: false });
    });

    it('a self-registered web app that claims to be trusted still gets the consent page, then a code and tokens', async () => {
      const created = (await register(fx, { ...WEB_APP, trusted: true })).json;
      await fx.createUser('alice', 'alice@example.com', OIDC_PASSWORD);
      const browser = await signedInBrowser(fx, 'alice');
      const { verifier, challenge } = pkcePair();
      const redirectUri = WEB_APP.redirect_uris[0]!;
      const shown = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id: created.client_id,
          redirect_uri: redirectUri,
          scope: 'openid profile',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          state: 's',
          nonce: 'n',
        }),
      );
      // The consent page, naming the app by the name it gave itself.
      expect(shown.status).toBe(200);
      expect(shown.text).toContain('Photo printer');
      const answered = await browser.answerConsent(shown.text, 'allow');
      const code = new URL(answered.location ?? '').searchParams.get('code');
      expect(code).toBeTruthy();
      const tokens = await tokenRequest(
        fx.url,
        { grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier },
        { basic: [created.client_id, created.client_secret] },
      );
      expect(tokens.status, tokens.text).toBe(200);
      expect(tokens.json).toMatchObject({ scope: 'openid profile', id_token: expect.any(String) });
    });

    it('malformed bodies are 400 invalid_request, never a 5xx: repeated keys, non-objects, wrong type', async () => {
      const repeated = '{"client_name":"a","redirect_uris":["https://a.example/cb"],"client_name":"b"}';
      const nested = '{"jwks":{"keys":[{"kty":"EC","kty":"RSA"}]}}';
      const deep = `{"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":${'['.repeat(3000)}${']'.repeat(3000)}}}`;
      for (const body of [repeated, nested, deep, '[]', '"x"', 'null', '42', '{', ''])
        expect({ body, ...(await register(fx, body)).json }).toMatchObject({ body, error: 'invalid_request' });
      const form = await httpRequest(`${fx.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_name=x',
      });
      expect(form.status).toBe(400);
    });

    it('any JSON in any metadata field gets a 201 or a 400 with an RFC 7591 error, never a 5xx', async () => {
      const fields = [
        ...Object.keys(WEB_APP),
        'token_endpoint_auth_method',
        'client_uri',
        'logo_uri',
        'contacts',
        'jwks',
        'jwks_uri',
        'software_statement',
        'post_logout_redirect_uris',
        'backchannel_logout_uri',
        'backchannel_logout_session_required',
        'id_token_signed_response_alg',
        'subject_type',
        'sector_identifier_uri',
        '__proto__',
        'constructor',
      ];
      const codes = [
        'invalid_request',
        'invalid_redirect_uri',
        'invalid_client_metadata',
        'invalid_software_statement',
        'unapproved_software_statement',
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
          async (changes) => {
            const res = await register(fx, { ...WEB_APP, ...changes });
            if (res.status !== 201) {
              expect(res.status, res.text).toBe(400);
              expect(codes).toContain(res.json.error);
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it('a huge body is refused with 413 and registers nothing', async () => {
      const before = (await fx.store.listClients()).length;
      const res = await register(fx, { ...WEB_APP, client_name: 'x'.repeat(200_000) });
      expect(res.status).toBe(413);
      expect((await fx.store.listClients()).length).toBe(before);
    });

    it('software statement from a trusted key: its claims win over the request', async () => {
      const signed = await statement(
        trusted,
        { client_name: 'Certified printer', software_id: 'printer-4000' },
        fx.clock.now(),
      );
      const res = await register(fx, { ...WEB_APP, client_name: 'Evil printer', software_statement: signed });
      expect(res.status, res.text).toBe(201);
      expect(res.json).toMatchObject({
        client_name: 'Certified printer',
        software_id: 'printer-4000',
        software_statement: signed,
      });
    });

    it('software statements: an untrusted key is unapproved; tampered, expired or malformed are invalid', async () => {
      const now = fx.clock.now();
      const untrusted = await statement(stranger, { client_name: 'x' }, now);
      expectRegistrationError(
        await register(fx, { ...WEB_APP, software_statement: untrusted }),
        'unapproved_software_statement',
      );
      const [header, payload, signature] = (await statement(trusted, { scope: 'openid' }, now)).split('.');
      const forged = Buffer.from(JSON.stringify({ scope: 'openid admin', iss: 'https://software.example' })).toString(
        'base64url',
      );
      expectRegistrationError(
        await register(fx, { ...WEB_APP, software_statement: `${header}.${forged}.${signature}` }),
        'invalid_software_statement',
      );
      expect(payload).toBeTruthy();
      const expired = await statement(trusted, { client_name: 'old' }, now - 7200, 3600);
      expectRegistrationError(
        await register(fx, { ...WEB_APP, software_statement: expired }),
        'invalid_software_statement',
      );
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
      expectRegistrationError(
        await register(fx, { ...WEB_APP, software_statement: unsigned }),
        'invalid_software_statement',
      );
      expectRegistrationError(await register(fx, { ...WEB_APP, software_statement: 42 }), 'invalid_software_statement');
    });

    it('a software statement cannot lift the policy: its scope is checked like the request', async () => {
      const signed = await statement(trusted, { scope: 'admin' }, fx.clock.now());
      expectRegistrationError(
        await register(fx, { ...WEB_APP, software_statement: signed }),
        'invalid_client_metadata',
      );
    });

    it('RFC 7592: read, replace and delete with the registration access token', async () => {
      const created = (await register(fx, MACHINE)).json;
      const uri = created.registration_client_uri;
      const token = created.registration_access_token;

      const read = await manage(uri, token);
      expect(read.status, read.text).toBe(200);
      expect(read.headers.get('cache-control')).toBe('no-store');
      expect(read.json).toMatchObject({
        client_id: created.client_id,
        client_name: 'Batch job',
        registration_access_token: token,
      });
      expect(read.json.client_secret).toBeUndefined();

      // Warm the client cache, then replace: the very next token request sees the new scope.
      const first = await tokenRequest(
        fx.url,
        { ...CLIENT_CREDENTIALS, scope: 'write' },
        { basic: [created.client_id, created.client_secret] },
      );
      expect(first.json.error).toBe('invalid_scope');
      const replaced = await manage(uri, token, 'PUT', {
        ...MACHINE,
        client_id: created.client_id,
        client_name: 'Nightly job',
        scope: 'write',
      });
      expect(replaced.status, replaced.text).toBe(200);
      expect(replaced.json).toMatchObject({ client_name: 'Nightly job', scope: 'write', client_id: created.client_id });
      expect(replaced.json.client_secret).toBeUndefined();
      const after = await tokenRequest(
        fx.url,
        { ...CLIENT_CREDENTIALS, scope: 'write' },
        { basic: [created.client_id, created.client_secret] },
      );
      expect(after.status, after.text).toBe(200);
      expect(after.json.scope).toBe('write');
      expect((await manage(uri, token)).json.client_name).toBe('Nightly job');

      // PUT holds the same rules: a bad redirect URI, a foreign client_id, a wrong secret.
      expectRegistrationError(
        await manage(uri, token, 'PUT', {
          ...WEB_APP,
          client_id: created.client_id,
          redirect_uris: ['https://x.example/#f'],
        }),
        'invalid_redirect_uri',
      );
      expectRegistrationError(
        await manage(uri, token, 'PUT', { ...MACHINE, client_id: 'another' }),
        'invalid_client_metadata',
      );
      expectRegistrationError(
        await manage(uri, token, 'PUT', { ...MACHINE, client_id: created.client_id, client_secret: 'guess' }),
        'invalid_client_metadata',
      );
      expectRegistrationError(
        await manage(uri, token, 'PUT', { ...MACHINE, client_id: created.client_id, grant_types: ['password'] }),
        'invalid_client_metadata',
      );

      expect(await fx.store.findAccessToken(tokenKey(after.json.access_token))).not.toBeNull();
      const deleted = await manage(uri, token, 'DELETE');
      expect(deleted.status, deleted.text).toBe(204);
      expect(await fx.store.findClient(created.client_id)).toBeNull();
      // Its tokens went with it.
      expect(await fx.store.findAccessToken(tokenKey(after.json.access_token))).toBeNull();
      const refused = await tokenRequest(fx.url, CLIENT_CREDENTIALS, {
        basic: [created.client_id, created.client_secret],
      });
      expect(refused.status).toBe(401);
      expect((await manage(uri, token)).status).toBe(401);
    });

    it("enumeration and confusion: a wrong token, another client's token and an unknown client get the same 401", async () => {
      const mine = (await register(fx, MACHINE)).json;
      const theirs = (await register(fx, MACHINE)).json;
      const answers = [
        await manage(mine.registration_client_uri, theirs.registration_access_token),
        await manage(mine.registration_client_uri, 'A'.repeat(43)),
        await manage(`${fx.url}/oauth/register/no-such-client`, theirs.registration_access_token),
        await manage(mine.registration_client_uri, theirs.registration_access_token, 'DELETE'),
        await manage(mine.registration_client_uri, theirs.registration_access_token, 'PUT', {
          ...MACHINE,
          client_id: mine.client_id,
        }),
        // A client created by an administrator cannot be managed through this endpoint either.
        await manage(
          `${fx.url}/oauth/register/${(await fx.createClient()).client_id}`,
          theirs.registration_access_token,
        ),
      ];
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(res.json).toEqual(answers[0]!.json);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      }
      const bare = await httpRequest(mine.registration_client_uri);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toBe('Bearer');
      expect(await fx.store.findClient(mine.client_id)).not.toBeNull();
    });

    it('audits registration, update and delete', async () => {
      const created = (await register(fx, MACHINE)).json;
      await manage(created.registration_client_uri, created.registration_access_token, 'PUT', {
        ...MACHINE,
        client_id: created.client_id,
      });
      await manage(created.registration_client_uri, created.registration_access_token, 'DELETE');
      await fx.gatehouse.auditLog?.flush();
      const events = (await fx.store.listAuditEvents({ clientId: created.client_id, limit: 10 })).map((e) => e.type);
      expect(events.sort()).toEqual([
        'client.registered',
        'client.registration_deleted',
        'client.registration_updated',
      ]);
    });
  });

  describe('two nodes on one database', () => {
    it('an RFC 7592 update or delete on one node takes effect at once on another that has the client cached', async () => {
      const a = await startTestServer({
        engine: factory.engine,
        env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write' },
        config: {
          client_registration: {
            mode: 'open',
            allowed_grant_types: ['client_credentials'],
            allowed_scopes: ['read', 'write'],
          },
        },
      });
      const b = await startTestServer({ database: a.database, env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write' } });
      try {
        const created = (await register(a, MACHINE)).json;
        const basic: [string, string] = [created.client_id, created.client_secret];
        const write = { ...CLIENT_CREDENTIALS, scope: 'write' };
        // Node b answers from its client cache (on PostgreSQL once its listener is up: seen, not waited for).
        const hitsBefore = b.store.clientCacheHits;
        for (
          let round = 0;
          round < 500 && (round < 5 || (factory.engine === 'postgres' && b.store.clientCacheHits - hitsBefore < 3));
          round++
        )
          expect((await tokenRequest(b.url, write, { basic })).json.error).toBe('invalid_scope');
        const replaced = await manage(created.registration_client_uri, created.registration_access_token, 'PUT', {
          ...MACHINE,
          client_id: created.client_id,
          scope: 'read write',
        });
        expect(replaced.status, replaced.text).toBe(200);
        expect((await tokenRequest(b.url, write, { basic })).status).toBe(200);
        expect(
          (await manage(created.registration_client_uri, created.registration_access_token, 'DELETE')).status,
        ).toBe(204);
        expect((await tokenRequest(b.url, write, { basic })).status).toBe(401);
      } finally {
        await b.close();
        await a.close();
      }
    });
  });

  describe('limits', () => {
    it('rate limit per address: 429 with Retry-After, nothing stored', async () => {
      const fx = await startTestServer({
        engine: factory.engine,
        config: { client_registration: { mode: 'open', requests_per_address: 2 } },
      });
      try {
        expect((await register(fx, WEB_APP)).status).toBe(201);
        // A refused registration counts too.
        expect((await register(fx, { ...WEB_APP, redirect_uris: ['bad'] })).status).toBe(400);
        const statuses = [];
        let blocked: HttpResult | undefined;
        for (let i = 0; i < 3 && !blocked; i++) {
          const res = await register(fx, WEB_APP);
          statuses.push(res.status);
          if (res.status === 429) blocked = res;
        }
        expect(statuses.at(-1)).toBe(429);
        expect(blocked?.json.error).toBe('invalid_request');
        const wait = Number(blocked?.headers.get('retry-after'));
        expect(wait).toBeGreaterThan(0);
        expect((await fx.store.listClients()).length).toBe(statuses.filter((s) => s === 201).length + 1);
        expect((await register(fx, WEB_APP)).status).toBe(429);
        fx.clock.advance(wait);
        expect((await register(fx, WEB_APP)).status).toBe(201);
      } finally {
        await fx.close();
      }
    });

    it('the total cap: once max_clients registered themselves, more are refused; a deletion frees a place', async () => {
      const fx = await startTestServer({
        engine: factory.engine,
        config: { client_registration: { mode: 'open', max_clients: 2 } },
      });
      try {
        await fx.createClient(); // an administrator's client does not count
        const first = (await register(fx, WEB_APP)).json;
        expect((await register(fx, WEB_APP)).status).toBe(201);
        const refused = await register(fx, WEB_APP);
        expectRegistrationError(refused, 'invalid_client_metadata');
        expect(await Promise.all([1, 2, 3].map(() => register(fx, WEB_APP).then((r) => r.status)))).toEqual([
          400, 400, 400,
        ]);
        expect((await manage(first.registration_client_uri, first.registration_access_token, 'DELETE')).status).toBe(
          204,
        );
        expect((await register(fx, WEB_APP)).status).toBe(201);
      } finally {
        await fx.close();
      }
    });

    it('require_software_statement: a registration without one is refused', async () => {
      const signer = await issuer('k1');
      const fx = await startTestServer({
        engine: factory.engine,
        config: {
          client_registration: { mode: 'open', software_statement_jwks: signer.jwks, require_software_statement: true },
        },
      });
      try {
        expectRegistrationError(await register(fx, WEB_APP), 'invalid_software_statement');
        const signed = await statement(signer, { software_id: 'a' }, fx.clock.now());
        expect((await register(fx, { ...WEB_APP, software_statement: signed })).status).toBe(201);
      } finally {
        await fx.close();
      }
    });
  });

  describe('mode initial_access_token', () => {
    let fx: TestServer;
    beforeAll(async () => {
      fx = await startTestServer({
        engine: factory.engine,
        config: { client_registration: { mode: 'initial_access_token', requests_per_address: 1000 } },
      });
    });
    afterAll(() => fx?.close());

    async function initialAccessToken(...flags: string[]): Promise<{ id: string; token: string }> {
      const result = await runCli([
        'client',
        'registration-token',
        'create',
        '--database',
        databaseArg(fx.database),
        '--json',
        ...flags,
      ]);
      expect(result.code, result.stderr).toBe(0);
      return parseJson(result);
    }

    it('without a token: 401 with a Bearer challenge; a made-up token: 401 invalid_token', async () => {
      const none = await register(fx, WEB_APP);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const made = await register(fx, WEB_APP, { authorization: `Bearer ${'x'.repeat(43)}` });
      expect(made.status).toBe(401);
      expect(made.json.error).toBe('invalid_token');
      expect(made.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect((await fx.store.listClients()).length).toBe(0);
    });

    it('a token with --max-uses 2 registers two clients, then is spent (replay refused)', async () => {
      const { token } = await initialAccessToken('--expires', '1h', '--max-uses', '2');
      const auth = { authorization: `Bearer ${token}` };
      expect((await register(fx, WEB_APP, auth)).status).toBe(201);
      // A refused registration does not spend a use.
      expect((await register(fx, { ...WEB_APP, redirect_uris: ['nope'] }, auth)).status).toBe(400);
      expect((await register(fx, WEB_APP, auth)).status).toBe(201);
      const replay = await register(fx, WEB_APP, auth);
      expect(replay.status).toBe(401);
      expect(replay.json.error).toBe('invalid_token');
    });

    it('uses are counted atomically: concurrent registrations never exceed --max-uses', async () => {
      const { token } = await initialAccessToken('--expires', '1h', '--max-uses', '3');
      const statuses = await Promise.all(
        Array.from({ length: 8 }, () =>
          register(fx, WEB_APP, { authorization: `Bearer ${token}` }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201).length).toBe(3);
      expect(statuses.filter((s) => s === 401).length).toBe(5);
    });

    it('an expired or revoked token is refused', async () => {
      const short = await initialAccessToken('--expires', '10m');
      const revoked = await initialAccessToken('--expires', '1d');
      const revoke = await runCli([
        'client',
        'registration-token',
        'revoke',
        revoked.id,
        '--database',
        databaseArg(fx.database),
      ]);
      expect(revoke.code, revoke.stderr).toBe(0);
      expect((await register(fx, WEB_APP, { authorization: `Bearer ${revoked.token}` })).status).toBe(401);
      const fresh = await register(fx, WEB_APP, { authorization: `Bearer ${short.token}` });
      expect(fresh.status, fresh.text).toBe(201);
      // The CLI dated the token by the real clock; the server's clock may lag it by the time the
      // file has taken so far. Past its 10 minutes on the server's clock, whatever that lag.
      const lag = Math.max(0, Math.ceil(Date.now() / 1000) - fx.clock.now());
      fx.clock.advance(lag + 601);
      expect((await register(fx, WEB_APP, { authorization: `Bearer ${short.token}` })).status).toBe(401);
    });

    it('an initial access token is not a registration access token, nor the reverse', async () => {
      const { token } = await initialAccessToken('--expires', '1h');
      const created = (await register(fx, WEB_APP, { authorization: `Bearer ${token}` })).json;
      expect((await manage(created.registration_client_uri, token)).status).toBe(401);
      expect(
        (await register(fx, WEB_APP, { authorization: `Bearer ${created.registration_access_token}` })).status,
      ).toBe(401);
      // No secret reaches the log or the audit log.
      await fx.gatehouse.auditLog?.flush();
      const audit = JSON.stringify(await fx.store.listAuditEvents({ limit: 1000 }));
      for (const secret of [token, created.client_secret, created.registration_access_token]) {
        expect(fx.logs()).not.toContain(secret);
        expect(audit).not.toContain(secret);
      }
    });
  });
});
