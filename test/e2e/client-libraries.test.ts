/**
 * Gatehouse as an outside user meets it: standard third-party OAuth 2 client libraries, used the
 * way their documentation says, against the real app served in the test's process on a port of its
 * own (test/harness, SQLite).
 *
 * - oauth4webapi (the base of openid-client v6): RFC 8414 discovery, client_credentials with
 *   client_secret_basic and client_secret_post, the password grant through the generic
 *   token-endpoint request, refresh with rotation and reuse detection, public clients (`None()`),
 *   and how the library surfaces Gatehouse's errors.
 * - simple-oauth2 (wreck over node:http): ClientCredentials and ResourceOwnerPassword with
 *   `authorizationMethod` header (the default) and body, AccessToken#refresh, reuse of a rotated
 *   refresh token, public clients, and the errors the library throws.
 * - The authorization code flow with PKCE through both libraries: each builds the authorization
 *   URL, headless Chromium (../helpers/browser.ts) signs in and answers the consent page as a
 *   person would, the browser lands on a real loopback redirect URI, and the library validates
 *   the response (oauth4webapi: state and RFC 9207 iss) and exchanges the code.
 *
 * Every request the libraries send is recorded (oauth4webapi through its `customFetch` option,
 * simple-oauth2 through an http.Agent that keeps the bytes written to the socket), so the tests
 * also show which client authentication really went over the wire.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import { createConnection, type NetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import * as oauth from 'oauth4webapi';
import {
  AuthorizationCode,
  ClientCredentials,
  ResourceOwnerPassword,
  type AccessToken,
  type ModuleOptions,
} from 'simple-oauth2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

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
  const record = async (
    url: string,
    init: oauth.CustomFetchOptions<string, URLSearchParams | undefined>,
  ): Promise<Response> => {
    const headers = Object.fromEntries(
      Object.entries(init.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    sent.push({
      method: init.method,
      path: new URL(url).pathname,
      headers,
      body: new URLSearchParams(init.body ?? ''),
    });
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
    override createConnection(
      options: ClientRequestArgs,
      _callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex {
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
  data: {
    isResponseError: true;
    headers: Record<string, string | undefined>;
    payload: { error?: string; error_description?: string };
  };
}

async function simpleOauth2Error(promise: Promise<unknown>): Promise<WreckResponseError> {
  const error = (await rejection(promise)) as WreckResponseError;
  expect(error.isBoom, String(error)).toBe(true);
  expect(error.data?.isResponseError).toBe(true);
  return error;
}

describe('standard OAuth client libraries against gatehouse serve [sqlite]', () => {
  const chromium = useBrowser();
  let server: TestServer;
  let issuer: URL;
  /** The redirect URI of the authorization code clients: a real loopback HTTP server. */
  let callback: CallbackServer;
  /** client_credentials only. */
  let service: Confidential;
  /** password + refresh_token, confidential. */
  let app: Confidential;
  /** password + refresh_token, public (no secret). */
  let spa: CreatedClient;
  /**
   * Authorization code clients (the CLI's default grant types: authorization_code and
   * refresh_token), one per test so that each test meets the consent page exactly once.
   */
  let codeClients: {
    oauth4Web: Confidential;
    oauth4Native: CreatedClient;
    simpleHeader: Confidential;
    simpleBody: Confidential;
  };

  beforeAll(async () => {
    callback = await startCallbackServer();
    server = await startTestServer({ env: SCOPE_ENV });
    const codeClient = (name: string, ...flags: string[]) =>
      server.createClient(['--name', name, '--redirect-uri', callback.url, ...flags]);
    const created = await Promise.all([
      server.createClient(['--name', 'service', '--grant-type', 'client_credentials']),
      server.createClient(['--name', 'app', '--grant-type', 'password', '--grant-type', 'refresh_token']),
      server.createClient(['--name', 'spa', '--public', '--grant-type', 'password', '--grant-type', 'refresh_token']),
      server.createUser(USERNAME, 'alice@example.com', PASSWORD),
      codeClient('oauth4webapi web app'),
      codeClient('oauth4webapi native app', '--public'),
      codeClient('simple-oauth2 web app (header)'),
      codeClient('simple-oauth2 web app (body)'),
    ]);
    service = created[0] as Confidential;
    app = created[1] as Confidential;
    spa = created[2];
    codeClients = {
      oauth4Web: created[4] as Confidential,
      oauth4Native: created[5] as CreatedClient,
      simpleHeader: created[6] as Confidential,
      simpleBody: created[7] as Confidential,
    };
    expect(codeClients.oauth4Web.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(codeClients.oauth4Native.client_secret).toBeNull();
    expect(typeof service.client_secret).toBe('string');
    expect(typeof app.client_secret).toBe('string');
    expect(spa.client_secret).toBeNull();
    issuer = new URL(server.url);
  });

  beforeEach(() => callback.clear());

  afterAll(async () => {
    await server?.close();
    await callback?.close();
  });

  /**
   * What a person does after the app sent them to `authorizationUrl`: in a fresh (signed-out)
   * browser, sign in as alice, press `decision` on the consent page; resolves with the URL the
   * browser then lands on at the client's redirect URI.
   */
  async function signInAndDecide(authorizationUrl: string, decision: 'Allow' | 'Deny' = 'Allow'): Promise<URL> {
    const page = await chromium.newPage();
    await page.goto(authorizationUrl);
    const login = new URL(page.url());
    expect(`${login.origin}${login.pathname}`).toBe(`${server.url}/login`);
    expect((await submitSignIn(page, USERNAME, PASSWORD)).status()).toBe(303);
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/oauth/authorize');
    expect((await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ')).toMatch(
      / wants to access your account$/,
    );
    await page.getByRole('button', { name: decision }).click();
    const landed = await waitForUrlPrefix(page, callback.url);
    expect(callback.received.map(String)).toEqual([landed.href]);
    return landed;
  }

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
      expect(as.grant_types_supported).toEqual(
        expect.arrayContaining(['client_credentials', 'password', 'refresh_token']),
      );
      expect(as.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
      );
      expect(as.scopes_supported).toEqual(['read', 'write', 'openid', 'profile', 'email']);
    });

    it('refuses the plain-http issuer unless allowInsecureRequests is set (library guard, not Gatehouse)', async () => {
      await expect(oauth.discoveryRequest(issuer, { algorithm: 'oauth2' })).rejects.toMatchObject({
        code: oauth.HTTP_REQUEST_FORBIDDEN,
      });
    });

    it('client_credentials with ClientSecretBasic: Basic header only, default scope "read"', async () => {
      const as = await discover();
      const { options, sent } = oauth4Recorder();
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: service.client_id },
        oauth.ClientSecretBasic(service.client_secret),
        {},
        options,
      );
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
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretPost(service.client_secret),
        { scope: 'read write' },
        options,
      );
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
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(`${service.client_secret}x`),
        {},
        options,
      );
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
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretPost('not-the-secret'),
        {},
        options,
      );
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
        await oauth.genericTokenEndpointRequest(
          as,
          client,
          auth,
          'password',
          { username: USERNAME, password: PASSWORD, scope: 'read write' },
          options,
        ),
      );
      expect(Object.fromEntries(sent[0]!.body)).toEqual({
        grant_type: 'password',
        username: USERNAME,
        password: PASSWORD,
        scope: 'read write',
      });
      expect(granted).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read write' });
      expect(granted.access_token).toMatch(TOKEN_VALUE);
      expect(granted.refresh_token).toMatch(TOKEN_VALUE);

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, granted.refresh_token!, options),
      );
      expect(Object.fromEntries(sent[1]!.body)).toEqual({
        grant_type: 'refresh_token',
        refresh_token: granted.refresh_token,
      });
      expect(refreshed).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read write' });
      expect(refreshed.refresh_token).toMatch(TOKEN_VALUE);
      expect(refreshed.refresh_token).not.toBe(granted.refresh_token);
      expect(refreshed.access_token).not.toBe(granted.access_token);

      // Narrowing the scope on refresh (RFC 6749 §6), through the library's additionalParameters.
      const narrowed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, refreshed.refresh_token!, {
          ...options,
          additionalParameters: { scope: 'read' },
        }),
      );
      expect(narrowed.scope).toBe('read');
      expect(narrowed.refresh_token).not.toBe(refreshed.refresh_token);

      // The consumed refresh token: 400 invalid_grant as a ResponseBodyError.
      const reuse = await rejection(
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, auth, granted.refresh_token!, options),
        ),
      );
      expect(reuse).toBeInstanceOf(oauth.ResponseBodyError);
      expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });

      // Reuse revoked the whole family (RFC 9700 §4.14.2): the newest refresh token is dead too.
      const family = await rejection(
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, auth, narrowed.refresh_token!, options),
        ),
      );
      expect(family).toMatchObject({ status: 400, error: 'invalid_grant' });
    });

    it('resource indicators (RFC 8707): repeated resource in client_credentials and refresh, aud in introspection, invalid_target surfaced', async () => {
      const CALENDAR = 'https://calendar.example.com/';
      const CONTACTS = 'https://contacts.example.com/';
      const created = (await server.createClient([
        '--name',
        'resourceful',
        '--grant-type',
        'client_credentials',
        '--grant-type',
        'password',
        '--grant-type',
        'refresh_token',
        '--resource',
        CALENDAR,
        '--resource',
        CONTACTS,
      ])) as Confidential;
      const as = await discover();
      const { options, sent } = oauth4Recorder();
      const client = { client_id: created.client_id };
      const auth = oauth.ClientSecretBasic(created.client_secret);
      const audienceOf = async (token: string) => {
        const response = await oauth.introspectionRequest(as, client, auth, token, options);
        const answer = await oauth.processIntrospectionResponse(as, client, response);
        expect(answer.active).toBe(true);
        return answer.aud;
      };

      // The library's parameters as pairs: resource sent twice, as RFC 8707 section 2 says.
      const service = await oauth.processClientCredentialsResponse(
        as,
        client,
        await oauth.clientCredentialsGrantRequest(
          as,
          client,
          auth,
          [
            ['resource', CALENDAR],
            ['resource', CONTACTS],
          ],
          options,
        ),
      );
      expect(sent[0]!.body.getAll('resource')).toEqual([CALENDAR, CONTACTS]);
      expect(await audienceOf(service.access_token)).toEqual([CALENDAR, CONTACTS]);

      const granted = await oauth.processGenericTokenEndpointResponse(
        as,
        client,
        await oauth.genericTokenEndpointRequest(
          as,
          client,
          auth,
          'password',
          [
            ['username', USERNAME],
            ['password', PASSWORD],
            ['resource', CALENDAR],
            ['resource', CONTACTS],
          ],
          options,
        ),
      );
      // A refresh narrows the audience through additionalParameters.
      const narrowed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, granted.refresh_token!, {
          ...options,
          additionalParameters: { resource: CONTACTS },
        }),
      );
      expect(await audienceOf(narrowed.access_token)).toBe(CONTACTS);

      // A resource this client was never allowed: invalid_target, as a ResponseBodyError.
      const refused = await rejection(
        oauth.processClientCredentialsResponse(
          as,
          client,
          await oauth.clientCredentialsGrantRequest(
            as,
            client,
            auth,
            { resource: 'https://elsewhere.example/' },
            options,
          ),
        ),
      );
      expect(refused).toBeInstanceOf(oauth.ResponseBodyError);
      expect(refused).toMatchObject({ status: 400, error: 'invalid_target' });
    });

    it('password grant with a wrong password: ResponseBodyError 400 invalid_grant', async () => {
      const as = await discover();
      const { options } = oauth4Recorder();
      const client = { client_id: app.client_id };
      const response = await oauth.genericTokenEndpointRequest(
        as,
        client,
        oauth.ClientSecretPost(app.client_secret),
        'password',
        { username: USERNAME, password: 'wrong' },
        options,
      );
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
        await oauth.genericTokenEndpointRequest(
          as,
          client,
          oauth.None(),
          'password',
          { username: USERNAME, password: PASSWORD },
          options,
        ),
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
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, oauth.None(), granted.refresh_token!, options),
        ),
      );
      expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });
    });

    describe('authorization code flow with PKCE (sign-in and consent in Chromium)', () => {
      /** The authorization request, built from the discovered authorization_endpoint as the library's docs show. */
      function authorizationUrl(
        as: oauth.AuthorizationServer,
        clientId: string,
        codeChallenge: string,
        state: string,
      ): URL {
        const url = new URL(as.authorization_endpoint!);
        url.searchParams.set('client_id', clientId);
        url.searchParams.set('redirect_uri', callback.url);
        url.searchParams.set('response_type', 'code');
        url.searchParams.set('scope', 'read write');
        url.searchParams.set('code_challenge', codeChallenge);
        url.searchParams.set('code_challenge_method', 'S256');
        url.searchParams.set('state', state);
        return url;
      }

      it('discovery advertises the authorization endpoint, S256 and the iss response parameter', async () => {
        const as = await discover();
        expect(as.authorization_endpoint).toBe(`${server.url}/oauth/authorize`);
        expect(as.response_types_supported).toContain('code');
        expect(as.code_challenge_methods_supported).toEqual(['S256']);
        expect(as.authorization_response_iss_parameter_supported).toBe(true);
        expect(as.grant_types_supported).toContain('authorization_code');
      });

      it('confidential client (ClientSecretBasic): validateAuthResponse checks state and iss, the code is exchanged, the refresh token works', async () => {
        const as = await discover();
        const webApp = codeClients.oauth4Web;
        const client: oauth.Client = { client_id: webApp.client_id };
        const codeVerifier = oauth.generateRandomCodeVerifier();
        const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
        const state = oauth.generateRandomState();

        const landed = await signInAndDecide(authorizationUrl(as, webApp.client_id, codeChallenge, state).href);
        expect(landed.searchParams.get('iss')).toBe(server.url);

        // The library's own checks of the authorization response (RFC 9207 iss, then state).
        const params = oauth.validateAuthResponse(as, client, landed, state);
        expect(params.get('code')).toMatch(TOKEN_VALUE);
        // …which do reject a response that is not this server's answer to this request:
        const withIss = (iss: string | null) => {
          const copy = new URL(landed);
          if (iss === null) copy.searchParams.delete('iss');
          else copy.searchParams.set('iss', iss);
          return copy;
        };
        expect(() => oauth.validateAuthResponse(as, client, landed, oauth.generateRandomState())).toThrow(
          'unexpected "state" response parameter value',
        );
        expect(() => oauth.validateAuthResponse(as, client, withIss('https://attacker.example'), state)).toThrow(
          'unexpected "iss" (issuer) response parameter value',
        );
        expect(() => oauth.validateAuthResponse(as, client, withIss(null), state)).toThrow(
          'response parameter "iss" (issuer) missing',
        );

        const { options, sent } = oauth4Recorder();
        const auth = oauth.ClientSecretBasic(webApp.client_secret);
        const tokens = await oauth.processAuthorizationCodeResponse(
          as,
          client,
          await oauth.authorizationCodeGrantRequest(as, client, auth, params, callback.url, codeVerifier, options),
        );
        expect(sent).toHaveLength(1);
        expect(sent[0]!.path).toBe('/oauth/token');
        expect(decodeBasic(sent[0]!.headers.authorization)).toEqual([webApp.client_id, webApp.client_secret]);
        expect(Object.fromEntries(sent[0]!.body)).toEqual({
          grant_type: 'authorization_code',
          code: params.get('code'),
          redirect_uri: callback.url,
          code_verifier: codeVerifier,
        });
        expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read write' });
        expect(tokens.access_token).toMatch(TOKEN_VALUE);
        expect(tokens.refresh_token).toMatch(TOKEN_VALUE);

        const refreshed = await oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, options),
        );
        expect(refreshed).toMatchObject({ token_type: 'bearer', scope: 'read write' });
        expect(refreshed.refresh_token).toMatch(TOKEN_VALUE);
        expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

        // The code was consumed: the library surfaces the replay as invalid_grant.
        const replay = await rejection(
          oauth.processAuthorizationCodeResponse(
            as,
            client,
            await oauth.authorizationCodeGrantRequest(as, client, auth, params, callback.url, codeVerifier, options),
          ),
        );
        expect(replay).toBeInstanceOf(oauth.ResponseBodyError);
        expect(replay).toMatchObject({ status: 400, error: 'invalid_grant' });
      });

      it('public client (None()): Deny surfaces as AuthorizationResponseError access_denied; after Allow the code is exchanged with no secret', async () => {
        const as = await discover();
        const native = codeClients.oauth4Native;
        const client: oauth.Client = { client_id: native.client_id, token_endpoint_auth_method: 'none' };

        // First the user says no.
        const deniedState = oauth.generateRandomState();
        const denied = await signInAndDecide(
          authorizationUrl(
            as,
            native.client_id,
            await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
            deniedState,
          ).href,
          'Deny',
        );
        const refusal = (() => {
          try {
            oauth.validateAuthResponse(as, client, denied, deniedState);
          } catch (error) {
            return error;
          }
          throw new Error('validateAuthResponse accepted an error response');
        })();
        expect(refusal).toBeInstanceOf(oauth.AuthorizationResponseError);
        expect((refusal as oauth.AuthorizationResponseError).error).toBe('access_denied');
        expect((refusal as oauth.AuthorizationResponseError).cause.get('iss')).toBe(server.url);

        // Then, in a new attempt, yes.
        callback.clear();
        const codeVerifier = oauth.generateRandomCodeVerifier();
        const state = oauth.generateRandomState();
        const landed = await signInAndDecide(
          authorizationUrl(as, native.client_id, await oauth.calculatePKCECodeChallenge(codeVerifier), state).href,
        );
        const params = oauth.validateAuthResponse(as, client, landed, state);

        const { options, sent } = oauth4Recorder();
        const tokens = await oauth.processAuthorizationCodeResponse(
          as,
          client,
          await oauth.authorizationCodeGrantRequest(
            as,
            client,
            oauth.None(),
            params,
            callback.url,
            codeVerifier,
            options,
          ),
        );
        expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read write' });
        expect(tokens.access_token).toMatch(TOKEN_VALUE);
        expect(tokens.refresh_token).toMatch(TOKEN_VALUE);
        expect(Object.fromEntries(sent[0]!.body)).toEqual({
          grant_type: 'authorization_code',
          code: params.get('code'),
          redirect_uri: callback.url,
          code_verifier: codeVerifier,
          client_id: native.client_id,
        });

        const refreshed = await oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, options),
        );
        expect(refreshed.refresh_token).toMatch(TOKEN_VALUE);
        expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
        for (const request of sent) {
          expect(request.headers.authorization).toBeUndefined();
          expect(request.body.get('client_id')).toBe(native.client_id);
          expect(request.body.has('client_secret')).toBe(false);
        }
      });
    });
  });

  describe('simple-oauth2', () => {
    function config(
      client: { client_id: string; client_secret: string | null },
      authorizationMethod: 'header' | 'body' | undefined,
      agent: Agent,
    ): ModuleOptions {
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
      const accessToken = await new ClientCredentials(config(service, undefined, recorder.agent)).getToken({
        scope: 'read',
      });
      expectToken(accessToken, 'read', false);

      const [sent] = recorder.sent();
      expect(sent).toMatchObject({ method: 'POST', path: '/oauth/token' });
      expect(decodeBasic(sent!.headers.authorization)).toEqual([service.client_id, service.client_secret]);
      expect(sent!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(sent!.body)).toEqual({ grant_type: 'client_credentials', scope: 'read' });
    });

    it('ClientCredentials with authorizationMethod "body": client_id and client_secret in the form', async () => {
      const recorder = recordingAgent();
      const accessToken = await new ClientCredentials(config(service, 'body', recorder.agent)).getToken({
        scope: ['read', 'write'],
      });
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

    it.each(['header', 'body'] as const)(
      'ClientCredentials (%s) with a wrong secret: the library throws 401 invalid_client',
      async (method) => {
        const recorder = recordingAgent();
        const error = await simpleOauth2Error(
          new ClientCredentials(config({ ...service, client_secret: 'wrong-secret' }, method, recorder.agent)).getToken(
            {},
          ),
        );
        expect(error.output.statusCode).toBe(401);
        expect(error.data.payload.error).toBe('invalid_client');
        // RFC 6749 §5.2: the Basic challenge only when the client tried HTTP Basic.
        expect(error.data.headers['www-authenticate']).toBe(
          method === 'header' ? 'Basic realm="gatehouse", charset="UTF-8"' : undefined,
        );
      },
    );

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
        expect(sent.map((r) => r.body.get('grant_type'))).toEqual([
          'password',
          'refresh_token',
          'refresh_token',
          'refresh_token',
        ]);
        expect(Object.fromEntries(sent[0]!.body)).toMatchObject({
          username: USERNAME,
          password: PASSWORD,
          scope: 'read write',
        });
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
      const original = await owner.getToken({
        username: 'alice@example.com',
        password: PASSWORD,
        scope: ['read', 'write'],
      });
      expectToken(original, 'read write', true);
      expectToken(await original.refresh({ scope: 'write' }), 'write', true);
    });

    it('ResourceOwnerPassword with a wrong password: 400 invalid_grant', async () => {
      const owner = new ResourceOwnerPassword(config(app, 'header', recordingAgent().agent));
      const error = await simpleOauth2Error(owner.getToken({ username: USERNAME, password: 'not my password' }));
      expect(error.output.statusCode).toBe(400);
      expect(error.data.payload.error).toBe('invalid_grant');
    });

    it.each(['header', 'body'] as const)(
      'a public client (empty secret, %s): password grant and refresh work',
      async (method) => {
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
      },
    );

    describe('AuthorizationCode with PKCE (sign-in and consent in Chromium)', () => {
      it.each(['header', 'body'] as const)(
        '%s: authorizeURL, getToken({code, redirect_uri, code_verifier}), then refresh()',
        async (method) => {
          const webApp = method === 'header' ? codeClients.simpleHeader : codeClients.simpleBody;
          const recorder = recordingAgent();
          const authorization = new AuthorizationCode({
            ...config(webApp, method, recorder.agent),
            auth: {
              tokenHost: server.url,
              tokenPath: '/oauth/token',
              authorizeHost: server.url,
              authorizePath: '/oauth/authorize',
            },
          });
          const pkce = pkcePair();
          const state = randomState();
          // @types/simple-oauth2 5.0.8 declares neither PKCE parameter, though the library
          // passes every parameter through: a variable, not a literal, keeps them type-checked.
          const authorizeParams = {
            redirect_uri: callback.url,
            scope: ['read', 'write'],
            state,
            code_challenge: pkce.challenge,
            code_challenge_method: pkce.method,
          };
          const authorizationUrl = new URL(authorization.authorizeURL(authorizeParams));
          expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${server.url}/oauth/authorize`);
          expect(Object.fromEntries(authorizationUrl.searchParams)).toEqual({
            response_type: 'code',
            client_id: webApp.client_id,
            redirect_uri: callback.url,
            scope: 'read write',
            state,
            code_challenge: pkce.challenge,
            code_challenge_method: 'S256',
          });

          // simple-oauth2 does not look at the authorization response: the app checks state and iss.
          const landed = await signInAndDecide(authorizationUrl.href);
          expect(landed.searchParams.get('state')).toBe(state);
          expect(landed.searchParams.get('iss')).toBe(server.url);
          const code = landed.searchParams.get('code');
          expect(code).toMatch(TOKEN_VALUE);

          const tokenParams = { code: code!, redirect_uri: callback.url, code_verifier: pkce.verifier };
          const accessToken = await authorization.getToken(tokenParams);
          const first = expectToken(accessToken, 'read write', true);
          const refreshed = await accessToken.refresh();
          const second = expectToken(refreshed, 'read write', true);
          expect(second.access_token).not.toBe(first.access_token);
          expect(second.refresh_token).not.toBe(first.refresh_token);

          // The same code again: consumed, and the library throws 400 invalid_grant.
          const replay = await simpleOauth2Error(authorization.getToken(tokenParams));
          expect(replay.output.statusCode).toBe(400);
          expect(replay.data.payload.error).toBe('invalid_grant');

          const sent = recorder.sent();
          expect(sent.map((r) => r.body.get('grant_type'))).toEqual([
            'authorization_code',
            'refresh_token',
            'authorization_code',
          ]);
          expect(Object.fromEntries(sent[0]!.body)).toMatchObject({
            grant_type: 'authorization_code',
            code,
            redirect_uri: callback.url,
            code_verifier: pkce.verifier,
          });
          expect(sent[1]!.body.get('refresh_token')).toBe(first.refresh_token);
          for (const request of sent) {
            expect(request.path).toBe('/oauth/token');
            if (method === 'header') {
              expect(decodeBasic(request.headers.authorization)).toEqual([webApp.client_id, webApp.client_secret]);
              expect(request.body.has('client_secret')).toBe(false);
            } else {
              expect(request.headers.authorization).toBeUndefined();
              expect(request.body.get('client_id')).toBe(webApp.client_id);
              expect(request.body.get('client_secret')).toBe(webApp.client_secret);
            }
          }
        },
      );
    });
  });
});
