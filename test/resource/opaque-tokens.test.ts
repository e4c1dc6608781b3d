/**
 * gatehouse/resource against a real Gatehouse minting opaque access tokens: each adapter guards
 * a small API and checks tokens by introspection, with the credentials of a client created with
 * `gatehouse client create --introspect`. Revocation reaches the APIs once the cache lets go.
 * Gatehouse runs in this process (test/harness).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { CALENDAR, CONTACTS, tokenForCalendar } from '../harness/resources.js';
import { basicAuthorization, httpRequest, tokenRequest } from '../helpers/server.js';
import { createResourceServer } from '../../src/resource/index.js';
import { callApi, startProtectedApis, type ProtectedApi } from './apis.js';

const ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write' };
const CACHE_MAX_AGE = 60;

let gatehouse: TestServer;
let service: CreatedClient & { client_secret: string };
let app: CreatedClient & { client_secret: string };
let resourceClient: CreatedClient & { client_secret: string };
/** Seconds added to the real clock, so the introspection cache can expire without waiting. */
let clockOffset = 0;
let apis: ProtectedApi[];
const closers: Array<() => Promise<void>> = [];

async function clientCredentialsToken(scope: string): Promise<string> {
  const res = await tokenRequest(
    gatehouse.url,
    { grant_type: 'client_credentials', scope },
    { basic: [service.client_id, service.client_secret] },
  );
  expect(res.status, res.text).toBe(200);
  return res.json.access_token as string;
}

