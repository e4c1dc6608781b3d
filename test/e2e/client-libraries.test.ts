/**
 * Gatehouse as an outside user meets it: standard third-party OAuth 2 client libraries, used the
 * way their documentation says, against the built CLI's `gatehouse serve` (SQLite).
 *
 * - oauth4webapi (the base of openid-client v6): RFC 8414 discovery, client_credentials with
 *   client_secret_basic and client_secret_post, the password grant through the generic
 *   token-endpoint request, refresh with rotation and reuse detection, public clients (`None()`),
 *   and how the library surfaces Gatehouse's errors.
 * - simple-oauth2 (wreck over node:http): ClientCredentials and ResourceOwnerPassword with
 *   `authorizationMethod` header (the default) and body, AccessToken#refresh, reuse of a rotated
 *   refresh token, public clients, and the errors the library throws.
 *
 * Every request the libraries send is recorded (oauth4webapi through its `customFetch` option,
 * simple-oauth2 through an http.Agent that keeps the bytes written to the socket), so the tests
 * also show which client authentication really went over the wire.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import { createConnection, type NetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import * as oauth from 'oauth4webapi';
import { ClientCredentials, ResourceOwnerPassword, type AccessToken, type ModuleOptions } from 'simple-oauth2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import {
  createClient,
  createUser,
  migrateDatabase,
  startServer,
  stopAllServers,
  type CreatedClient,
  type RunningServer,
} from '../helpers/server.js';

const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
/** 256 random bits, base64url: 43 characters at least. */
const TOKEN_VALUE = /^[A-Za-z0-9_-]{43,}$/;
const USERNAME = 'alice';
const PASSWORD = 'correct horse battery staple';

type Confidential = CreatedClient & { client_secret: string };

// --- recording what the libraries send -------------------------------------------

interface SentRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: URLSearchParams;
}

/** oauth4webapi request options: plain http allowed, and every request recorded. */
function oauth4Recorder() {
  const sent: SentRequest[] = [];
  const record = async (url: string, init: oauth.CustomFetchOptions<string, URLSearchParams | undefined>): Promise<Response> => {
    const headers = Object.fromEntries(Object.entries(init.headers).map(([name, value]) => [name.toLowerCase(), value]));
    sent.push({ method: init.method, path: new URL(url).pathname, headers, body: new URLSearchParams(init.body ?? '') });
    return fetch(url, init);
  };
  const options = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: record };
  return { options, sent };
}

/**
 * An http.Agent (no keep-alive: one socket per request) that keeps every byte written to its
 * sockets; `sent()` parses them back into requests. simple-oauth2 passes `http.agent` on to
 * wreck, but deep-clones its options (Hoek.applyToDefaults) first: the recording lives in this
 * closure, which every clone of the agent shares, not in the agent object.
 */
function recordingAgent(): { agent: Agent; sent(): SentRequest[] } {
  const raw: Buffer[][] = [];
  class RecordingAgent extends Agent {
    override createConnection(options: ClientRequestArgs, _callback?: (err: Error | null, stream: Duplex) => void): Duplex {
      const socket = createConnection(options as NetConnectOpts);
      const chunks: Buffer[] = [];
      raw.push(chunks);
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((chunk: unknown, ...rest: unknown[]) => {
        const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk as Uint8Array));
        return write(chunk, ...rest);
      }) as typeof socket.write;
      return socket;
    }
  }
  const sent = () =>
    raw.map((chunks) => {
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const [requestLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
      const [method = '', path = ''] = requestLine.split(' ');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      return { method, path, headers, body: new URLSearchParams(text.slice(end + 4)) };
    });
  return { agent: new RecordingAgent(), sent };
}

