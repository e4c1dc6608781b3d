import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeAuthServer, type FakeAuthServer } from '../../test/resource/fixtures.js';
import {
  createResourceServer,
  requireAnyScope,
  requireScope,
  type AccessInfo,
  type ResourceServer,
  type ResourceServerOptions,
} from './index.js';

const START = 1_800_000_000;
let auth: FakeAuthServer;

/** Tokens the fake introspection endpoint knows: "reader" has read, "writer" read and write. */
const TOKENS: Record<string, string> = { reader: 'read', writer: 'read write' };

beforeAll(async () => {
  auth = await startFakeAuthServer();
});
afterAll(() => auth.close());
beforeEach(() => {
  auth.introspect = ({ token }) =>
    token === 'down'
      ? { status: 502, body: {} }
      : token !== null && token in TOKENS
        ? { body: { active: true, client_id: 'app', sub: `user-${token}`, scope: TOKENS[token], exp: START + 3600 } }
        : { body: { active: false } };
});

function resourceServer(options: Partial<ResourceServerOptions> = {}): ResourceServer {
  return createResourceServer({
    issuer: auth.url,
    tokenFormat: 'opaque',
    introspection: { clientId: 'api', clientSecret: 'x', cacheMaxAge: 0 },
    now: () => START,
    ...options,
  });
}

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

type Send = (
  path: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<Answer>;

/** Requests to a listening server, the body parsed as JSON when it is JSON. */
function client(server: Server): Send {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path, init = {}) => {
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json };
  };
}

async function listen(server: Server): Promise<{ send: Send; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    send: client(server),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const auth401 = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** The same behaviour, asked of each adapter. */
function behavesLikeAProtectedApi(name: string, start: () => Promise<{ send: Send; close: () => Promise<void> }>) {
  describe(`${name} adapter`, () => {
    let send: Send;
    let close: () => Promise<void>;
    beforeAll(async () => ({ send, close } = await start()));
    afterAll(() => close());

    it('answers no token with 401, a bare challenge, JSON and no-store', async () => {
      const answer = await send('/notes');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.json).toEqual({
        error: 'missing_token',
        error_description: 'an access token is required (Authorization: Bearer <token>)',
      });
    });

    it('answers a malformed Authorization header with 400 invalid_request', async () => {
      const answer = await send('/notes', { headers: { authorization: 'Bearer a b' } });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toBe('invalid_request');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_request"/);
    });

    it('answers an unknown token with 401 invalid_token', async () => {
      const answer = await send('/notes', auth401('nobody'));
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the access token is not active (expired, revoked or unknown)"',
      );
      expect(answer.json.error).toBe('invalid_token');
    });

    it('passes a good token on with its AccessInfo', async () => {
      const answer = await send('/notes', auth401('reader'));
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        sub: 'user-reader',
        clientId: 'app',
        scopes: ['read'],
        roles: ['SCOPE_read'],
        tokenFormat: 'opaque',
      });
    });

    it('answers a missing scope with 403 insufficient_scope and the scope attribute', async () => {
      const answer = await send('/notes', { method: 'POST', ...auth401('reader') });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write", scope="write"',
      );
      expect(answer.json).toEqual({
        error: 'insufficient_scope',
        error_description: 'the access token lacks the scope write',
      });
      expect((await send('/notes', { method: 'POST', ...auth401('writer') })).status).toBe(200);
    });

    it('checks requireAnyScope', async () => {
      expect((await send('/any', auth401('reader'))).status).toBe(200);
    });

    it('only authenticates without a rule', async () => {
      expect((await send('/me', auth401('reader'))).json.sub).toBe('user-reader');
      expect((await send('/me')).status).toBe(401);
    });

    it('answers 503 when the token cannot be checked', async () => {
      const answer = await send('/notes', auth401('down'));
      expect(answer.status).toBe(503);
      expect(answer.json.error).toBe('temporarily_unavailable');
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('www-authenticate')).toBeNull();
    });

    it('refuses a query token by default, and a second method always', async () => {
      expect((await send('/notes?access_token=reader')).status).toBe(401);
      expect((await send('/query?access_token=reader')).json.sub).toBe('user-reader');
      const both = await send('/query?access_token=reader', auth401('reader'));
      expect(both.status).toBe(400);
      expect(both.json.error).toBe('invalid_request');
      expect((await send('/query?access_token=reader&access_token=writer')).status).toBe(400);
    });

    it('takes a form body token where allowed, never on GET', async () => {
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const posted = await send('/body', { method: 'POST', headers: form, body: 'access_token=writer&title=hi' });
      expect(posted.status).toBe(200);
      expect(posted.json).toMatchObject({ sub: 'user-writer', title: 'hi' });
      expect((await send('/notes', { method: 'POST', headers: form, body: 'access_token=writer' })).status).toBe(401);
      expect(
        (
          await send('/body', {
            method: 'POST',
            headers: { ...form, ...auth401('writer').headers },
            body: 'access_token=writer',
          })
        ).status,
      ).toBe(400);
    });

    it('survives an unexpected failure inside the check', async () => {
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const answer = await send('/broken', auth401('reader'));
        expect(answer.status).toBe(500);
        expect((await send('/notes', auth401('reader'))).status).toBe(200);
      } finally {
        errors.mockRestore();
      }
    });
  });
}

