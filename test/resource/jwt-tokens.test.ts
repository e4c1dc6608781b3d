/**
 * gatehouse/resource against a real Gatehouse minting RFC 9068 JWT access tokens: each adapter
 * guards a small API, tokens come from the client_credentials and password grants, and the
 * signing key is rotated as `gatehouse keys rotate` does (--now, and plain: the new key published
 * before it signs) while the APIs keep running. Gatehouse runs in this process (test/harness); the
 * nodes started after a rotation share its database and its clock.
 */
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { CALENDAR, CONTACTS, tokenForCalendar } from '../harness/resources.js';
import { rotateSigningKey, signingKeyStates } from '../harness/keys.js';
import { tokenRequest } from '../helpers/server.js';
import { createResourceServer, type ResourceServer } from '../../src/resource/index.js';
import { callApi, startProtectedApis, type ProtectedApi } from './apis.js';

const ENV = {
  GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt',
  GATEHOUSE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  GATEHOUSE_SUPPORTED_SCOPES: 'read write admin',
  GATEHOUSE_JWT_USER_CLAIMS: 'true',
};

let gatehouse: TestServer;
let service: CreatedClient & { client_secret: string };
let app: CreatedClient & { client_secret: string };
let rs: ResourceServer;
let apis: ProtectedApi[];

async function clientCredentialsToken(scope: string, server = gatehouse): Promise<string> {
  const res = await tokenRequest(
    server.url,
    { grant_type: 'client_credentials', scope },
    { basic: [service.client_id, service.client_secret] },
  );
  expect(res.status, res.text).toBe(200);
  return res.json.access_token as string;
}

beforeAll(async () => {
  gatehouse = await startTestServer({ env: ENV });
  const [created, createdApp] = await Promise.all([
    gatehouse.createClient(['--name', 'billing-service', '--grant-type', 'client_credentials']),
    gatehouse.createClient(['--name', 'legacy-app', '--grant-type', 'password']),
    gatehouse.createUser('alice', 'alice@example.com', 'correct horse battery', ['--role', 'ROLE_EDITOR']),
  ]);
  service = created as typeof service;
  app = createdApp as typeof app;
  rs = createResourceServer({ issuer: gatehouse.url, tokenFormat: 'jwt' });
  apis = await startProtectedApis(rs);
});

afterAll(async () => {
  await Promise.all((apis ?? []).map((api) => api.close()));
  await gatehouse?.close();
});

describe('scopes and user roles in a real Gatehouse JWT', () => {
  it('a client granted the scope admin gets SCOPE_admin, never ROLE_ADMIN (no confusion with an admin user)', async () => {
    const access = await rs.authenticate({
      headers: { authorization: `Bearer ${await clientCredentialsToken('read admin')}` },
    });
    expect(access.scopes).toEqual(['read', 'admin']);
    expect(access.roles).toEqual(['SCOPE_read', 'SCOPE_admin']);
    expect(access.roles).not.toContain('ROLE_ADMIN');
  });

  it('the old names come back only when asked for: scopeRoles { prefix: "ROLE_", upperCase: true }', async () => {
    const legacy = createResourceServer({
      issuer: gatehouse.url,
      tokenFormat: 'jwt',
      scopeRoles: { prefix: 'ROLE_', upperCase: true },
    });
    const access = await legacy.authenticate({
      headers: { authorization: `Bearer ${await clientCredentialsToken('read admin')}` },
    });
    expect(access.roles).toEqual(['ROLE_READ', 'ROLE_ADMIN']);
  });
});

