// The API of the protected-route benchmark: one handler behind three routes — unprotected,
// behind gatehouse/resource validating JWT access tokens locally, and behind gatehouse/resource
// introspecting opaque tokens (answered from its cache once warm). No request log: what is
// measured is the cost of the guard, against the same route without it.
//
//   node bench/protected-api.mjs PORT JWT_ISSUER OPAQUE_ISSUER RS_CLIENT_ID RS_CLIENT_SECRET
import Fastify from 'fastify';
import { createResourceServer, requireScope } from 'gatehouse/resource';

const [port, jwtIssuer, opaqueIssuer, clientId, clientSecret] = process.argv.slice(2);
const jwt = createResourceServer({ issuer: jwtIssuer, tokenFormat: 'jwt' });
const opaque = createResourceServer({
  issuer: opaqueIssuer,
  tokenFormat: 'opaque',
  introspection: { clientId, clientSecret, cacheMaxAge: 300 },
});

const app = Fastify({ logger: false });
const handler = async (request) => ({ ok: true, sub: request.gatehouse?.sub ?? null });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/open', handler);
app.get('/jwt', { preHandler: jwt.fastify(requireScope('read')) }, handler);
app.get('/opaque', { preHandler: opaque.fastify(requireScope('read')) }, handler);
await app.listen({ port: Number(port), host: '127.0.0.1' });
