/**
 * Scale-out: three `gatehouse serve` processes on one fresh PostgreSQL database, each scenario's
 * requests spread over them the way a round-robin proxy without sticky sessions spreads them.
 * Everything a later request needs must be in the database, not in the memory of the node
 * that happened to serve the earlier one:
 *
 *   (a) refresh-token rotation under concurrency, across nodes;
 *   (b) single-use authorization codes, and the revocation a replay triggers (RFC 6749 §4.1.2);
 *   (c) browser sessions, CSRF tokens and remembered consent;
 *   (d) JWT signing keys and the JWKS, through `gatehouse keys rotate`;
 *   (e) brute-force counters.
 *
 * The nodes run as in production behind a TLS-terminating proxy: an https issuer, JWT access
 * tokens with a shared key_encryption_key, trusted_proxies=127.0.0.1.
 *
 * Then examples/cluster/start.mjs end to end, on a database of its own: it migrates, starts
 * three nodes and its proxy; a token is issued through the proxy, the nodes count and log the
 * client address the proxy forwarded (not one the client made up), and Ctrl-C stops it all.
 *
 * PostgreSQL at 127.0.0.1:5432 (GATEHOUSE_TEST_PG_URL); skipped with a warning when it is
 * unreachable, a failure with CI=true. Run `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertOf,
  authorizePath,
  CookieJar,
  csrfTokenOf,
  hiddenFields,
  HttpBrowser,
  parseSetCookie,
  pkcePair,
  type BrowserResponse,
} from '../helpers/browser-http.js';
import { listeningPids, spawnServe, type ServeProcess } from '../helpers/cli.js';
import {
  assertPostgresAvailable,
  createPostgresTestDatabase,
  skipPostgres,
  type TestDatabase,
} from '../helpers/databases.js';
import {
  basicAuthorization,
  createClient,
  createUser,
  databaseArg,
  freePort,
  httpRequest,
  migrateDatabase,
  runCli,
  tokenRequest,
  type CreatedClient,
  type HttpResult,
} from '../helpers/server.js';

const PASSWORD = 'one database, many nodes';
const ISSUER = 'https://auth.cluster.test';
const WEB_CB = 'https://app.example/cb';
const KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');
/** Every node gets exactly this configuration, as in a real deployment. */
const NODE_ENV = {
  GATEHOUSE_ISSUER: ISSUER,
  GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
  GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt',
  GATEHOUSE_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY,
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
  // Strict rotation (the default, spelled out): a second use of a refresh token is theft.
  GATEHOUSE_REFRESH_TOKEN_GRACE_PERIOD: '0',
  // Three failures of one login from one address, then a block.
  GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2',
  GATEHOUSE_DATABASE_POOL_SIZE: '4',
};
const SESSION_COOKIE = '__Host-gatehouse_session'; // https issuer: __Host- cookies
const BURST = 15;

type Client = CreatedClient & { client_secret: string };
const auth = (client: Client) => ({ basic: [client.client_id, client.client_secret] as [string, string] });

