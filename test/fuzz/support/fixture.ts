/**
 * An in-process Gatehouse for the fuzz properties: the harness's app (test/harness, without a
 * socket: requests go through app.inject) over a real, migrated, temporary SQLite database, with
 * a few registered clients, users, and helpers that mint real credentials (sessions, CSRF tokens,
 * codes, tokens) on demand, so random requests can carry valid-looking *and* valid values.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { canonicalize } from '../../../src/accounts/canonical.js';
import type { MailMessage } from '../../../src/accounts/mail/mailer.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { ClientRegistry } from '../../../src/core/clients.js';
import { systemClock } from '../../../src/core/clock.js';
import type { Services } from '../../../src/compose.js';
import { csrfToken, type CsrfPurpose } from '../../../src/http/csrf.js';
import type { ClientRecord, UserRecord } from '../../../src/storage/store.js';
import { cheapPasswords, startTestServer } from '../../harness/index.js';

export const ISSUER = 'https://auth.fuzz.test';
export const SUPPORTED_SCOPES = ['read', 'write', 'admin'];
export const PASSWORD = 'fuzz password 123';
/** The PKCE verifier of every code the fixture mints (RFC 7636 §4.1: 43–128 unreserved). */
export const CODE_VERIFIER = 'fuzz-verifier-0123456789abcdefghijklmnopqrstuvwxyz';
export const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

/** Each request's answer must come within this (a hang is a failure, not a slow test). */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface FixtureClient {
  record: ClientRecord;
  secret: string | null;
}

export interface Fixture {
  app: FastifyInstance;
  gatehouse: Services;
  /** Confidential; every grant but implicit; two redirect URIs (one with a query). */
  web: FixtureClient;
  /** Public, PKCE, a loopback redirect URI (any port matches, RFC 8252 §7.3). */
  spa: FixtureClient;
  /** Trusted (no consent page), one redirect URI, limited to the "read" scope. */
  trusted: FixtureClient;
  /** Registered for the implicit grant only. */
  implicit: FixtureClient;
  /** A resource server: client_credentials and --introspect. */
  resource: FixtureClient;
  clients: FixtureClient[];
  user: UserRecord;
  /** Deactivated: its right password is refused. */
  disabledUser: UserRecord;
  /** Session cookie name and CSRF cookie name (the __Host- prefix: the issuer is https). */
  cookieNames: { session: string; csrf: string };
  /** Log lines at level error or above (an "unhandled error" is a bug even if a 4xx went out). */
  errorLogs: string[];
  mails: MailMessage[];
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** A fresh session of `user` (or a new user), its cookie value and id hash. */
  newSession(userId?: string): Promise<{ cookieValue: string; idHash: string }>;
  csrf(secret: string, purpose: CsrfPurpose, sessionIdHash: string | null): string;
  /**
   * A consent page shown to the session `sessionIdHash` for `client` (the server-side pending
   * request, as GET /oauth/authorize keeps it): its opaque id and the request's parameters.
   */
  newConsent(
    sessionIdHash: string,
    csrfToken: string,
    client: FixtureClient,
    responseType: 'code' | 'token',
  ): Promise<{ id: string; params: Record<string, string> }>;
  /** A fresh authorization code for `web` (or `spa`), challenge CODE_CHALLENGE. */
  newCode(client?: FixtureClient): Promise<{ code: string; redirectUri: string }>;
  /** Fresh tokens issued to `web` by the password grant (access and refresh). */
  newTokens(): Promise<{ access_token: string; refresh_token: string }>;
  /** A fresh, enabled user with the cheap password hash, for properties that may change it. */
  newUser(): Promise<UserRecord>;
  /** Checks the server still serves: client_credentials → 200 and /healthz → 200, no error logged. */
  assertHealthy(): Promise<void>;
  close(): Promise<void>;
}

/** PASSWORD hashed once by the harness's cheap argon2id (the hasher the server verifies with). */
let passwordHash: Promise<string> | undefined;
const cheapPasswordHash = () => (passwordHash ??= cheapPasswords.hash(PASSWORD));

