/**
 * Crash safety: `kill -9` a server process in the middle of concurrent token traffic, restart it,
 * and check that every promise a 200 answer made survived, and nothing else broke.
 *
 * - SQLite: the only node dies (nothing else holds the file open, so the restart recovers the WAL).
 * - PostgreSQL: one of three nodes dies; the two others keep serving through it.
 *
 * Load (24 clients, one request at a time each): client_credentials; password grants and
 * authorization-code exchanges that start refresh-token families; rotations of those families.
 * Requests in flight to the killed node may fail either way; every other request must get its 200.
 *
 * After the restart:
 * - every access token a 200 issued introspects active, unless a later 200 rotation of its family
 *   legitimately retired it; for each family the refresh token of the last 200 is live and usable
 *   (rotating it answers 200). If a rotation of it was in flight at the kill, either it did not
 *   happen (the token is live) or it happened completely (it is used and exactly one successor,
 *   which we never saw, is live);
 * - every rotation answered 200 consumed the token it presented; an authorization code is used if
 *   and only if its tokens exist (the exchange is one step); no refresh token was revoked (no
 *   token is ever presented twice, so nothing may look like reuse);
 * - no family has two live (unrevoked, unused, unexpired) refresh tokens (read from the tables);
 * - the database passes its integrity checks (SQLite: integrity_check and foreign_key_check;
 *   PostgreSQL: amcheck on every index and table, and no foreign-key orphans).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tokenKey } from '../../src/core/secrets.js';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import { HttpBrowser } from '../helpers/browser-http.js';
import { queryRows } from '../helpers/cli.js';
import {
  createClient,
  createUser,
  databaseArg,
  startServer,
  stopAllServers,
  type RunningServer,
} from '../helpers/server.js';
import {
  checkPostgresIntegrity,
  checkSqliteIntegrity,
  isActive,
  Load,
  mapLimit,
  postToken,
  until,
  type Chain,
  type ClientCredentials,
} from './support.js';

const PASSWORD = 'kill dash nine is not a shutdown';
const REDIRECT_URI = 'https://app.example/callback';
const WORKERS = 24;
const ENV = {
  GATEHOUSE_REFRESH_TOKEN_GRACE_PERIOD: '0',
  // Three nodes share the machine's PostgreSQL with every other test running at the same time.
  GATEHOUSE_DATABASE_POOL_SIZE: '4',
  GATEHOUSE_CLEANUP_INTERVAL: '0',
  GATEHOUSE_LOG_LEVEL: 'warn',
  // Sign-in attempts are counted before the password is checked, so more than 5 concurrent
  // password grants for one user are throttled by design: not what this test is about.
  GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '1000',
};

interface RefreshRow {
  token_hash: string;
  family_id: string;
  parent_hash: string | null;
  consumed_at: number | null;
  revoked_at: number | null;
  expires_at: number;
}

describeEachEngine('kill -9 under load', (factory) => {
  const nodeCount = factory.engine === 'sqlite' ? 1 : 3;
  const victim = factory.engine === 'sqlite' ? 0 : 1;
  let db: TestDatabase;
  let database: string;
  let client: ClientCredentials;

  beforeAll(async () => {
    db = await factory.createDatabase();
    // Migrate, then let go of the database: for SQLite, nothing but the server may have the file
    // open when it dies, or the restart would not have to recover anything.
    const store = db.open({ poolSize: 1 });
    await store.migrate();
    if (factory.engine === 'sqlite') await store.close();
    database = databaseArg(db);
    const [created] = await Promise.all([
      createClient(database, [
        '--name',
        'faults',
        '--trusted',
        '--redirect-uri',
        REDIRECT_URI,
        ...['client_credentials', 'password', 'authorization_code', 'refresh_token'].flatMap((grant) => [
          '--grant-type',
          grant,
        ]),
      ]),
      createUser(database, 'crash', 'crash@example.com', PASSWORD),
    ]);
    client = { id: created.client_id, secret: created.client_secret! };
  });

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
  });

  it(`${nodeCount === 1 ? 'the only node' : 'one node of three'} killed mid-load: every 200 is kept, one live refresh token per family, the database is intact`, async () => {
    const servers: RunningServer[] = await Promise.all(
      Array.from({ length: nodeCount }, () => startServer({ database, env: ENV })),
    );
    const browser = new HttpBrowser(servers[0]!.url);
    await browser.signInOrFail('crash', PASSWORD);
    const sessionCookie = browser.jar.header()!;

    const load = new Load({
      nodes: servers.map((server) => server.url),
      client,
      username: 'crash',
      password: PASSWORD,
      redirectUri: REDIRECT_URI,
      sessionCookie,
      workers: WORKERS,
    });
    // Kill only once every kind of request is flowing.
    await until(
      () =>
        load.successes >= 150 &&
        load.count('refresh') >= 30 &&
        load.count('authorization_code') >= 4 &&
        load.count('password') >= 4,
      60_000,
      () => `the load to get going (${load.summary()})`,
      5,
    );
    // Kill while the server works through a burst of 24 requests: once the first few of them
    // (1 to 6) have been answered, the others are queued or mid-way.
    const beforeBurst = load.successes;
    await load.burst();
    const answered = 1 + Math.floor(Math.random() * 6);
    await until(
      () => load.successes >= beforeBurst + answered,
      30_000,
      () => `${answered} answers to the burst (${load.summary()})`,
      1,
    );
    load.halt(victim);
    const killedAt = performance.now();
    servers[victim]!.process.kill('SIGKILL');
    if (nodeCount > 1) {
      // The survivors keep serving while their sibling is dead.
      const atKill = load.successes;
      await until(
        () => load.successes >= atKill + 50,
        30_000,
        () => `the surviving nodes to serve on (${load.summary()})`,
        5,
      );
    }
    await load.stop();
    const exit = await servers[victim]!.stop();
    expect(exit.signal).toBe('SIGKILL');

    // Only requests in flight to the killed node at the kill may have failed.
    const unexpected = load
      .failures()
      .filter((a) => a.node !== victim || a.ended < killedAt || a.started > killedAt)
      .map((a) => ({ ...a, relativeToKill: Math.round(a.ended - killedAt) }));
    // The kill did land mid-load (at least one request was cut off).
    expect(load.failures().length, load.summary()).toBeGreaterThan(0);
    expect(
      unexpected,
      `${load.summary()}\n${servers.map((server, i) => `node ${i}: ${server.logs().slice(-3000)}`).join('\n')}`,
    ).toEqual([]);
    const restarted = await startServer({ database, env: ENV });
    const url = restarted.url;
    const problems: string[] = [];
    const now = Math.floor(Date.now() / 1000);

    // --- the tables ---
    const refreshRows = await queryRows<RefreshRow>(
      db.location,
      'SELECT token_hash, family_id, parent_hash, consumed_at, revoked_at, expires_at FROM refresh_tokens',
    );
    const accessRows = await queryRows<{ token_hash: string; family_id: string; revoked_at: number | null }>(
      db.location,
      'SELECT token_hash, family_id, revoked_at FROM access_tokens',
    );
    const codeRows = await queryRows<{ code_hash: string; family_id: string; consumed_at: number | null }>(
      db.location,
      'SELECT code_hash, family_id, consumed_at FROM authorization_codes',
    );
    const refreshByHash = new Map(refreshRows.map((row) => [row.token_hash, row]));
    const accessByHash = new Map(accessRows.map((row) => [row.token_hash, row]));
    const isLive = (row: RefreshRow) =>
      row.consumed_at === null && row.revoked_at === null && Number(row.expires_at) > now;

    const liveByFamily = new Map<string, number>();
    for (const row of refreshRows)
      if (isLive(row)) liveByFamily.set(row.family_id, (liveByFamily.get(row.family_id) ?? 0) + 1);
    for (const [family, live] of liveByFamily)
      if (live > 1) problems.push(`family ${family} has ${live} live refresh tokens`);
    for (const row of refreshRows)
      if (row.revoked_at !== null)
        problems.push(
          `refresh token ${row.token_hash} of family ${row.family_id} was revoked, but no token was ever reused`,
        );

    // A code exchange is one step: the code is used if and only if its tokens exist.
    const familiesWithTokens = new Set([...accessRows, ...refreshRows].map((row) => row.family_id));
    for (const code of codeRows) {
      if ((code.consumed_at !== null) !== familiesWithTokens.has(code.family_id)) {
        problems.push(
          `authorization code ${code.code_hash}: ${code.consumed_at === null ? 'unused, yet its family has tokens' : 'used, yet its family has no tokens'}`,
        );
      }
    }
    if (!codeRows.some((code) => code.consumed_at !== null))
      problems.push('no authorization code was ever used: the load did not exchange codes');

    for (const { token } of load.ccTokens) {
      const row = accessByHash.get(tokenKey(token));
      if (!row) problems.push(`client_credentials access token ${tokenKey(token)} answered 200 but is not stored`);
      else if (row.revoked_at !== null) problems.push(`client_credentials access token ${tokenKey(token)} is revoked`);
    }

    /** Families whose last 200-issued pair must still work. */
    const live: Chain[] = [];
    for (const [i, chain] of load.chains.entries()) {
      const name = `family #${i} (${chain.origin}, node ${chain.node}, ${chain.pairs.length} pairs${chain.uncertainRotation ? ', rotation in flight at the kill' : ''})`;
      const rows = chain.pairs.map((pair) => refreshByHash.get(tokenKey(pair.refresh)));
      if (rows.some((row) => !row)) {
        problems.push(`${name}: a refresh token answered with 200 is not stored`);
        continue;
      }
      if (chain.pairs.some((pair) => !accessByHash.has(tokenKey(pair.access))))
        problems.push(`${name}: an access token answered with 200 is not stored`);
      if (new Set(rows.map((row) => row!.family_id)).size !== 1)
        problems.push(`${name}: its refresh tokens are in several families`);
      rows.slice(0, -1).forEach((row, n) => {
        if (row!.consumed_at === null)
          problems.push(`${name}: refresh token ${n} was rotated with a 200 answer but is not marked used`);
      });
      const last = rows.at(-1)!;
      if (last.consumed_at === null) {
        if (isLive(last)) live.push(chain);
        else problems.push(`${name}: its last refresh token is not live (revoked_at ${last.revoked_at})`);
      } else if (!chain.uncertainRotation) {
        problems.push(`${name}: its last refresh token is used, but no rotation of it was ever attempted`);
      } else {
        // The rotation in flight at the kill was committed: all of it, so its successor is live.
        const successors = refreshRows.filter((row) => row.parent_hash === last.token_hash);
        if (successors.length !== 1 || !isLive(successors[0]!)) {
          problems.push(
            `${name}: its last refresh token was used by the rotation in flight, but it has ${successors.length} successors (${successors.filter(isLive).length} live)`,
          );
        }
      }
    }
    // --- the promises, over HTTP on the restarted node ---
    const ccActive = await mapLimit(load.ccTokens, 8, ({ token }) => isActive(url, client, token, 'access_token'));
    ccActive.forEach((active, i) => {
      if (!active)
        problems.push(
          `client_credentials access token #${i} (node ${load.ccTokens[i]!.node}) does not introspect active`,
        );
    });
    await mapLimit(live, 6, async (chain) => {
      const last = chain.pairs.at(-1)!;
      const name = `${chain.origin} family of node ${chain.node}`;
      if (!(await isActive(url, client, last.access, 'access_token')))
        problems.push(`${name}: the last access token does not introspect active`);
      if (!(await isActive(url, client, last.refresh, 'refresh_token')))
        problems.push(`${name}: the last refresh token does not introspect active`);
      const rotated = await postToken(url, client, { grant_type: 'refresh_token', refresh_token: last.refresh });
      if (rotated.status !== 200)
        problems.push(`${name}: rotating the last refresh token answered ${rotated.status} ${rotated.text}`);
      else if (!(await isActive(url, client, rotated.json.access_token, 'access_token')))
        problems.push(`${name}: the access token of the rotation after the restart is not active`);
    });
    // --- the database itself ---
    const location = db.location;
    const integrity =
      location.engine === 'sqlite' ? checkSqliteIntegrity(location.path) : await checkPostgresIntegrity(location.url);
    problems.push(...integrity.problems);
    console.info(
      `[faults] ${factory.engine}: killed node ${victim} of ${nodeCount}; ${load.summary()}; ${load.failures().length} in flight at the kill; ` +
        `${load.chains.filter((c) => c.uncertainRotation).length} rotations in flight; ${live.length} families rotated after the restart; checked ${integrity.checked}`,
    );
    expect(problems, load.summary()).toEqual([]);
    expect(restarted.process.exitCode).toBeNull();
  }, 120_000);
});
