// The ceiling: a bare node:http server doing the trivial part of a token endpoint and nothing
// else (no framework, no database, no logging, no client authentication). It reads the whole
// urlencoded body, parses it, makes a random access token (and, for grant_type=refresh_token,
// a random refresh token), and answers JSON with the same no-store headers as Gatehouse.
//
//   node bench/ceiling-server.mjs PORT
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8081);
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function send(res, status, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(status, { ...NO_STORE, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/oauth/token') return send(res, 404, { error: 'not_found' });
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const grantType = params.get('grant_type');
    if (!grantType || !req.headers.authorization) return send(res, 400, { error: 'invalid_request' });
    const response = {
      access_token: randomBytes(32).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: params.get('scope') ?? '',
    };
    if (grantType === 'refresh_token') {
      if (!params.get('refresh_token')) return send(res, 400, { error: 'invalid_request' });
      response.refresh_token = randomBytes(32).toString('base64url');
    }
    send(res, 200, response);
  });
});

server.keepAliveTimeout = 72_000; // Fastify's default, so both servers keep wrk's connections open alike
server.listen(port, '127.0.0.1', () => process.stdout.write(`ceiling listening on http://127.0.0.1:${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)).closeAllConnections());