/** Inject with a deadline: a request that never answers fails the property instead of the suite. */
export async function withDeadline<T>(what: string, promise: Promise<T>, ms = REQUEST_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `overrides`: extra settings (e.g. trusted_proxies). */
export async function createFixture(overrides: Record<string, unknown> = {}): Promise<Fixture> {
  const errorLogs: string[] = [];
  const onLog = (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      try {
        if ((JSON.parse(line) as { level?: number }).level! >= 50) errorLogs.push(line);
      } catch {
        errorLogs.push(line);
      }
    }
  };
  const config: Partial<ConfigInput> = {
    issuer: ISSUER,
    supported_scopes: SUPPORTED_SCOPES,
    default_scope: 'read',
    scope_descriptions: { read: 'Read your things', write: 'Change your things' },
    // The fuzzer fails many authentications on purpose; throttling is tested elsewhere, and the
    // health check after each property must not be refused for the fuzzer's sins.
    login_throttle_threshold: 1000,
    registration: { enabled: true, confirmation: true },
    ...overrides,
  };
  const mails: MailMessage[] = [];
  const server = await startTestServer({
    listen: false,
    config,
    // The wall clock, as the fixture always had: no property moves time, and the throttled one
    // (http-edge) meets the same delays as before.
    clock: systemClock,
    mailer: {
      send: async (message) => {
        if (mails.length < 50) mails.push(message);
      },
      close: async () => {},
    },
    onLog,
  });
  const { app, gatehouse, store } = server;

  const registry = new ClientRegistry(store, gatehouse.clock);
  const register = async (input: Parameters<ClientRegistry['create']>[0]): Promise<FixtureClient> => {
    const { client, secret } = await registry.create(input);
    return { record: client, secret };
  };
  const web = await register({
    name: 'Fuzz <b>Web</b> & Co',
    redirectUris: ['https://app.fuzz.test/cb', 'https://app.fuzz.test/cb2?tenant=a&x=%20'],
    grantTypes: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'password',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    allowedResources: ['https://api.fuzz.test/'],
    exchangeAudiences: ['orders'],
    mayImpersonate: true,
  });
  const spa = await register({ name: 'Fuzz SPA', isPublic: true, redirectUris: ['http://127.0.0.1/callback'] });
  const trusted = await register({
    name: 'Fuzz First Party',
    trusted: true,
    redirectUris: ['https://first.fuzz.test/cb'],
    scopes: ['read'],
  });
  const implicit = await register({
    name: 'Fuzz Implicit',
    grantTypes: ['implicit'],
    redirectUris: ['https://implicit.fuzz.test/cb'],
  });
  const resource = await register({ name: 'Fuzz API', grantTypes: ['client_credentials'], canIntrospect: true });

  const now = Math.floor(Date.now() / 1000);
  const makeUser = async (username: string, enabled = true): Promise<UserRecord> => {
    const user: UserRecord = {
      id: `user-${randomBytes(8).toString('hex')}`,
      username,
      usernameCanonical: canonicalize(username),
      email: `${username}@fuzz.test`,
      emailCanonical: canonicalize(`${username}@fuzz.test`),
      passwordHash: await cheapPasswordHash(),
      enabled,
      awaitingConfirmation: false,
      roles: ['ROLE_USER'],
      createdAt: now,
      updatedAt: now,
    };
    await store.createUser(user);
    return user;
  };
  const user = await makeUser('alice');
  const disabledUser = await makeUser('mallory', false);
  let userCount = 0;

  const prefix = '__Host-';
  const cookieNames = { session: `${prefix}gatehouse_session`, csrf: `${prefix}gatehouse_csrf` };

  const inject = (options: InjectOptions) =>
    withDeadline(
      `${options.method ?? 'GET'} ${String(options.url).slice(0, 200)}`,
      app.inject(options) as Promise<LightMyRequestResponse>,
    );

  const fixture: Fixture = {
    app,
    gatehouse,
    web,
    spa,
    trusted,
    implicit,
    resource,
    clients: [web, spa, trusted, implicit, resource],
    user,
    disabledUser,
    cookieNames,
    errorLogs,
    mails,
    inject,
    async newSession(userId = user.id) {
      const { cookieValue, session } = await gatehouse.sessions.start(userId);
      return { cookieValue, idHash: session.idHash };
    },
    csrf: csrfToken,
    async newConsent(sessionIdHash, token, client, responseType) {
      const params: Record<string, string> = {
        response_type: responseType,
        client_id: client.record.id,
        redirect_uri: client.record.redirectUris[0]!,
        scope: 'read',
        state: 'af0ifjsldkj',
        ...(responseType === 'code' ? { code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256' } : {}),
      };
      const id = await gatehouse.pendingAuthorizations.createConsent(sessionIdHash, token, client.record.id, params);
      return { id, params };
    },
    async newCode(client = web) {
      const redirectUri = client.record.redirectUris[0]!;
      const validation = await gatehouse.authorizationEndpoint.validate(
        new Map([
          ['response_type', 'code'],
          ['client_id', client.record.id],
          ['redirect_uri', redirectUri],
          ['scope', 'read'],
          ['code_challenge', CODE_CHALLENGE],
          ['code_challenge_method', 'S256'],
        ]),
      );
      if (validation.kind !== 'valid')
        throw new Error(`fixture authorization request refused: ${JSON.stringify(validation)}`);
      const location = await gatehouse.authorizationEndpoint.approve(validation.request, user, false);
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`fixture got no code: ${location}`);
      return { code, redirectUri };
    },
    async newTokens() {
      const outcome = await gatehouse.tokenEndpoint.handle({
        params: new Map([
          ['grant_type', 'password'],
          ['username', user.username],
          ['password', PASSWORD],
          ['scope', 'read write'],
        ]),
        authorization: basicAuthorization(web.record.id, web.secret!),
        clientIp: '192.0.2.1',
      });
      const { access_token, refresh_token } = outcome.response as { access_token: string; refresh_token?: string };
      if (!refresh_token) throw new Error('fixture password grant gave no refresh token');
      return { access_token, refresh_token };
    },
    newUser: () => makeUser(`fuzz${++userCount}x${randomBytes(3).toString('hex')}`),
    async assertHealthy() {
      const token = await inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: '198.51.100.7',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(resource.record.id, resource.secret!),
        },
        payload: 'grant_type=client_credentials',
      });
      if (token.statusCode !== 200 || typeof token.json().access_token !== 'string') {
        throw new Error(`server no longer issues tokens: ${token.statusCode} ${token.body}`);
      }
      const health = await inject({ method: 'GET', url: '/healthz' });
      if (health.statusCode !== 200) throw new Error(`/healthz answered ${health.statusCode} ${health.body}`);
      if (errorLogs.length > 0) throw new Error(`the server logged errors:\n${errorLogs.slice(0, 5).join('\n')}`);
    },
    close: () => server.close(),
  };
  return fixture;
}

/** RFC 6749 §2.3.1: each part form-encoded, then base64. */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}
