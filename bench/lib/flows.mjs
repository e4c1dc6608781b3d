// The HTTP flows the harness drives outside wrk to prepare a run: PKCE pairs, signing in through
// a server's pages, minting authorization codes through its authorization endpoint, and turning
// a password or a code into a refresh token at its token endpoint.
import { createHash, randomBytes } from 'node:crypto';

const FORM = 'application/x-www-form-urlencoded';
/** Characters of a code or token the wrk scripts put into a form body without encoding it. */
const URL_SAFE = /^[A-Za-z0-9._~-]+$/;

/** An RFC 7636 S256 pair. One pair serves every code of a run: each code is still used once. */
export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The Cookie header for the Set-Cookie headers of `response` merged into `jar` (a Map). */
function absorbCookies(jar, response) {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time; results in order. */
export async function pool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Gatehouse's sign-in page: GET /login (CSRF cookie and token), POST /login. Returns the Cookie header of the session. */
export async function gatehouseLogin(url, user) {
  const jar = new Map();
  const page = await fetch(`${url}/login`);
  let cookie = absorbCookies(jar, page);
  const html = await page.text();
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`no csrf_token on ${url}/login (HTTP ${page.status})`);
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': FORM, cookie },
    body: new URLSearchParams({
      csrf_token: csrf.replace(/&amp;/g, '&'),
      username: user.username,
      password: user.password,
    }).toString(),
  });
  await response.arrayBuffer();
  cookie = absorbCookies(jar, response);
  if (response.status !== 303 || !/gatehouse_session=/.test(cookie))
    throw new Error(`sign-in at ${url}/login answered ${response.status}`);
  return cookie;
}

/** The oauth2-server peer's bench login (POST /login). Returns the Cookie header of the session. */
export async function peerLogin(url, user) {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': FORM },
    body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
  });
  await response.arrayBuffer();
  const cookie = absorbCookies(new Map(), response);
  if (response.status !== 204 || !cookie) throw new Error(`peer login answered ${response.status}`);
  return cookie;
}

/**
 * Mints `count` codes through an authorization endpoint with a signed-in session: each GET
 * answers a redirect to the client's redirect URI carrying a new code (the user has allowed the
 * client: no consent page).
 */
export async function mintCodesByAuthorize({
  url,
  path = '/oauth/authorize',
  cookie,
  clientId,
  redirectUri,
  challenge,
  count,
  concurrency = 8,
  extra = {},
}) {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state: 'bench',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    // e.g. { scope: 'openid', nonce } for the OpenID Connect code flow.
    ...extra,
  }).toString();
  return pool(count, concurrency, async () => {
    const response = await fetch(`${url}${path}?${query}`, { redirect: 'manual', headers: { cookie } });
    await response.arrayBuffer();
    const location = response.headers.get('location');
    const code = location && new URL(location).searchParams.get('code');
    if (!code) throw new Error(`authorization request answered ${response.status} ${location ?? ''}`);
    if (!URL_SAFE.test(code)) throw new Error(`code ${code} is not URL-safe`);
    return code;
  });
}

/** POSTs a form to a token endpoint and returns the JSON answer (throws unless 200 with `field`). */
export async function tokenRequest(url, authorization, params, field = 'access_token') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': FORM },
    body: new URLSearchParams(params).toString(),
  });
  const payload = await response.json();
  if (response.status !== 200 || !payload[field])
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(payload)}`);
  if (typeof payload[field] === 'string' && !URL_SAFE.test(payload[field]))
    throw new Error(`${field} ${payload[field]} is not URL-safe`);
  return payload;
}

/** Refresh tokens from the password grant (argon2 verification each time, so a few at a time): each starts its own token family. */
export async function refreshTokensByPassword({ tokenUrl, authorization, user, count, concurrency = 4 }) {
  const params = { grant_type: 'password', username: user.username, password: user.password };
  return pool(
    count,
    concurrency,
    async () => (await tokenRequest(tokenUrl, authorization, params, 'refresh_token')).refresh_token,
  );
}

/** Refresh tokens from redeeming codes (for a server without the password grant). */
export async function refreshTokensByCodes({ tokenUrl, authorization, codes, redirectUri, verifier, concurrency = 8 }) {
  return pool(codes.length, concurrency, async (i) => {
    const params = {
      grant_type: 'authorization_code',
      code: codes[i],
      redirect_uri: redirectUri,
      code_verifier: verifier,
    };
    return (await tokenRequest(tokenUrl, authorization, params, 'refresh_token')).refresh_token;
  });
}

/**
 * Device codes a user has approved (RFC 8628), for the device-code runs: asked for at the
 * device authorization endpoint over HTTP, then approved in the database as the /device page
 * records an approval (through Gatehouse's storage API: the page's sign-in, CSRF and consent
 * steps would cost the harness far more than the run it prepares). In batches, so the
 * client's pending codes stay few while tens of thousands are minted.
 */
export async function mintApprovedDeviceCodes({ url, database, client, user, count, batch = 500 }) {
  const { openStore, parseDatabaseUrl } = await import('gatehouse');
  const { tokenKey } = await import('../../dist/core/secrets.js');
  const store = openStore(parseDatabaseUrl(database.url));
  try {
    const owner = await store.findUserByLogin(user.username.toLowerCase());
    if (!owner) throw new Error(`no user ${user.username} to approve device codes`);
    const codes = [];
    while (codes.length < count) {
      const asked = await pool(Math.min(batch, count - codes.length), 8, async () => {
        const response = await fetch(`${url}/oauth/device_authorization`, {
          method: 'POST',
          headers: { authorization: client.authorization, 'content-type': FORM },
          body: '',
        });
        const payload = await response.json();
        if (response.status !== 200 || !URL_SAFE.test(payload.device_code ?? ''))
          throw new Error(`device authorization answered ${response.status}: ${JSON.stringify(payload)}`);
        return payload.device_code;
      });
      const now = Math.floor(Date.now() / 1000);
      for (const code of asked) {
        const approval = { status: 'approved', userId: owner.id };
        if (!(await store.deviceCodes.decideDeviceCode(tokenKey(code), approval, now)))
          throw new Error('a fresh device code could not be approved');
      }
      codes.push(...asked);
    }
    return codes;
  } finally {
    await store.close();
  }
}
