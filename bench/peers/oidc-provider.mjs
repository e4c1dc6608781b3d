// oidc-provider (v9) as the benchmark's first peer, set up as its documentation recommends for
// an OAuth 2.0 authorization server with opaque tokens:
// - the standalone server (`provider.listen`), the issuer http://127.0.0.1:PORT;
// - static clients with client_secret_basic: "bench" (client_credentials, authorization_code,
//   refresh_token, one redirect URI) and "rs", a resource server's client that introspects;
// - features.clientCredentials and features.introspection enabled, with an allowedPolicy (the
//   docs ask for one) equal to Gatehouse's rule: a client may introspect its own tokens, the
//   resource server's client anyone's; devInteractions off (no interactive flow is used);
// - findAccount: every account id exists (the benchmark has no user store here);
// - rotateRefreshToken: true (every refresh consumes the token and returns a new one; the
//   default rotates only public clients' tokens) and explicit lifetimes equal to Gatehouse's
//   (access tokens 1 h, refresh tokens 14 days; codes 10 min so pre-minted codes outlive a run);
// - the default in-memory adapter, or with `map` the unbounded one in ./oidc-map-adapter.mjs
//   (the authorization_code scenario only: the default adapter is an LRU of ~1000 entries).
//
//   BENCH_PEER_CONFIG='{"client":{"id","secret"},"resourceServer":{"id","secret"},"redirectUri"}' \
//     node bench/peers/oidc-provider.mjs PORT CONTROL_PORT [default|map]
//
// CONTROL_PORT is a second listener for the harness only (never under load): GET /healthz, and
// POST /codes?count=N&code_challenge=…&redirect_uri=… which mints N authorization codes through
// oidc-provider's own models — for each, a Grant (its own account id, scope offline_access) and
// an AuthorizationCode bound to the client, the redirect URI and the S256 challenge — the way
// the authorization endpoint would after a login and a consent. Answers the codes, one a line.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Provider } from 'oidc-provider';
import { MapAdapter } from './oidc-map-adapter.mjs';

const [port, controlPort, adapter = 'default'] = process.argv.slice(2);
const config = JSON.parse(process.env.BENCH_PEER_CONFIG ?? '{}');
const DAY = 24 * 3600;

const provider = new Provider(`http://127.0.0.1:${port}`, {
  ...(adapter === 'map' ? { adapter: MapAdapter } : {}),
  clients: [
    {
      client_id: config.client.id,
      client_secret: config.client.secret,
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [config.redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: config.resourceServer.id,
      client_secret: config.resourceServer.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: {
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // Gatehouse's rule: a client may introspect its own tokens, the resource server's client everyone's.
      async allowedPolicy(_ctx, caller, token) {
        return token.clientId === caller.clientId || caller.clientId === config.resourceServer.id;
      },
    },
    devInteractions: { enabled: false },
  },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id };
      },
    };
  },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    AuthorizationCode: 600,
    RefreshToken: 14 * DAY,
    Grant: 14 * DAY,
    Session: 14 * DAY,
    Interaction: 3600,
    IdToken: 3600,
  },
});

provider.listen(Number(port), '127.0.0.1');

// --- the harness's control listener -----------------------------------------------------

let accounts = 0;

async function mintCodes(count, codeChallenge, redirectUri) {
  const client = await provider.Client.find(config.client.id);
  const codes = [];
  for (let i = 0; i < count; i++) {
    const accountId = `bench-user-${++accounts}`;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope('offline_access');
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId,
      client,
      grantId,
      scope: 'offline_access',
      redirectUri,
      codeChallenge,
      codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000),
    });
    codes.push(await code.save());
  }
  return codes;
}

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://control');
  try {
    if (req.method === 'GET' && url.pathname === '/healthz') return res.end('ok');
    if (req.method === 'POST' && url.pathname === '/codes') {
      const codes = await mintCodes(
        Number(url.searchParams.get('count')),
        url.searchParams.get('code_challenge'),
        url.searchParams.get('redirect_uri'),
      );
      return res.end(`${codes.join('\n')}\n`);
    }
    res.statusCode = 404;
    res.end('not found');
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error?.stack ?? error));
  }
}).listen(Number(controlPort), '127.0.0.1');

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
