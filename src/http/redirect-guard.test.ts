/**
 * A redirect URI that a Location header cannot carry (a client row written before the
 * registration rules, inserted here directly through the store) gets a clean 400 HTML page from
 * the authorization endpoint, never a 500, and nothing is issued for it. And whatever route
 * tries such a redirect, the error handler answers 400, not Fastify's own error body.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import { PAGE_ROUTE } from './browser.js';
import { buildHttpServer } from './server.js';

const T = 1_800_000_000;
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** Each breaks the Location header differently: Node throws for the first three (ERR_INVALID_CHAR); é would go out as a Latin-1 byte. */
const LEGACY_URIS = [
  'https://app.example/cb\r\nSet-Cookie: planted=1',
  'https://app.example/cb\u2028',
  'https://app.example/\u0100',
  'https://app.example/caf\u00e9',
];

describe('redirects to a URI a Location header cannot carry', () => {
  let db: TestStore;
  let gatehouse: Services;
  let app: FastifyInstance;
  let cookie: string;

  beforeAll(async () => {
    db = await createSqliteStore();
    const clock = new ManualClock(T);
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ issuer: 'http://127.0.0.1:9', supported_scopes: ['read'], default_scope: 'read' }),
      store: db.store,
      clock,
    });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    // A route of this test only: the last line of defence, whatever the route.
    app.get('/test/bad-redirect', PAGE_ROUTE, async (_request, reply) =>
      reply.redirect('https://app.example/cb\r\nSet-Cookie: planted=1', 302),
    );
    app.get('/test/bad-redirect-api', async (_request, reply) => reply.redirect('https://app.example/\u0100', 302));
    await app.ready();
    const alice = await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'alice',
      email: 'alice@example.com',
      password: 'correct horse battery staple',
    });
    cookie = `gatehouse_session=${(await gatehouse.sessions.start(alice.id)).cookieValue}`;
    for (const [i, uri] of LEGACY_URIS.entries()) {
      // Written as an old version could have: straight into the store, past the registration rules.
      await db.store.createClient({
        id: `legacy-${i}`,
        name: `Legacy ${i}`,
        secretHash: null,
        isPublic: true,
        redirectUris: [uri],
        grantTypes: ['authorization_code', 'implicit'],
        scopes: null,
        trusted: true,
        canIntrospect: false,
        allowedResources: null,
        createdAt: T,
      });
    }
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  const authorize = (clientId: string, extra: Record<string, string> = {}) =>
    app.inject({
      method: 'GET',
      url: `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, state: 's1', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra })}`,
      headers: { cookie },
    });

  const expectErrorPage = (response: Awaited<ReturnType<typeof authorize>>, label: string) => {
    expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBe(400);
    expect(response.headers['content-type'], label).toMatch(/^text\/html/);
    expect(response.headers.location, label).toBeUndefined();
    expect(response.headers['set-cookie'] ?? '', label).not.toMatch(/planted/);
    expect(response.body, label).not.toMatch(/ERR_INVALID_CHAR|Invalid character/);
  };

  it('a signed-in user of a trusted client gets a 400 page, and no code is issued', async () => {
    const saved = vi.spyOn(db.store, 'saveAuthorizationCode');
    for (const [i, uri] of LEGACY_URIS.entries()) {
      expectErrorPage(await authorize(`legacy-${i}`), JSON.stringify(uri));
      expectErrorPage(await authorize(`legacy-${i}`, { redirect_uri: uri }), `${JSON.stringify(uri)} given`);
    }
    expect(saved).not.toHaveBeenCalled();
    saved.mockRestore();
  });

  it('an invalid request (would be an error redirect) gets the page too', async () => {
    for (const [i, uri] of LEGACY_URIS.entries()) {
      expectErrorPage(await authorize(`legacy-${i}`, { response_type: 'nonsense' }), JSON.stringify(uri));
      expectErrorPage(
        await authorize(`legacy-${i}`, { response_type: 'token', code_challenge: '' }),
        `${JSON.stringify(uri)} implicit`,
      );
    }
  });

  it('a redirect Node cannot write becomes a 400 (HTML on pages, RFC 6749 §5.2 JSON elsewhere), never a 500', async () => {
    const page = await app.inject({ method: 'GET', url: '/test/bad-redirect' });
    expectErrorPage(page, 'page');
    const api = await app.inject({ method: 'GET', url: '/test/bad-redirect-api' });
    expect(api.statusCode).toBe(400);
    expect(api.headers.location).toBeUndefined();
    expect(api.json()).toMatchObject({ error: 'invalid_request' });
  });
});