describe.each(['fastify', 'express', 'node'] as const)('JWT access tokens through the %s adapter', (name) => {
  const api = () => apis.find((candidate) => candidate.name === name)!.url;

  it('answers a request without a token with 401 and a bare challenge', async () => {
    const answer = await callApi(`${api()}/notes`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.json.error).toBe('missing_token');
  });

  it('lets a client_credentials token with the scope in, and describes it', async () => {
    const answer = await callApi(`${api()}/notes`, await clientCredentialsToken('read'));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      sub: service.client_id,
      clientId: service.client_id,
      scopes: ['read'],
      roles: ['SCOPE_read'],
      tokenFormat: 'jwt',
    });
    expect(answer.json.claims).toMatchObject({
      iss: gatehouse.url,
      aud: gatehouse.url,
      client_id: service.client_id,
      scope: 'read',
    });
    expect(answer.json.expiresAt).toBe(answer.json.claims.exp);
  });

  it('answers a missing scope with 403 insufficient_scope and the scope attribute', async () => {
    const answer = await callApi(`${api()}/notes`, await clientCredentialsToken('read'), { method: 'POST' });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write", scope="write"',
    );
    expect(answer.json.error).toBe('insufficient_scope');
    expect(
      (await callApi(`${api()}/notes`, await clientCredentialsToken('read write'), { method: 'POST' })).status,
    ).toBe(200);
    expect((await callApi(`${api()}/either`, await clientCredentialsToken('read'))).status).toBe(200);
  });

  it('answers a tampered token with 401 invalid_token', async () => {
    const [header, payload, signature] = (await clientCredentialsToken('read')).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'read write' })).toString('base64url');
    const answer = await callApi(`${api()}/notes`, `${header}.${forged}.${signature}`, { method: 'POST' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="/,
    );
  });

  it("carries a user's name and roles from the password grant", async () => {
    const res = await tokenRequest(
      gatehouse.url,
      { grant_type: 'password', username: 'alice', password: 'correct horse battery', scope: 'read' },
      { basic: [app.client_id, app.client_secret] },
    );
    expect(res.status, res.text).toBe(200);
    const answer = await callApi(`${api()}/me`, res.json.access_token);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      clientId: app.client_id,
      username: 'alice',
      scopes: ['read'],
      roles: ['SCOPE_read', 'ROLE_EDITOR'],
    });
    expect(answer.json.sub).not.toBe(app.client_id);
  });
});