/** RFC 7662 introspection by the token's own client, at one node. */
async function introspect(
  node: ClusterNode,
  token: string,
  client: Client,
): Promise<{ active: boolean; [claim: string]: unknown }> {
  const res = await httpRequest(`${node.url}/oauth/introspect`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization(client.client_id, client.client_secret),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

/** The code of a successful authorization response (RFC 6749 §4.1.2, RFC 9207 iss). */
function codeFrom(res: BrowserResponse, status: number, state: string): string {
  expect(res.status, res.location ?? res.text.slice(0, 500)).toBe(status);
  const location = new URL(res.location ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(WEB_CB);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(ISSUER);
  const code = location.searchParams.get('code');
  expect(code, res.location ?? '').toMatch(/^[A-Za-z0-9_-]{51}$/);
  return code!;
}

const invalidGrant = (res: HttpResult) => ({ status: res.status, error: res.json?.error });

interface ClusterNode {
  /** http://127.0.0.1:PORT */
  url: string;
  serve: ServeProcess;
}

/**
 * `gatehouse serve --no-migrate` on a free port, ready once it prints its banner. (The generous
 * start-up allowance is for a small machine busy with other test runs: three nodes starting at
 * once, each loading, connecting and — for the first — creating the signing key.)
 */
async function startNode(database: string, cwd: string): Promise<ClusterNode> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const serve = spawnServe(['serve', '--no-migrate', '--port', String(port), '--database', database], {
      cwd,
      env: NODE_ENV,
    });
    try {
      await serve.waitForOutput(/Gatehouse is serving http:\/\/127\.0\.0\.1:\d+/, 45_000);
      return { url: `http://127.0.0.1:${port}`, serve };
    } catch (error) {
      await serve.stop('SIGKILL');
      // Another process took the "free" port in between: try another.
      if (attempt < 3 && /EADDRINUSE/.test(serve.output.text)) continue;
      throw error;
    }
  }
}

describe.skipIf(skipPostgres)('three nodes on one PostgreSQL database', () => {
  let db: TestDatabase;
  let database: string;
  let app: Client;
  let nodes: ClusterNode[] = [];
  let workDir: string | undefined;
  const node = (i: number) => nodes[i % nodes.length]!;

  beforeAll(async () => {
    await assertPostgresAvailable();
    db = await createPostgresTestDatabase();
    database = await migrateDatabase(db);
    // One client for every grant (fewer CLI processes: this machine is small). alice is the
    // user of (a)–(c); eve's failed sign-ins in (e) must not slow anyone else down.
    const [created] = await Promise.all([
      createClient(database, [
        '--name',
        'Cluster App',
        '--redirect-uri',
        WEB_CB,
        ...['authorization_code', 'refresh_token', 'password', 'client_credentials'].flatMap((grant) => [
          '--grant-type',
          grant,
        ]),
      ]),
      ...['alice', 'eve'].map((name) => createUser(database, name, `${name}@example.com`, PASSWORD)),
    ]);
    app = created as Client;
    // Started together, as the nodes of one deployment are (on a new database, with JWT: the
    // first signing key is created by whichever gets there first).
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-nodes-'));
    workDir = cwd;
    const starting = [0, 1, 2].map(() => startNode(database, cwd));
    const settled = await Promise.allSettled(starting);
    nodes = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 120_000);

  // Whatever happens to the test process, no node outlives it.
  process.once('exit', () => {
    for (const n of nodes) n.serve.child.kill('SIGKILL');
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.serve.stop('SIGTERM')));
    const logs = nodes.map((n) => n.serve.output.text).join('\n');
    await db?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    // No node may have hit a bug on the way (a 500 seen by a test fails it already; this
    // also catches one in a request whose answer a test did not look at).
    expect(logs).not.toMatch(/"status":5\d\d/);
    expect(logs).not.toMatch(/unhandled error/);
  });

  it('(a) 15 concurrent refreshes of one refresh token, spread over the 3 nodes: exactly one 200, 14 invalid_grant, and the grant is then revoked on every node', async () => {
    const issued = await tokenRequest(
      node(0).url,
      { grant_type: 'password', username: 'alice', password: PASSWORD },
      auth(app),
    );
    expect(issued.status, issued.text).toBe(200);
    const presented = issued.json.refresh_token as string;
    // The first access token is live everywhere (so "inactive" below means revoked, not unknown).
    expect(await introspect(node(2), issued.json.access_token, app)).toMatchObject({ active: true, username: 'alice' });

    const results = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        tokenRequest(node(i).url, { grant_type: 'refresh_token', refresh_token: presented }, auth(app)),
      ),
    );
    const outcomes = results
      .map((res, i) => `node${(i % 3) + 1}: ${res.status === 200 ? 'ok' : `${res.status} ${res.json?.error}`}`)
      .join(', ');
    const winners = results.filter((res) => res.status === 200);
    expect(winners, outcomes).toHaveLength(1);
    expect(
      results.filter((res) => res.status === 400 && res.json?.error === 'invalid_grant'),
      outcomes,
    ).toHaveLength(BURST - 1);
    const winner = winners[0]!.json as { access_token: string; refresh_token: string };
    expect(winner.refresh_token).not.toBe(presented);

    // refresh_token_grace_period 0: the 14 others presented a consumed token. That is reuse
    // (RFC 9700 §4.14.2), so every token of the grant is revoked, the winner's new pair included:
    // the client must sign the user in again. Every node agrees.
    for (const n of nodes) {
      expect(
        invalidGrant(
          await tokenRequest(n.url, { grant_type: 'refresh_token', refresh_token: winner.refresh_token }, auth(app)),
        ),
      ).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      expect(await introspect(n, winner.access_token, app)).toEqual({ active: false });
      expect(await introspect(n, issued.json.access_token, app)).toEqual({ active: false });
    }
  });

  it('(b) a code exchanged on node 1 is refused on nodes 2 and 3, and the replay revokes the tokens it bought (RFC 6749 §4.1.2); sent to all three at once, it is exchanged once', async () => {
    const browser = new HttpBrowser(node(0).url);
    await browser.signInOrFail('alice', PASSWORD);
    const { verifier, challenge } = pkcePair();
    const consent = await browser.get(
      authorizePath({
        response_type: 'code',
        client_id: app.client_id,
        redirect_uri: WEB_CB,
        scope: 'read',
        state: 'b',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(consent.status, consent.location ?? '').toBe(200);
    const code = codeFrom(await browser.answerConsent(consent.text, 'allow'), 303, 'b');
    const exchange = (n: ClusterNode) =>
      tokenRequest(
        n.url,
        { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
        auth(app),
      );

    const first = await exchange(node(0));
    expect(first.status, first.text).toBe(200);
    const tokens = first.json as { access_token: string; refresh_token: string };
    expect(await introspect(node(1), tokens.access_token, app)).toMatchObject({ active: true, username: 'alice' });

    for (const n of [node(1), node(2)]) {
      const replay = await exchange(n);
      expect(invalidGrant(replay), replay.text).toEqual({ status: 400, error: 'invalid_grant' });
      expect(replay.json.error_description).toMatch(/already used/);
    }
    // What the first exchange bought is revoked, whichever node is asked.
    for (const n of nodes) {
      expect(await introspect(n, tokens.access_token, app)).toEqual({ active: false });
      expect(
        invalidGrant(
          await tokenRequest(n.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, auth(app)),
        ),
      ).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
    }

    // The same code sent to the three nodes at once (consent is remembered now: straight back
    // with a code): one exchange wins, the other two are replays, which revoke what it got.
    const racing = pkcePair();
    const again = await browser.get(
      authorizePath({
        response_type: 'code',
        client_id: app.client_id,
        redirect_uri: WEB_CB,
        scope: 'read',
        state: 'b2',
        code_challenge: racing.challenge,
        code_challenge_method: 'S256',
      }),
    );
    const racedCode = codeFrom(again, 302, 'b2');
    const raced = await Promise.all(
      nodes.map((n) =>
        tokenRequest(
          n.url,
          { grant_type: 'authorization_code', code: racedCode, redirect_uri: WEB_CB, code_verifier: racing.verifier },
          auth(app),
        ),
      ),
    );
    const outcomes = raced.map((res) => `${res.status} ${res.json?.error ?? 'ok'}`).join(', ');
    const won = raced.filter((res) => res.status === 200);
    expect(won, outcomes).toHaveLength(1);
    expect(
      raced.filter((res) => res.json?.error === 'invalid_grant'),
      outcomes,
    ).toHaveLength(2);
    for (const n of nodes) expect(await introspect(n, won[0]!.json.access_token, app)).toEqual({ active: false });
  });

  it('(c) a sign-in on node 1 holds on nodes 2 and 3; a consent page from node 2 is answered on node 3; the consent is remembered on nodes 1 and 2; signing out on one node ends the session on all', async () => {
    const browser = new HttpBrowser(node(0).url);
    await browser.signInOrFail('alice', PASSWORD);
    for (const n of [node(1), node(2)]) {
      const account = await browser.get(`${n.url}/account`);
      expect(account.status, account.location ?? '').toBe(200);
      expect(account.text).toContain('alice@example.com');
    }

    const request = (state: string) => ({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: WEB_CB,
      scope: 'read write',
      state,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    // Node 2 knows the session: the consent page, not a redirect to the sign-in page.
    const consent = await browser.get(`${node(1).url}${authorizePath(request('c1'))}`);
    expect(consent.status, consent.location ?? '').toBe(200);
    expect(consent.text).toContain('<strong>Cluster App</strong> wants to access your account');
    // Its form (CSRF token included) answered on node 3.
    codeFrom(
      await browser.post(`${node(2).url}/oauth/authorize`, [...hiddenFields(consent.text), ['decision', 'allow']]),
      303,
      'c1',
    );

    // Remembered: nodes 1 and 2 send the browser straight back with a code.
    codeFrom(await browser.get(`${node(0).url}${authorizePath(request('c2'))}`), 302, 'c2');
    codeFrom(await browser.get(`${node(1).url}${authorizePath(request('c3'))}`), 302, 'c3');
    // And node 3 lists the app on the account page.
    const account = await browser.get(`${node(2).url}/account`);
    expect(account.text).toContain('Cluster App');

    // Sign out: the page from node 1, the form answered on node 2.
    const session = browser.jar.get(SESSION_COOKIE);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const logoutPage = await browser.get(`${node(0).url}/logout`);
    expect(logoutPage.status).toBe(200);
    const out = await browser.post(`${node(1).url}/logout`, { csrf_token: csrfTokenOf(logoutPage.text) });
    expect(out.status, out.text.slice(0, 500)).toBe(303);
    // The old cookie, presented again, is dead on every node (the session was deleted, not just the cookie).
    browser.jar.set(SESSION_COOKIE, session!);
    for (const n of nodes) {
      const after = await browser.get(`${n.url}/account`);
      expect({ status: after.status, location: after.location }).toEqual({
        status: 302,
        location: '/login?return_to=%2Faccount',
      });
    }
  });

  it('(d) JWT: every node publishes the same keys; after `gatehouse keys rotate --now` and `keys rotate` every node serves both new keys at once, signs with the first (not the second) within 10 s, and a token signed by any node verifies with the JWKS of any other', async () => {
    const jwksOf = async (n: ClusterNode): Promise<JSONWebKeySet> => {
      const res = await httpRequest(`${n.url}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      return res.json as JSONWebKeySet;
    };
    const kids = (jwks: JSONWebKeySet) => jwks.keys.map((key) => key.kid!).sort();
    const allJwks = () => Promise.all(nodes.map(jwksOf));
    const tokenFrom = async (n: ClusterNode): Promise<string> => {
      const res = await tokenRequest(n.url, { grant_type: 'client_credentials' }, auth(app));
      expect(res.status, res.text).toBe(200);
      return res.json.access_token as string;
    };
    const kidOf = (token: string) => decodeProtectedHeader(token).kid;
    /** Each token checked against the JWKS of each other node, as an API would (RFC 9068 §4). */
    const verifyEverywhere = async (tokens: string[], keySets: JSONWebKeySet[]) => {
      for (const [i, token] of tokens.entries()) {
        for (const [j, jwks] of keySets.entries()) {
          if (i === j) continue;
          const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
            issuer: ISSUER,
            audience: ISSUER,
            typ: 'at+jwt',
          });
          expect(protectedHeader.kid).toBe(kidOf(token));
          expect(payload.client_id).toBe(app.client_id);
        }
      }
    };
    const rotate = async (flags: string[]) => {
      const result = await runCli(['keys', 'rotate', '--json', ...flags], { database, env: NODE_ENV });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { kid: string; state: string };
    };

    const before = await allJwks();
    expect(kids(before[1]!)).toEqual(kids(before[0]!));
    expect(kids(before[2]!)).toEqual(kids(before[0]!));
    const oldTokens = await Promise.all(nodes.map(tokenFrom));
    await verifyEverywhere(oldTokens, before);

    // `keys rotate --now`: every node publishes the new key at once (the JWKS is read from the
    // database per request) and signs with it as soon as its 10 s signing-key cache runs out.
    const now = await rotate(['--now']);
    expect(now.state).toBe('signing');
    for (const jwks of await allJwks()) expect(kids(jwks)).toEqual([...kids(before[0]!), now.kid].sort());

    // Then a plain `keys rotate`: published at once by every node too, but it signs only 90 s
    // later, so no token below may carry it.
    const next = await rotate([]);
    expect(next.state).toBe('next');
    const latest = await allJwks();
    for (const jwks of latest) expect(kids(jwks)).toEqual([...kids(before[0]!), now.kid, next.kid].sort());

    const newTokens: string[] = [];
    const seen: Array<string | undefined> = [];
    for (const n of nodes) {
      let token = '';
      await expect
        .poll(
          async () => {
            token = await tokenFrom(n);
            seen.push(kidOf(token));
            return kidOf(token);
          },
          { timeout: 25_000, interval: 250 },
        )
        .toBe(now.kid);
      newTokens.push(token);
    }
    expect(seen).not.toContain(next.kid);
    await verifyEverywhere(newTokens, latest);
    // Tokens of the previous key still verify: it stays published until they have expired.
    await verifyEverywhere(oldTokens, latest);
  });

  it('(e) failed sign-ins sent at once to all three nodes share the database counter: at most one budget per node is checked, the rest refused, and then every node refuses; another address is not affected', async () => {
    const attacker = { 'x-forwarded-for': '198.51.100.7' };
    const browser = new HttpBrowser(node(0).url);
    const { csrfToken } = await browser.loginForm();
    type Outcome = 'wrong password' | 'throttled';
    const viaForm = async (n: ClusterNode): Promise<Outcome> => {
      const res = await browser.post(
        `${n.url}/login`,
        { csrf_token: csrfToken, username: 'eve', password: 'not the password' },
        attacker,
      );
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        return 'throttled';
      }
      expect({ status: res.status, alert: alertOf(res.text) }).toEqual({
        status: 400,
        alert: 'The username or password is incorrect.',
      });
      return 'wrong password';
    };
    // Nine at once, three per node. Each node lets through only as many as could still fail
    // before the first block (threshold 2 + 1), holding the rest until those are answered; the
    // reservations are each node's own, so up to 3 per node may be checked in one burst.
    const outcomes = await Promise.all(Array.from({ length: 9 }, (_, i) => viaForm(node(i))));
    expect(outcomes.filter((o) => o === 'wrong password').length, outcomes.join(', ')).toBeGreaterThanOrEqual(3);
    // The block is in the database: every node refuses the next guess at once.
    expect(await Promise.all([0, 1, 2].map((i) => viaForm(node(i))))).toEqual(['throttled', 'throttled', 'throttled']);

    // The owner, from elsewhere, signs in on any node.
    const elsewhere = await browser.post(
      `${node(2).url}/login`,
      { csrf_token: csrfToken, username: 'eve', password: PASSWORD },
      { 'x-forwarded-for': '198.51.100.8' },
    );
    expect(elsewhere.status, alertOf(elsewhere.text)).toBe(303);
    expect(elsewhere.setCookies.some((cookie) => cookie.name === SESSION_COOKIE && cookie.value !== '')).toBe(true);
  });
});

// --- the example: examples/cluster/start.mjs ---------------------------------------------------

const START_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/cluster/start.mjs');

/** A request from a chosen loopback address (127.0.0.x): a different "client" to the proxy. */
function requestFrom(
  localAddress: string,
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; json: any }> {
  return new Promise((resolveRequest, reject) => {
    const target = new URL(url);
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        localAddress,
        headers,
        agent: false,
        timeout: 20_000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          if ((response.statusCode ?? 0) >= 500)
            reject(new Error(`${method} ${url} answered ${response.statusCode}: ${text}`));
          else resolveRequest({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** A cookie-keeping browser at one loopback address, talking to the proxy. */
class BrowserAt {
  readonly jar = new CookieJar();
  constructor(
    readonly localAddress: string,
    readonly baseUrl: string,
  ) {}

  async request(path: string, form?: Record<string, string>) {
    const cookie = this.jar.header();
    const res = await requestFrom(this.localAddress, `${this.baseUrl}${path}`, {
      method: form ? 'POST' : 'GET',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookie = res.headers['set-cookie'] ?? [];
    this.jar.receive(setCookie.map(parseSetCookie));
    return res;
  }
}

describe.skipIf(skipPostgres)('examples/cluster/start.mjs: three nodes behind its proxy', () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let output = '';
  let workDir: string;
  let proxyUrl: string;
  let nodePorts: number[];
  let client: Client;

  /** Resolves once start.mjs printed `pattern`; rejects, with its output, if it exits or takes too long. */
  const waitForOutput = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(
          `start.mjs ${child.exitCode !== null ? `exited (code ${child.exitCode})` : 'timed out'} before printing ${pattern}:\n${output}`,
        );
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  };
  /** The JSON log lines of the nodes (start.mjs prefixes them with [nodeN]). */
  const nodeLogLines = () =>
    output
      .split('\n')
      .map((line) => /^\[(node\d)\] (\{.*\})$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ node: match[1]!, entry: JSON.parse(match[2]!) as Record<string, any> }));

  beforeAll(async () => {
    await assertPostgresAvailable();
    db = await createPostgresTestDatabase(); // empty: start.mjs migrates it
    const ports = new Set<number>();
    while (ports.size < 4) ports.add(await freePort());
    const [proxyPort, ...rest] = [...ports];
    nodePorts = rest;
    proxyUrl = `http://127.0.0.1:${proxyPort}`;
    workDir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEHOUSE_')) env[key] = value;
    env.GATEHOUSE_LOGIN_THROTTLE_THRESHOLD = '2';
    // As the example's README says: one key_encryption_key for every node.
    env.GATEHOUSE_KEY_ENCRYPTION_KEY = NODE_ENV.GATEHOUSE_KEY_ENCRYPTION_KEY;
    child = spawn(
      process.execPath,
      [START_SCRIPT, databaseArg(db), '--port', String(proxyPort), '--node-ports', nodePorts.join(',')],
      {
        cwd: workDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await waitForOutput(/\[cluster\] ready: /, 60_000);
    const database = databaseArg(db);
    const [created] = await Promise.all([
      createClient(database, [
        '--name',
        'Proxied Service',
        '--grant-type',
        'client_credentials',
        '--grant-type',
        'password',
      ]),
      createUser(database, 'olga', 'olga@example.com', PASSWORD),
    ]);
    client = created as Client;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      // A test failed before the SIGINT test: stop the script the way an operator would.
      const closed = new Promise((resolveClose) => child.once('close', resolveClose));
      child.kill('SIGTERM');
      await Promise.race([closed, new Promise((resolveWait) => setTimeout(resolveWait, 20_000))]);
      child.kill('SIGKILL');
    }
    // The nodes run in their own process groups: none may outlive this file.
    for (const port of nodePorts ?? []) for (const pid of listeningPids(port) ?? []) process.kill(pid, 'SIGKILL');
    await db?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('migrated the empty database once, then started three nodes sharing the issuer (the proxy URL) and trusted_proxies', async () => {
    expect(output).toMatch(/\[migrate\] Applied migrations: /);
    expect(output.match(/^\[migrate\] /gm)).toHaveLength(1);
    for (const [i, port] of nodePorts.entries()) {
      expect(output).toContain(`[node${i + 1}] Gatehouse is serving http://127.0.0.1:${port} on PostgreSQL`);
      expect(output).toContain(`[node${i + 1}] Issuer: ${proxyUrl}`);
    }
    const metadata = await httpRequest(`${proxyUrl}/.well-known/oauth-authorization-server`);
    expect(metadata.json).toMatchObject({ issuer: proxyUrl, token_endpoint: `${proxyUrl}/oauth/token` });
  });

  it('issues client_credentials tokens through the proxy, the requests spread over all three nodes', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await tokenRequest(proxyUrl, { grant_type: 'client_credentials' }, auth(client));
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      const introspected = await httpRequest(`${proxyUrl}/oauth/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(client.client_id, client.client_secret),
        },
        body: new URLSearchParams({ token: res.json.access_token }).toString(),
      });
      expect(introspected.json).toMatchObject({ active: true, client_id: client.client_id, iss: proxyUrl });
    }
    // Log lines are written in batches (at least every 250 ms): wait for them.
    await expect
      .poll(
        () =>
          new Set(
            nodeLogLines()
              .filter(
                ({ entry }) =>
                  entry.path === '/oauth/token' && entry.grant_type === 'client_credentials' && entry.status === 200,
              )
              .map(({ node }) => node),
          ).size,
        { timeout: 10_000 },
      )
      .toBe(3);
  });

  it('the nodes count failed sign-ins under the address the proxy forwarded, not one the client wrote in X-Forwarded-For', async () => {
    // Six wrong passwords one after another from 127.0.0.7 for a login that names no account,
    // each claiming another X-Forwarded-For. The proxy replaces the claim with 127.0.0.7, so the
    // nodes count all six against one address: after the threshold (2) the next ones are
    // refused. Had the claims got through, each would be a new address with counters of its
    // own, and all six would be checked.
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      outcomes.push(
        await (async () => {
          const res = await requestFrom('127.0.0.7', `${proxyUrl}/oauth/token`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: basicAuthorization(client.client_id, client.client_secret),
              'x-forwarded-for': `198.51.100.${i + 1}`,
            },
            body: new URLSearchParams({
              grant_type: 'password',
              username: 'nobody-at-all',
              password: 'wrong',
            }).toString(),
          });
          expect({ status: res.status, error: res.json?.error }, res.text).toEqual({
            status: 400,
            error: 'invalid_grant',
          });
          return /too many failed sign-in attempts/.test(res.json.error_description) ? 'throttled' : 'wrong password';
        })(),
      );
    }
    expect(outcomes.slice(0, 2), outcomes.join(', ')).toEqual(['wrong password', 'wrong password']);
    expect(outcomes.filter((o) => o === 'throttled').length, outcomes.join(', ')).toBeGreaterThanOrEqual(1);

    // 127.0.0.8 is another client to the nodes (had they counted the proxy's own address, it
    // would be blocked too): it gets a token with the right password.
    const other = await requestFrom('127.0.0.8', `${proxyUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuthorization(client.client_id, client.client_secret),
      },
      body: new URLSearchParams({ grant_type: 'password', username: 'olga', password: PASSWORD }).toString(),
    });
    expect(other.status, other.text).toBe(200);
  });

  it('the nodes log the forwarded address: a password change on the account page, through the proxy from 127.0.0.9', async () => {
    const browser = new BrowserAt('127.0.0.9', proxyUrl);
    // Each of these requests may reach another node: session and CSRF cookies work on all.
    const login = await browser.request('/login');
    expect(login.status).toBe(200);
    const signedIn = await browser.request('/login', {
      csrf_token: csrfTokenOf(login.text),
      username: 'olga',
      password: PASSWORD,
      return_to: '/account',
    });
    expect({ status: signedIn.status, location: signedIn.headers.location }, signedIn.text.slice(0, 300)).toEqual({
      status: 303,
      location: '/account',
    });
    const account = await browser.request('/account');
    expect(account.status).toBe(200);
    const changed = await browser.request('/account/password', {
      csrf_token: csrfTokenOf(account.text),
      current_password: PASSWORD,
      password: `${PASSWORD} again`,
      password_again: `${PASSWORD} again`,
    });
    expect({ status: changed.status, location: changed.headers.location }, changed.text.slice(0, 300)).toEqual({
      status: 303,
      location: '/account?done=password',
    });

    await expect
      .poll(
        () => nodeLogLines().find(({ entry }) => entry.event?.type === 'user.password_changed')?.entry.event.address,
        { timeout: 10_000 },
      )
      .toBe('127.0.0.9');
    // No address a client made up (X-Forwarded-For above) reached a log line.
    expect(output).not.toContain('198.51.100.');
  });

  it('SIGINT (Ctrl-C) stops the proxy, then every node, cleanly', async () => {
    // 'close': the process has exited and its output is read to the end.
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveClose) =>
      child.once('close', (code, signal) => resolveClose({ code, signal })),
    );
    child.kill('SIGINT');
    expect(await closed, output.slice(-3000)).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/^\[cluster\] SIGINT: stopping the proxy, then the nodes$/m);
    expect(output).toMatch(/^\[cluster\] stopped$/m);
    // Each node was asked to stop (SIGTERM) and shut down in order.
    const shutDown = new Set(
      nodeLogLines()
        .filter(({ entry }) => entry.msg === 'shutting down' && entry.signal === 'SIGTERM')
        .map(({ node }) => node),
    );
    expect([...shutDown].sort()).toEqual(['node1', 'node2', 'node3']);
    // No node answered anything with a 5xx on the way, nor logged a bug.
    expect(output).not.toMatch(/"status":5\d\d/);
    expect(output).not.toMatch(/unhandled error/);
    // Nothing listens any more: not the proxy, not a node.
    for (const port of [new URL(proxyUrl).port, ...nodePorts]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    }
  });
});