/** `Basic base64(id:secret)` → [id, secret], each part form-decoded (RFC 6749 §2.3.1). */
function decodeBasic(authorization: string | undefined): [string, string] {
  expect(authorization).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
  const decoded = Buffer.from(authorization!.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
}

// --- what the libraries throw ----------------------------------------------------

/** Whatever a promise rejects with (the test fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it resolved');
}

/** The Boom error wreck (so simple-oauth2) throws for a 4xx answer. */
interface WreckResponseError extends Error {
  isBoom: true;
  output: { statusCode: number };
  data: { isResponseError: true; headers: Record<string, string | undefined>; payload: { error?: string; error_description?: string } };
}

async function simpleOauth2Error(promise: Promise<unknown>): Promise<WreckResponseError> {
  const error = (await rejection(promise)) as WreckResponseError;
  expect(error.isBoom, String(error)).toBe(true);
  expect(error.data?.isResponseError).toBe(true);
  return error;
}

describe('standard OAuth client libraries against gatehouse serve [sqlite]', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let issuer: URL;
  /** client_credentials only. */
  let service: Confidential;
  /** password + refresh_token, confidential. */
  let app: Confidential;
  /** password + refresh_token, public (no secret). */
  let spa: CreatedClient;

  beforeAll(async () => {
    db = await createSqliteDatabase();
    const database = await migrateDatabase(db);
    const created = await Promise.all([
      createClient(database, ['--name', 'service', '--grant-type', 'client_credentials'], SCOPE_ENV),
      createClient(database, ['--name', 'app', '--grant-type', 'password', '--grant-type', 'refresh_token'], SCOPE_ENV),
      createClient(database, ['--name', 'spa', '--public', '--grant-type', 'password', '--grant-type', 'refresh_token'], SCOPE_ENV),
      createUser(database, USERNAME, 'alice@example.com', PASSWORD),
    ]);
    service = created[0] as Confidential;
    app = created[1] as Confidential;
    spa = created[2];
    expect(typeof service.client_secret).toBe('string');
    expect(typeof app.client_secret).toBe('string');
    expect(spa.client_secret).toBeNull();
    server = await startServer({ database, env: SCOPE_ENV });
    issuer = new URL(server.url);
  });

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
  });

  describe('oauth4webapi', () => {
    /** Discovery through the library, as every oauth4webapi user starts. */
    async function discover(): Promise<oauth.AuthorizationServer> {
      const { options } = oauth4Recorder();
      const response = await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' });
      return oauth.processDiscoveryResponse(issuer, response);
    }

    it('discovers the server metadata (RFC 8414) and the issuer matches', async () => {
      const { options, sent } = oauth4Recorder();
      const response = await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' });
      expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /.well-known/oauth-authorization-server']);
      const as = await oauth.processDiscoveryResponse(issuer, response);
      expect(as.issuer).toBe(server.url);
      expect(as.token_endpoint).toBe(`${server.url}/oauth/token`);
      expect(as.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'password', 'refresh_token']));
      expect(as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']));
      expect(as.scopes_supported).toEqual(['read', 'write']);
    });

    it('refuses the plain-http issuer unless allowInsecureRequests is set (library guard, not Gatehouse)', async () => {
      await expect(oauth.discoveryRequest(issuer, { algorithm: 'oauth2' })).rejects.toMatchObject({ code: oauth.HTTP_REQUEST_FORBIDDEN });
    });

    it('client_credentials with ClientSecretBasic: Basic header only, default scope "read"', async () => {
      const as = await discover();
      const { options, sent } = oauth4Recorder();
      const response = await oauth.clientCredentialsGrantRequest(as, { client_id: service.client_id }, oauth.ClientSecretBasic(service.client_secret), {}, options);
      const tokens = await oauth.processClientCredentialsResponse(as, { client_id: service.client_id }, response);

      expect(sent).toHaveLength(1);
      expect(sent[0]!.path).toBe('/oauth/token');
      expect(decodeBasic(sent[0]!.headers.authorization)).toEqual([service.client_id, service.client_secret]);
      expect(sent[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
      expect(Object.fromEntries(sent[0]!.body)).toEqual({ grant_type: 'client_credentials' });

      expect(tokens.access_token).toMatch(TOKEN_VALUE);
      expect(tokens.token_type).toBe('bearer'); // the library lower-cases Gatehouse's "Bearer"
      expect(tokens.expires_in).toBe(3600);
      expect(tokens.scope).toBe('read');
      expect(tokens.refresh_token).toBeUndefined();
    });

    it('client_credentials with ClientSecretPost: credentials in the body, requested scope granted', async () => {
      const as = await discover();
      const { options, sent } = oauth4Recorder();
      const client = { client_id: service.client_id };
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(service.client_secret), { scope: 'read write' }, options);
      const tokens = await oauth.processClientCredentialsResponse(as, client, response);

      expect(sent[0]!.headers.authorization).toBeUndefined();
      expect(Object.fromEntries(sent[0]!.body)).toEqual({
        grant_type: 'client_credentials',
        scope: 'read write',
        client_id: service.client_id,
        client_secret: service.client_secret,
      });
      expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read write' });
      expect(tokens.access_token).toMatch(TOKEN_VALUE);
    });

    it('a wrong secret with ClientSecretBasic: 401 invalid_client, surfaced as a WWW-Authenticate challenge', async () => {
      const as = await discover();
      const { options } = oauth4Recorder();
      const client = { client_id: service.client_id };
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(`${service.client_secret}x`), {}, options);
      const error = await rejection(oauth.processClientCredentialsResponse(as, client, response));

      // oauth4webapi looks at WWW-Authenticate before the body: Gatehouse's Basic challenge
      // (RFC 6749 §5.2) makes it a WWWAuthenticateChallengeError, the body left unread.
      expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
      const challenge = error as oauth.WWWAuthenticateChallengeError;
      expect(challenge.status).toBe(401);
      expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'gatehouse', charset: 'UTF-8' } }]);
      expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('a wrong secret with ClientSecretPost: ResponseBodyError 401 invalid_client', async () => {
      const as = await discover();
      const { options } = oauth4Recorder();
      const client = { client_id: service.client_id };
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost('not-the-secret'), {}, options);
      const error = await rejection(oauth.processClientCredentialsResponse(as, client, response));

      expect(error).toBeInstanceOf(oauth.ResponseBodyError);
      const bodyError = error as oauth.ResponseBodyError;
      expect(bodyError).toMatchObject({ code: oauth.RESPONSE_BODY_ERROR, status: 401, error: 'invalid_client' });
      expect(typeof bodyError.error_description).toBe('string');
      expect(bodyError.response.headers.get('www-authenticate')).toBeNull();
    });

    it('password grant (genericTokenEndpointRequest) then refresh with rotation; the old refresh token is then invalid_grant', async () => {
      const as = await discover();
      const { options, sent } = oauth4Recorder();
      const client = { client_id: app.client_id };
      const auth = oauth.ClientSecretBasic(app.client_secret);

      const granted = await oauth.processGenericTokenEndpointResponse(
        as,
        client,
        await oauth.genericTokenEndpointRequest(as, client, auth, 'password', { username: USERNAME, password: PASSWORD, scope: 'read write' }, options),
      );
      expect(Object.fromEntries(sent[0]!.body)).toEqual({ grant_type: 'password', username: USERNAME, password: PASSWORD, scope: 'read write' });
      expect(granted).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read write' });
      expect(granted.access_token).toMatch(TOKEN_VALUE);
      expect(granted.refresh_token).toMatch(TOKEN_VALUE);

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, granted.refresh_token!, options),
      );
      expect(Object.fromEntries(sent[1]!.body)).toEqual({ grant_type: 'refresh_token', refresh_token: granted.refresh_token });
      expect(refreshed).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read write' });
      expect(refreshed.refresh_token).toMatch(TOKEN_VALUE);
      expect(refreshed.refresh_token).not.toBe(granted.refresh_token);
      expect(refreshed.access_token).not.toBe(granted.access_token);

      // Narrowing the scope on refresh (RFC 6749 §6), through the library's additionalParameters.
      const narrowed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, refreshed.refresh_token!, { ...options, additionalParameters: { scope: 'read' } }),
      );
      expect(narrowed.scope).toBe('read');
      expect(narrowed.refresh_token).not.toBe(refreshed.refresh_token);

      // The consumed refresh token: 400 invalid_grant as a ResponseBodyError.
      const reuse = await rejection(
        oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, granted.refresh_token!, options)),
      );
      expect(reuse).toBeInstanceOf(oauth.ResponseBodyError);
      expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });

      // Reuse revoked the whole family (RFC 9700 §4.14.2): the newest refresh token is dead too.
      const family = await rejection(
        oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, narrowed.refresh_token!, options)),
      );
      expect(family).toMatchObject({ status: 400, error: 'invalid_grant' });
    });

    it('password grant with a wrong password: ResponseBodyError 400 invalid_grant', async () => {
      const as = await discover();
      const { options } = oauth4Recorder();
      const client = { client_id: app.client_id };
      const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretPost(app.client_secret), 'password', { username: USERNAME, password: 'wrong' }, options);
      const error = await rejection(oauth.processGenericTokenEndpointResponse(as, client, response));
      expect(error).toBeInstanceOf(oauth.ResponseBodyError);
      expect(error).toMatchObject({ status: 400, error: 'invalid_grant' });
    });

    it('a public client with None(): password grant and refresh, client_id in the body and no secret anywhere', async () => {
      const as = await discover();
      const { options, sent } = oauth4Recorder();
      const client = { client_id: spa.client_id, token_endpoint_auth_method: 'none' };
      const granted = await oauth.processGenericTokenEndpointResponse(
        as,
        client,
        await oauth.genericTokenEndpointRequest(as, client, oauth.None(), 'password', { username: USERNAME, password: PASSWORD }, options),
      );
      expect(granted.scope).toBe('read');
      expect(granted.refresh_token).toMatch(TOKEN_VALUE);

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), granted.refresh_token!, options),
      );
      expect(refreshed).toMatchObject({ token_type: 'bearer', scope: 'read' });
      expect(refreshed.refresh_token).toMatch(TOKEN_VALUE);
      expect(refreshed.refresh_token).not.toBe(granted.refresh_token);

      for (const request of sent) {
        expect(request.headers.authorization).toBeUndefined();
        expect(request.body.get('client_id')).toBe(spa.client_id);
        expect(request.body.has('client_secret')).toBe(false);
      }

      const reuse = await rejection(
        oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), granted.refresh_token!, options)),
      );
      expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });
    });
  });

  describe('simple-oauth2', () => {
    function config(client: { client_id: string; client_secret: string | null }, authorizationMethod: 'header' | 'body' | undefined, agent: Agent): ModuleOptions {
      return {
        client: { id: client.client_id, secret: client.client_secret ?? '' },
        auth: { tokenHost: server.url, tokenPath: '/oauth/token' },
        http: { agent },
        // authorizationMethod undefined: the library defaults (header, bodyFormat form).
        ...(authorizationMethod ? { options: { authorizationMethod, bodyFormat: 'form' as const } } : {}),
      };
    }

    /** What a successful simple-oauth2 AccessToken holds. */
    function expectToken(accessToken: AccessToken, scope: string, refresh: boolean): Record<string, unknown> {
      const token = accessToken.token;
      expect(token.access_token).toMatch(TOKEN_VALUE);
      expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope });
      if (refresh) expect(token.refresh_token).toMatch(TOKEN_VALUE);
      else expect(token.refresh_token).toBeUndefined();
      // The library turns expires_in into expires_at.
      expect(token.expires_at).toBeInstanceOf(Date);
      const remaining = (token.expires_at as Date).getTime() - Date.now();
      expect(remaining).toBeGreaterThan(3500_000);
      expect(remaining).toBeLessThanOrEqual(3600_000);
      expect(accessToken.expired()).toBe(false);
      return token;
    }

    it('ClientCredentials with the defaults (Basic header, form body): getToken({scope: "read"})', async () => {
      const recorder = recordingAgent();
      const accessToken = await new ClientCredentials(config(service, undefined, recorder.agent)).getToken({ scope: 'read' });
      expectToken(accessToken, 'read', false);

      const [sent] = recorder.sent();
      expect(sent).toMatchObject({ method: 'POST', path: '/oauth/token' });
      expect(decodeBasic(sent!.headers.authorization)).toEqual([service.client_id, service.client_secret]);
      expect(sent!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(sent!.body)).toEqual({ grant_type: 'client_credentials', scope: 'read' });
    });

    it('ClientCredentials with authorizationMethod "body": client_id and client_secret in the form', async () => {
      const recorder = recordingAgent();
      const accessToken = await new ClientCredentials(config(service, 'body', recorder.agent)).getToken({ scope: ['read', 'write'] });
      expectToken(accessToken, 'read write', false);

      const [sent] = recorder.sent();
      expect(sent!.headers.authorization).toBeUndefined();
      expect(Object.fromEntries(sent!.body)).toEqual({
        grant_type: 'client_credentials',
        scope: 'read write',
        client_id: service.client_id,
        client_secret: service.client_secret,
      });
    });

    it.each(['header', 'body'] as const)('ClientCredentials (%s) with a wrong secret: the library throws 401 invalid_client', async (method) => {
      const recorder = recordingAgent();
      const error = await simpleOauth2Error(new ClientCredentials(config({ ...service, client_secret: 'wrong-secret' }, method, recorder.agent)).getToken({}));
      expect(error.output.statusCode).toBe(401);
      expect(error.data.payload.error).toBe('invalid_client');
      // RFC 6749 §5.2: the Basic challenge only when the client tried HTTP Basic.
      expect(error.data.headers['www-authenticate']).toBe(method === 'header' ? 'Basic realm="gatehouse", charset="UTF-8"' : undefined);
    });

    it.each(['header', 'body'] as const)(
      'ResourceOwnerPassword (%s): getToken, refresh() rotates, refreshing the original again is 400 invalid_grant',
      async (method) => {
        const recorder = recordingAgent();
        const owner = new ResourceOwnerPassword(config(app, method, recorder.agent));
        const original = await owner.getToken({ username: USERNAME, password: PASSWORD, scope: 'read write' });
        const first = expectToken(original, 'read write', true);

        const refreshed = await original.refresh();
        const second = expectToken(refreshed, 'read write', true);
        expect(second.access_token).not.toBe(first.access_token);
        expect(second.refresh_token).not.toBe(first.refresh_token);

        // The ORIGINAL token object again: its refresh token was consumed by the rotation.
        const reuse = await simpleOauth2Error(original.refresh());
        expect(reuse.output.statusCode).toBe(400);
        expect(reuse.data.payload.error).toBe('invalid_grant');
        // …and the reuse revoked the family: the rotated token is refused as well.
        const family = await simpleOauth2Error(refreshed.refresh());
        expect(family.output.statusCode).toBe(400);
        expect(family.data.payload.error).toBe('invalid_grant');

        // What went over the wire: four POSTs, each authenticated the configured way.
        const sent = recorder.sent();
        expect(sent.map((r) => r.body.get('grant_type'))).toEqual(['password', 'refresh_token', 'refresh_token', 'refresh_token']);
        expect(Object.fromEntries(sent[0]!.body)).toMatchObject({ username: USERNAME, password: PASSWORD, scope: 'read write' });
        expect(sent[1]!.body.get('refresh_token')).toBe(first.refresh_token);
        expect(sent[2]!.body.get('refresh_token')).toBe(first.refresh_token);
        expect(sent[3]!.body.get('refresh_token')).toBe(second.refresh_token);
        for (const request of sent) {
          if (method === 'header') {
            expect(decodeBasic(request.headers.authorization)).toEqual([app.client_id, app.client_secret]);
            expect(request.body.has('client_secret')).toBe(false);
          } else {
            expect(request.headers.authorization).toBeUndefined();
            expect(request.body.get('client_id')).toBe(app.client_id);
            expect(request.body.get('client_secret')).toBe(app.client_secret);
          }
        }
      },
    );

    it('ResourceOwnerPassword: refresh({scope}) narrows the grant', async () => {
      const owner = new ResourceOwnerPassword(config(app, undefined, recordingAgent().agent));
      const original = await owner.getToken({ username: 'alice@example.com', password: PASSWORD, scope: ['read', 'write'] });
      expectToken(original, 'read write', true);
      expectToken(await original.refresh({ scope: 'write' }), 'write', true);
    });

    it('ResourceOwnerPassword with a wrong password: 400 invalid_grant', async () => {
      const owner = new ResourceOwnerPassword(config(app, 'header', recordingAgent().agent));
      const error = await simpleOauth2Error(owner.getToken({ username: USERNAME, password: 'not my password' }));
      expect(error.output.statusCode).toBe(400);
      expect(error.data.payload.error).toBe('invalid_grant');
    });

    it.each(['header', 'body'] as const)('a public client (empty secret, %s): password grant and refresh work', async (method) => {
      const recorder = recordingAgent();
      const owner = new ResourceOwnerPassword(config(spa, method, recorder.agent));
      const original = await owner.getToken({ username: USERNAME, password: PASSWORD });
      const first = expectToken(original, 'read', true);
      const refreshed = await original.refresh();
      expect(expectToken(refreshed, 'read', true).refresh_token).not.toBe(first.refresh_token);

      // What simple-oauth2 sends for an empty secret: "client_id:" in Basic, or client_secret=.
      for (const request of recorder.sent()) {
        if (method === 'header') {
          expect(decodeBasic(request.headers.authorization)).toEqual([spa.client_id, '']);
        } else {
          expect(request.headers.authorization).toBeUndefined();
          expect(request.body.get('client_id')).toBe(spa.client_id);
          expect(request.body.get('client_secret')).toBe('');
        }
      }
    });
  });
});
