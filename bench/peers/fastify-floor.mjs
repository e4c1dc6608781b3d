// The framework's floor: the ceiling's client_credentials answer (bench/ceiling-server.mjs),
// served through Fastify the way Gatehouse uses it — logger off, a urlencoded body parser, a
// POST route, the no-store headers — and nothing else: no client authentication, no database,
// no log line. What a Fastify server pays before doing any work of its own.
//
//   node bench/peers/fastify-floor.mjs PORT
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 8081);
const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
  done(null, new URLSearchParams(body));
});
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/oauth/token', async (request, reply) => {
  const params = request.body;
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (
    !(params instanceof URLSearchParams) ||
    params.get('grant_type') !== 'client_credentials' ||
    !request.headers.authorization
  ) {
    return reply.code(400).send({ error: 'invalid_request' });
  }
  return {
    access_token: randomBytes(32).toString('base64url'),
    token_type: 'Bearer',
    expires_in: 3600,
    scope: params.get('scope') ?? '',
  };
});
await app.listen({ port, host: '127.0.0.1' });