describe('signing key rotation (gatehouse keys rotate)', () => {
  const rotationApis: ProtectedApi[] = [];
  afterAll(() => Promise.all(rotationApis.map((api) => api.close())));

  const states = (): Promise<Record<string, string>> => signingKeyStates(gatehouse);
  /** Another node on the same database, under the same issuer and clock (behind the same load balancer). */
  const anotherNode = () =>
    startTestServer({
      database: gatehouse.database,
      env: ENV,
      config: { issuer: gatehouse.url },
      clock: gatehouse.clock,
    });

  it('with keys rotate --now, accepts tokens of the new key once the JWKS is refetched, and still those of the old key', async () => {
    let offset = 0;
    const rotating = createResourceServer({ issuer: gatehouse.url, now: () => Date.now() / 1000 + offset });
    const apisHere = await startProtectedApis(rotating);
    rotationApis.push(...apisHere);
    const oldToken = await clientCredentialsToken('read');
    expect((await callApi(`${apisHere[0]!.url}/notes`, oldToken)).status).toBe(200); // fetches the JWKS

    const rotated = await rotateSigningKey(gatehouse, { now: true });
    expect(rotated.state).toBe('signing');
    const newKid = rotated.kid;

    // A running node takes up to 10 s to notice the new key; a node started now signs with it at
    // once. It runs under the same issuer, like a second node behind the same load balancer.
    const second = await anotherNode();
    const newToken = await clientCredentialsToken('read', second);
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    expect(decodeProtectedHeader(oldToken).kid).not.toBe(newKid);

    // The JWKS was fetched moments ago, before the key existed: within the cooldown the unknown
    // kid is not looked up. This is what --now risks, and what a plain rotate avoids (below).
    const early = await callApi(`${apisHere[1]!.url}/notes`, newToken);
    expect(early.status).toBe(401);
    expect(early.json.error).toBe('invalid_token');

    offset += 30;
    for (const api of apisHere) {
      const answer = await callApi(`${api.url}/notes`, newToken);
      expect(answer.status, `${api.name}: ${JSON.stringify(answer.json)}`).toBe(200);
      expect(answer.json.claims.iss).toBe(gatehouse.url);
      expect((await callApi(`${api.url}/notes`, oldToken)).status).toBe(200);
    }
    expect(await states()).toEqual({ [newKid]: 'signing', [decodeProtectedHeader(oldToken).kid!]: 'published' });
    await second.close();
  });

  it("with a plain keys rotate, the keys fetched right after the rotation already verify the new key's tokens when it starts signing: no refetch, no refusal", async () => {
    let jwksFetches = 0;
    const counting: typeof fetch = (input, init) => {
      jwksFetches++;
      return fetch(input, init);
    };
    // The clock never moves: any unknown kid would be refused within the 30 s cooldown.
    const prepublished = createResourceServer({ issuer: gatehouse.url, fetch: counting });
    const apisHere = await startProtectedApis(prepublished);
    rotationApis.push(...apisHere);

    const next = await rotateSigningKey(gatehouse);
    expect(next.state).toBe('next');

    // Gatehouse goes on signing with the current key, even on a node started after the rotation
    // (the first node may still hold, for up to 10 s, the key it had before the --now above).
    // This first call fetches the JWKS, which already lists the new key.
    const node = await anotherNode();
    const oldToken = await clientCredentialsToken('read', node);
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    expect(oldKid).not.toBe(next.kid);
    expect((await callApi(`${apisHere[0]!.url}/notes`, oldToken)).status).toBe(200);
    expect(jwksFetches).toBe(1);
    expect(await states()).toMatchObject({ [next.kid]: 'next', [oldKid]: 'signing' });

    // 90 s later the new key signs. Rather than wait, move the current key's retirement to now,
    // as the clock would have; a node started now signs with the new key.
    const store = gatehouse.store;
    const now = gatehouse.clock.now();
    const [current] = (await store.listSigningKeys()).filter((key) => key.kid === oldKid);
    expect(current!.retiredAt! - now).toBeGreaterThan(60);
    const moved = await store.driver.run('UPDATE signing_keys SET retired_at = ?, publish_until = ? WHERE kid = ?', [
      now,
      current!.publishUntil! - (current!.retiredAt! - now),
      oldKid,
    ]);
    expect(moved).toBe(1);
    expect(await states()).toMatchObject({ [next.kid]: 'signing', [oldKid]: 'published' });
    const later = await anotherNode();
    const newToken = await clientCredentialsToken('read', later);
    expect(decodeProtectedHeader(newToken).kid).toBe(next.kid);

    for (const api of apisHere) {
      const answer = await callApi(`${api.url}/notes`, newToken);
      expect(answer.status, `${api.name}: ${JSON.stringify(answer.json)}`).toBe(200);
      expect(answer.json.claims.iss).toBe(gatehouse.url);
      expect((await callApi(`${api.url}/notes`, oldToken)).status).toBe(200);
    }
    // Every adapter shares the one resource server: the keys it fetched once sufficed.
    expect(jwksFetches).toBe(1);
    await Promise.all([node.close(), later.close()]);
  });
});

describe('resource indicators (RFC 8707): the audience a token was minted for', () => {
  it('a token minted for resource A is refused by an API configured with audience B, and by the default (issuer) API', async () => {
    const request = { headers: { authorization: `Bearer ${await tokenForCalendar(gatehouse)}` } };

    const calendarApi = createResourceServer({ issuer: gatehouse.url, audience: CALENDAR, tokenFormat: 'jwt' });
    const contactsApi = createResourceServer({ issuer: gatehouse.url, audience: CONTACTS, tokenFormat: 'jwt' });
    expect((await calendarApi.authenticate(request)).claims.aud).toBe(CALENDAR);
    for (const refusing of [contactsApi, rs]) {
      const error = await refusing.authenticate(request).catch((failure: unknown) => failure);
      expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
      expect((error as Error).message).toMatch(/aud/);
    }
  });
});
