import { cheapPasswords } from '../../test/harness/passwords.js';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { composeServices } from '../compose.js';
import { createLogger } from '../logging.js';
import { buildHttpServer } from './server.js';

/** Malformed requests that never reach a route still get an RFC 6749 §5.2 body, not Fastify's. */
describe('HTTP edge', () => {
  let db: TestStore;
  let app: ReturnType<typeof buildHttpServer>;

  beforeAll(async () => {
    db = await createSqliteStore();
    const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
    app = buildHttpServer(
      composeServices({ passwords: cheapPasswords, config: validateConfig({}), store: db.store }),
      createLogger('info', silent),
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.cleanup();
  });

  it('answers a malformed URL with 400 invalid_request', async () => {
    const response = await app.inject({ method: 'GET', url: '/%zz' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'malformed request URL' });
  });

  it('keeps error_description within RFC 6749 §5.2 characters, whatever the request put in it', async () => {
    const repeated = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '%C3%A9%22%5C=1&%C3%A9%22%5C=2',
    });
    expect(repeated.statusCode).toBe(400);
    const unknownGrant = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=${encodeURIComponent('"\\§é'.repeat(30))}&client_id=x`,
    });
    for (const response of [repeated, unknownGrant]) {
      const description = response.json().error_description as string;
      expect(description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
    }
    expect(repeated.json().error_description).toBe("parameter repeated: ?'/");
  });

  it('answers other methods on / with an HTML 405 naming GET', async () => {
    const post = await app.inject({ method: 'POST', url: '/' });
    expect(post.statusCode).toBe(405);
    expect(post.headers['content-type']).toMatch(/^text\/html/);
    expect(post.headers.allow).toBe('GET');
  });

  it('answers an unknown path with 404 in the same shape', async () => {
    const response = await app.inject({ method: 'POST', url: '/oauth/tokens' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found' });
  });
});