/** A resource server whose clock breaks: an error that is no BearerError. */
const broken = () =>
  resourceServer({
    now: () => {
      throw new Error('clock broke');
    },
  });

behavesLikeAProtectedApi('Fastify', async () => {
  const rs = resourceServer();
  const queries = resourceServer({ allowQueryToken: true });
  const bodies = resourceServer({ allowBodyToken: true });
  const app: FastifyInstance = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.get('/notes', { preHandler: rs.fastify(requireScope('read')) }, async (request) => request.gatehouse);
  app.post('/notes', { preHandler: rs.fastify(requireScope('write')) }, async (request) => request.gatehouse);
  app.get('/any', { preHandler: rs.fastify(requireAnyScope('admin', 'read')) }, async (request) => request.gatehouse);
  app.get('/me', { preHandler: rs.fastify() }, async (request) => request.gatehouse);
  app.get('/query', { preHandler: queries.fastify(requireScope('read')) }, async (request) => request.gatehouse);
  app.post('/body', { preHandler: bodies.fastify(requireScope('write')) }, async (request) => ({
    ...request.gatehouse,
    title: (request.body as { title: string }).title,
  }));
  app.get('/broken', { preHandler: broken().fastify() }, async (request) => request.gatehouse);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { send: client(app.server), close: () => app.close() };
});

behavesLikeAProtectedApi('Express', async () => {
  const rs = resourceServer();
  const queries = resourceServer({ allowQueryToken: true });
  const bodies = resourceServer({ allowBodyToken: true });
  const app = express();
  app.get('/notes', rs.express(requireScope('read')), (req, res) => {
    expect(res.locals.gatehouse).toBe(req.gatehouse);
    res.json(req.gatehouse);
  });
  app.post('/notes', rs.express(requireScope('write')), (req, res) => res.json(req.gatehouse));
  app.get('/any', rs.express(requireAnyScope('admin', 'read')), (req, res) => res.json(req.gatehouse));
  app.get('/me', rs.express(), (req, res) => res.json(req.gatehouse));
  app.get('/query', queries.express(requireScope('read')), (req, res) => res.json(req.gatehouse));
  app.post('/body', express.urlencoded(), bodies.express(requireScope('write')), (req, res) =>
    res.json({ ...req.gatehouse, title: req.body.title }),
  );
  app.get('/broken', broken().express(), (req, res) => res.json(req.gatehouse));
  // The app's own error handler sees what is not an authentication answer.
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: 'server_error', error_description: error.message });
  });
  return listen(createServer(app));
});

behavesLikeAProtectedApi('node:http', async () => {
  const rs = resourceServer();
  const queries = resourceServer({ allowQueryToken: true });
  const bodies = resourceServer({ allowBodyToken: true });
  const json = (res: import('node:http').ServerResponse, value: unknown) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  const routes: Record<string, (req: IncomingMessage, res: import('node:http').ServerResponse) => void> = {
    'GET /notes': rs.node(requireScope('read'), (_req, res, access) => json(res, access)),
    'POST /notes': rs.node(requireScope('write'), (_req, res, access) => json(res, access)),
    'GET /any': rs.node(requireAnyScope('admin', 'read'), (_req, res, access) => json(res, access)),
    'GET /me': rs.node((_req, res, access) => json(res, access)),
    'GET /query': queries.node(requireScope('read'), (_req, res, access) => json(res, access)),
    'POST /body': bodies.node(requireScope('write'), (req, res, access) =>
      json(res, { ...access, title: (req as IncomingMessage & { body: URLSearchParams }).body.get('title') }),
    ),
    'GET /broken': broken().node((_req, res, access) => json(res, access)),
  };
  return listen(
    createServer((req, res) => {
      const path = req.url!.split('?')[0];
      const route = routes[`${req.method} ${path}`];
      if (route) route(req, res);
      else res.writeHead(404).end();
    }),
  );
});

describe('node:http adapter specifics', () => {
  let send: Send;
  let close: () => Promise<void>;
  let seen: AccessInfo | undefined;
  beforeAll(async () => {
    const rs = resourceServer({ allowBodyToken: true });
    const throwing = rs.node(() => {
      throw new Error('handler bug');
    });
    const ok = rs.node(requireScope('write'), (_req, res, access) => {
      seen = access;
      res.end('ok');
    });
    ({ send, close } = await listen(
      createServer((req, res) => (req.url === '/throws' ? throwing(req, res) : ok(req, res))),
    ));
  });
  afterAll(() => close());

  it('answers 500 when the handler throws, and keeps serving', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const answer = await send('/throws', auth401('reader'));
      expect(answer.status).toBe(500);
      expect(answer.json.error).toBe('server_error');
      expect(errors).toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    expect((await send('/', auth401('writer'))).status).toBe(200);
    expect(seen?.sub).toBe('user-writer');
  });

  it('refuses a form body over 64 KiB instead of buffering it', async () => {
    const answer = await send('/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=writer&pad=${'x'.repeat(70_000)}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error_description).toBe('the request body is too large');
    expect(answer.headers.get('connection')).toBe('close');
  });

  it('never parses the path as a URL', async () => {
    expect((await send('//evil.example.com/notes?x=1', auth401('writer'))).status).toBe(200);
  });
});
