// The ceiling: a bare node:http server doing the trivial part of a token endpoint and nothing
// else (no framework, no database, no logging, no client authentication). It reads the whole
// urlencoded body, parses it, makes a random access token (and, for the grants that return one
// — refresh_token, authorization_code, password — a random refresh token), and answers JSON
// with the same no-store headers as Gatehouse. POST /oauth/introspect answers an RFC 7662
// "active" description of the presented token, made up on the spot.
//
//   node bench/ceiling-server.mjs PORT
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8081);
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const WITH_REFRESH_TOKEN = new Set(['refresh_token', 'authorization_code', 'password']);
/** The parameter each grant cannot do without (RFC 6749 §4.1.3, §4.3.2, §6). */
const REQUIRED = { refresh_token: 'refresh_token', authorization_code: 'code', password: 'password' };

function send(res, status, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    ...NO_STORE,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function token(params, req, res) {
  const grantType = params.get('grant_type');
  if (!grantType || !req.headers.authorization) return send(res, 400, { error: 'invalid_request' });
  const required = REQUIRED[grantType];
  if (required && !params.get(required)) return send(res, 400, { error: 'invalid_request' });
  const response = {
    access_token: randomBytes(32).toString('base64url'),
    token_type: 'Bearer',
    expires_in: 3600,
    scope: params.get('scope') ?? '',
  };
  if (WITH_REFRESH_TOKEN.has(grantType)) response.refresh_token = randomBytes(32).toString('base64url');
  send(res, 200, response);
}

function introspect(params, req, res) {
  if (!params.get('token') || !req.headers.authorization) return send(res, 400, { error: 'invalid_request' });
  const now = Math.floor(Date.now() / 1000);
  send(res, 200, {
    active: true,
    scope: '',
    client_id: 'ceiling',
    sub: 'ceiling',
    token_type: 'Bearer',
    exp: now + 3600,
    iat: now,
    iss: `http://127.0.0.1:${port}`,
    jti: randomBytes(16).toString('hex'),
  });
}

const ROUTES = { '/oauth/token': token, '/oauth/introspect': introspect };

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  const route = ROUTES[req.url];
  if (req.method !== 'POST' || !route) return send(res, 404, { error: 'not_found' });
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => route(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), req, res));
});

server.keepAliveTimeout = 72_000; // Fastify's default, so both servers keep wrk's connections open alike
server.listen(port, '127.0.0.1', () => process.stdout.write(`ceiling listening on http://127.0.0.1:${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(signal, () => server.close(() => process.exit(0)).closeAllConnections());
