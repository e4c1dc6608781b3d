// @node-oauth/oauth2-server (v5) as the benchmark's second peer: an express app with an
// in-memory model written the way the library's model documentation describes it (getClient,
// saveToken, getAccessToken, getRefreshToken, revokeToken, getAuthorizationCode,
// saveAuthorizationCode, revokeAuthorizationCode, getUser, getUserFromClient, verifyScope), and
// the request/response glue of the express wrapper the project recommends
// (@node-oauth/express-oauth-server), written out here: express.urlencoded() parses the body,
// oauth.token() / oauth.authorize() get the library's Request and Response, and their status,
// headers and body are copied onto express's response.
//
// Parity with Gatehouse, where the model decides:
// - client secrets are kept as SHA-256 hashes and compared in constant time;
// - user passwords are argon2id hashes made with @node-rs/argon2's defaults, the library and
//   parameters Gatehouse uses (m = 19 MiB, t = 2, p = 1), verified with its async verify (libuv
//   thread pool); an unknown user is verified against a decoy hash, as in Gatehouse;
// - lifetimes: access tokens 1 h, refresh tokens 14 days, codes 10 min (pre-minted codes
//   outlive a run); alwaysIssueNewRefreshToken (the default): every refresh revokes the
//   presented refresh token and returns a new one.
// There is no token introspection endpoint in @node-oauth/oauth2-server (RFC 7662): n/a.
//
//   BENCH_PEER_CONFIG='{"client":{"id","secret"},"users":[{"username","password"}…],"redirectUri"}' \
//     node bench/peers/oauth2-server.mjs PORT
//
// Besides POST /oauth/token: POST /login (username, password → a session cookie) and
// GET /oauth/authorize (PKCE, the session's user; no consent page: the user has allowed the
// client), which the harness uses to mint authorization codes through the library's own
// authorize handler; GET /healthz.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import OAuth2Server from '@node-oauth/oauth2-server';
import express from 'express';

const { Request, Response } = OAuth2Server;
const [port] = process.argv.slice(2);
const config = JSON.parse(process.env.BENCH_PEER_CONFIG ?? '{}');

const sha256 = (value) => createHash('sha256').update(value).digest();

// --- the in-memory model -------------------------------------------------------------------

const clients = new Map([
  [
    config.client.id,
    {
      id: config.client.id,
      secretHash: sha256(config.client.secret),
      grants: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
      redirectUris: [config.redirectUri],
    },
  ],
]);
const users = new Map();
for (const { username, password } of config.users)
  users.set(username, { id: `user-${username}`, username, passwordHash: await hash(password) });
const decoyHash = await hash(randomBytes(16).toString('hex'));
const accessTokens = new Map();
const refreshTokens = new Map();
const authorizationCodes = new Map();

const model = {
  /** clientSecret null: the authorize endpoint looks the client up without authenticating it. */
  async getClient(clientId, clientSecret) {
    const client = clients.get(clientId);
    if (!client) return null;
    if (clientSecret !== null) {
      if (typeof clientSecret !== 'string' || !timingSafeEqual(sha256(clientSecret), client.secretHash)) return null;
    }
    return { id: client.id, grants: client.grants, redirectUris: client.redirectUris };
  },

  async getUser(username, password) {
    const user = users.get(username);
    const matches = await verify(user?.passwordHash ?? decoyHash, password);
    return user && matches ? { id: user.id, username: user.username } : null;
  },

  async getUserFromClient(client) {
    return { id: client.id };
  },

  async saveToken(token, client, user) {
    const saved = {
      accessToken: token.accessToken,
      accessTokenExpiresAt: token.accessTokenExpiresAt,
      refreshToken: token.refreshToken,
      refreshTokenExpiresAt: token.refreshTokenExpiresAt,
      scope: token.scope,
      client: { id: client.id },
      user: { id: user.id },
    };
    accessTokens.set(saved.accessToken, saved);
    if (saved.refreshToken) refreshTokens.set(saved.refreshToken, saved);
    return saved;
  },

  async getAccessToken(accessToken) {
    return accessTokens.get(accessToken) ?? null;
  },

  async getRefreshToken(refreshToken) {
    return refreshTokens.get(refreshToken) ?? null;
  },

  async revokeToken(token) {
    return refreshTokens.delete(token.refreshToken);
  },

  async saveAuthorizationCode(code, client, user) {
    const saved = {
      authorizationCode: code.authorizationCode,
      expiresAt: code.expiresAt,
      redirectUri: code.redirectUri,
      scope: code.scope,
      codeChallenge: code.codeChallenge,
      codeChallengeMethod: code.codeChallengeMethod,
      client: { id: client.id },
      user: { id: user.id },
    };
    authorizationCodes.set(saved.authorizationCode, saved);
    return saved;
  },

  async getAuthorizationCode(authorizationCode) {
    return authorizationCodes.get(authorizationCode) ?? null;
  },

  async revokeAuthorizationCode(code) {
    return authorizationCodes.delete(code.authorizationCode);
  },

  async verifyScope(token, scope) {
    const granted = new Set(token.scope ?? []);
    return scope.every((s) => granted.has(s));
  },
};

const oauth = new OAuth2Server({
  model,
  accessTokenLifetime: 3600,
  refreshTokenLifetime: 14 * 24 * 3600,
  authorizationCodeLifetime: 600,
  allowEmptyState: false,
  alwaysIssueNewRefreshToken: true,
});

// --- express -----------------------------------------------------------------------------------

const sessions = new Map(); // session id → user

function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** Copies the library's answer onto express's; an error answers as the express wrapper does. */
function send(res, response, error) {
  res.set(response.headers);
  if (error) {
    res.status(error.code ?? 500);
    if (error.name === 'unauthorized_request') return res.end();
    return res.json({ error: error.name, error_description: error.message });
  }
  if (response.status === 302) return res.status(302).end();
  return res.status(response.status).json(response.body);
}

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false }));

app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));

app.post('/oauth/token', async (req, res) => {
  const request = new Request(req);
  const response = new Response(res);
  try {
    await oauth.token(request, response);
    send(res, response);
  } catch (error) {
    send(res, response, error);
  }
});

app.post('/login', async (req, res) => {
  const user = await model.getUser(req.body?.username ?? '', req.body?.password ?? '');
  if (!user) return res.status(400).json({ error: 'invalid credentials' });
  const id = randomBytes(32).toString('base64url');
  sessions.set(id, user);
  res.set('set-cookie', `session=${id}; Path=/; HttpOnly; SameSite=Lax`).status(204).end();
});

const authenticateHandler = { handle: (request) => sessions.get(cookie(request, 'session')) ?? null };

app.get('/oauth/authorize', async (req, res) => {
  const request = new Request(req);
  const response = new Response(res);
  try {
    await oauth.authorize(request, response, { authenticateHandler });
    send(res, response);
  } catch (error) {
    send(res, response, error);
  }
});

const server = app.listen(Number(port), '127.0.0.1');
server.keepAliveTimeout = 72_000;
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
