import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../core/errors.js';
import type { HttpServices } from '../services.js';

const DOCUMENTS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'] as const;
const JWKS = '/.well-known/jwks.json';

/** RFC 8414 metadata and the OpenID Connect Discovery document (one issuer, one list), the JWKS. */
export function registerDiscoveryRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'keys' | 'metadata'>,
): void {
  const { metadata } = gatehouse;
  for (const path of DOCUMENTS) {
    app.get(path, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(metadata));
  }

  // Read from the database on each request (it is small and rarely fetched), so a key rotated
  // on any node is published by every node at once. Resource servers refetch on an unknown kid.
  app.get(JWKS, async (_request, reply) => {
    const keys = gatehouse.keys ? await gatehouse.keys.publishedKeys() : [];
    return reply.header('cache-control', 'public, max-age=60').send({ keys });
  });

  // An OPTIONS that is not a passing CORS preflight (plugins/cors.ts answers those).
  for (const path of [...DOCUMENTS, JWKS]) {
    app.options(path, async () => {
      throw OAuthError.methodNotAllowed('GET, HEAD');
    });
  }
}

/** The health probe: no CORS, no cache. */
export function registerHealthRoute(app: FastifyInstance, gatehouse: Pick<HttpServices, 'store'>): void {
  app.get('/healthz', async (request, reply) => {
    try {
      await gatehouse.store.ping();
      return reply.header('cache-control', 'no-store').send({ status: 'ok', database: gatehouse.store.engine });
    } catch (error) {
      request.log.warn({ err: { code: (error as { code?: string }).code } }, 'health check failed');
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .send({ status: 'unavailable', database: gatehouse.store.engine });
    }
  });
}
