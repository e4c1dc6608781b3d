import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { Gatehouse } from '../gatehouse.js';
import { createLogger } from '../logging.js';
import { buildHttpServer } from './server.js';

/** Malformed requests that never reach a route still get an RFC 6749 §5.2 body, not Fastify's. */
describe('HTTP edge', () => {
  let db: TestStore;
  let app: ReturnType<typeof buildHttpServer>;

  beforeAll(async () => {
    db = await createSqliteStore();
    const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
    app = buildHttpServer(new Gatehouse({ config: validateConfig({}), store: db.store }), createLogger('info', silent));
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

  it('answers an unknown path with 404 in the same shape', async () => {
    const response = await app.inject({ method: 'POST', url: '/oauth/tokens' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found' });
  });
});