async function revoke(token: string): Promise<void> {
  const res = await httpRequest(`${gatehouse.url}/oauth/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization(service.client_id, service.client_secret),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status, res.text).toBe(200);
}

beforeAll(async () => {
  gatehouse = await startTestServer({ env: ENV });
  const created = await Promise.all([
    gatehouse.createClient(['--name', 'billing-service', '--grant-type', 'client_credentials']),
    gatehouse.createClient(['--name', 'legacy-app', '--grant-type', 'password', '--grant-type', 'refresh_token']),
    gatehouse.createClient(['--name', 'notes-api', '--introspect', '--grant-type', 'client_credentials']),
    gatehouse.createUser('alice', 'alice@example.com', 'correct horse battery'),
  ]);
  [service, app, resourceClient] = created.slice(0, 3) as [typeof service, typeof service, typeof service];
  const rs = createResourceServer({
    issuer: gatehouse.url,
    introspection: {
      clientId: resourceClient.client_id,
      clientSecret: resourceClient.client_secret,
      cacheMaxAge: CACHE_MAX_AGE,
    },
    now: () => Date.now() / 1000 + clockOffset,
  });
  apis = await startProtectedApis(rs);
});

afterAll(async () => {
  await Promise.all([...(apis ?? []).map((api) => api.close()), ...closers.map((close) => close())]);
  await gatehouse?.close();
});

describe.each(['fastify', 'express', 'node'] as const)('opaque access tokens through the %s adapter', (name) => {
  const api = () => apis.find((candidate) => candidate.name === name)!.url;

  it('answers a request without a token with 401 and a bare challenge', async () => {
    const answer = await callApi(`${api()}/notes`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(answer.json.error).toBe('missing_token');
  });

  it('lets a token with the scope in, and describes it', async () => {
    const answer = await callApi(`${api()}/notes`, await clientCredentialsToken('read write'));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      sub: service.client_id,
      clientId: service.client_id,
      scopes: ['read', 'write'],
      roles: ['SCOPE_read', 'SCOPE_write'],
      tokenFormat: 'opaque',
    });
    expect(answer.json.claims).toMatchObject({ active: true, iss: gatehouse.url, token_type: 'Bearer' });
  });

  it('answers a missing scope with 403 insufficient_scope and the scope attribute', async () => {
    const answer = await callApi(`${api()}/notes`, await clientCredentialsToken('read'), { method: 'POST' });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write", scope="write"',
    );
    expect(answer.json).toEqual({
      error: 'insufficient_scope',
      error_description: 'the access token lacks the scope write',
    });
  });

  it('answers an unknown token with 401 invalid_token', async () => {
    const answer = await callApi(`${api()}/notes`, 'not-a-token-gatehouse-ever-issued');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_token"/);
  });

  it('refuses a revoked token once the cache max age has passed', async () => {
    const token = await clientCredentialsToken('read');
    expect((await callApi(`${api()}/notes`, token)).status).toBe(200);
    await revoke(token);
    // The cached answer may still be used, for at most cacheMaxAge.
    clockOffset += CACHE_MAX_AGE - 1;
    expect((await callApi(`${api()}/notes`, token)).status).toBe(200);
    clockOffset += 1;
    const answer = await callApi(`${api()}/notes`, token);
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('invalid_token');
  });
});

describe('introspection specifics', () => {
  it('never takes a refresh token for an access token', async () => {
    const res = await tokenRequest(
      gatehouse.url,
      { grant_type: 'password', username: 'alice', password: 'correct horse battery', scope: 'read' },
      { basic: [app.client_id, app.client_secret] },
    );
    expect(res.status, res.text).toBe(200);
    const withAccess = await callApi(`${apis[0]!.url}/notes`, res.json.access_token);
    expect(withAccess.json).toMatchObject({ username: 'alice', clientId: app.client_id, scopes: ['read'] });
    const withRefresh = await callApi(`${apis[0]!.url}/notes`, res.json.refresh_token);
    expect(withRefresh.status).toBe(401);
    expect(withRefresh.json.error_description).toBe('a refresh token is not an access token');
  });

  it('answers 503, naming its credentials, when Gatehouse refuses them', async () => {
    const rs = createResourceServer({
      issuer: gatehouse.url,
      introspection: { clientId: resourceClient.client_id, clientSecret: 'wrong secret' },
    });
    const [wrong] = await startProtectedApis(rs).then((started) => {
      closers.push(...started.map((api) => () => api.close()));
      return started;
    });
    const answer = await callApi(`${wrong!.url}/notes`, await clientCredentialsToken('read'));
    expect(answer.status).toBe(503);
    expect(answer.json.error).toBe('temporarily_unavailable');
    expect(answer.json.error_description).toMatch(/refused the resource server's credentials/);
  });

  it('answers 503 when the introspection endpoint cannot be reached', async () => {
    const token = await clientCredentialsToken('read');
    const elsewhere = createResourceServer({
      issuer: gatehouse.url,
      introspection: {
        clientId: resourceClient.client_id,
        clientSecret: resourceClient.client_secret,
        endpoint: 'http://127.0.0.1:1/oauth/introspect',
      },
    });
    const error = await elsewhere
      .authenticate({ headers: { authorization: `Bearer ${token}` } })
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ status: 503, code: 'temporarily_unavailable' });
  });
});

describe('resource indicators (RFC 8707): the audience introspection reports', () => {
  it('a token minted for resource A is refused by an API configured with audience B, and by the default (issuer) API', async () => {
    const request = { headers: { authorization: `Bearer ${await tokenForCalendar(gatehouse)}` } };
    const introspection = { clientId: resourceClient.client_id, clientSecret: resourceClient.client_secret };

    const calendarApi = createResourceServer({ issuer: gatehouse.url, audience: CALENDAR, introspection });
    const contactsApi = createResourceServer({ issuer: gatehouse.url, audience: CONTACTS, introspection });
    const issuerApi = createResourceServer({ issuer: gatehouse.url, introspection });
    expect((await calendarApi.authenticate(request)).claims).toMatchObject({ active: true, aud: CALENDAR });
    for (const refusing of [contactsApi, issuerApi]) {
      const error = await refusing.authenticate(request).catch((failure: unknown) => failure);
      expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
      expect((error as Error).message).toMatch(/aud/);
    }
  });
});
