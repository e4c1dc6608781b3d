/**
 * Strict-Transport-Security (RFC 6797) on every response when the issuer is https — JSON,
 * pages, errors, 404s, health, metrics, even what Node's parser refuses — and never when the
 * issuer is http.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import net from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { composeServices, type Services } from '../compose.js';
import { BODY_LIMIT, buildHttpServer, HSTS_HEADER } from './server.js';

/** One year; no includeSubDomains (sibling hosts may still be http), no preload. */
const EXPECTED = 'max-age=31536000';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** One of each kind of answer. */
const REQUESTS: Array<[string, InjectOptions, number]> = [
  ['health', { method: 'GET', url: '/healthz' }, 200],
  ['metadata', { method: 'GET', url: '/.well-known/oauth-authorization-server' }, 200],
  ['JWKS', { method: 'GET', url: '/.well-known/jwks.json' }, 200],
  ['metrics', { method: 'GET', url: '/metrics' }, 200],
  ['sign-in page', { method: 'GET', url: '/login' }, 200],
  [
    'token error (JSON)',
    { method: 'POST', url: '/oauth/token', headers: FORM, payload: 'grant_type=client_credentials' },
    401,
  ],
  ['a bug (500)', { method: 'GET', url: '/test/boom' }, 500],
  ['error page', { method: 'GET', url: '/oauth/authorize?client_id=nobody' }, 400],
  ['405 page', { method: 'PUT', url: '/login' }, 405],
  ['404', { method: 'GET', url: '/no/such/path' }, 404],
  ['malformed URL', { method: 'GET', url: '/%zz' }, 400],
  ['413', { method: 'POST', url: '/oauth/token', headers: FORM, payload: 'a'.repeat(BODY_LIMIT + 1) }, 413],
  ['redirect', { method: 'GET', url: '/' }, 302],
];

/** A request Node's HTTP parser refuses, over a real socket: the raw answer. */
function malformedRequest(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
  });
}

describe.each([
  ['https', 'https://auth.example.com', true],
  ['http', 'http://127.0.0.1:8080', false],
] as const)('Strict-Transport-Security with an %s issuer', (_scheme, issuer, expected) => {
  let db: TestStore;
  let gatehouse: Services;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await createSqliteStore();
    gatehouse = composeServices({
      passwords: cheapPasswords,
      config: validateConfig({ issuer, supported_scopes: ['read'] }),
      store: db.store,
    });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    app.get('/test/boom', async () => {
      throw new Error('a bug');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  it.each(REQUESTS)(`${expected ? 'is' : 'is not'} on the answer: %s`, async (_what, request, status) => {
    const response = await app.inject(request);
    expect(response.statusCode).toBe(status);
    if (expected) expect(response.headers['strict-transport-security']).toBe(EXPECTED);
    else expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it(`${expected ? 'is' : 'is not'} on what Node's parser refuses (raw 400)`, async () => {
    const raw = await malformedRequest((app.server.address() as net.AddressInfo).port);
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(/\r\nStrict-Transport-Security: max-age=31536000\r\n/i.test(raw)).toBe(expected);
  });

  it('never includes subdomains or asks for preloading', () => {
    expect(HSTS_HEADER).toBe(EXPECTED);
  });
});
