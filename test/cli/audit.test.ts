/**
 * `gatehouse audit list` as `gatehouse` runs it (in this process, see helpers/cli.ts): the administrators' own commands (client,
 * user, keys) are recorded with actor admin and listed in order; the filters (--user by
 * username, e-mail or a deleted user's id, --client, --type and type families, --since as a
 * duration or a date, --limit) and --json; misuse; and events of a running server written by
 * its graceful stop. SQLite; one PostgreSQL case for the filters' SQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/core/clients.js';
import { uuidv7 } from '../../src/core/clock.js';
import { parseSince } from '../../src/cli/commands/audit.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import { databaseUrl, expectMisuse, expectSuccess, lines, parseJson, runCli, type RunOptions } from '../helpers/cli.js';
import {
  assertPostgresAvailable,
  createPostgresTestDatabase,
  createSqliteDatabase,
  skipPostgres,
  type TestDatabase,
} from '../helpers/databases.js';
import { startServer, stopAllServers, tokenRequest } from '../helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const JWT_ENV = {
  GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt',
  GATEHOUSE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/** One event as `audit list --json` prints it. */
interface ListedEvent {
  id: string;
  at: string;
  type: string;
  actor: string;
  user_id: string | null;
  username: string | null;
  client_id: string | null;
  address: string | null;
  details: Record<string, string>;
  /** 1 for a single event; a counted row's count. */
  count: number;
  /** A counted row's last time, else null. */
  last_at: string | null;
}

const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('parseSince (audit list --since)', () => {
  const NOW = 1_800_000_000;

  it('takes a duration in seconds, minutes, hours or days before now', () => {
    expect(parseSince('90s', NOW)).toBe(NOW - 90);
    expect(parseSince('30m', NOW)).toBe(NOW - 1800);
    expect(parseSince('24h', NOW)).toBe(NOW - 86_400);
    expect(parseSince('7d', NOW)).toBe(NOW - 7 * 86_400);
  });

  it('takes an ISO 8601 date (midnight UTC) or a time with its offset', () => {
    expect(parseSince('2026-11-25', NOW)).toBe(Date.UTC(2026, 10, 25) / 1000);
    expect(parseSince('2026-11-25T10:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 25, 10) / 1000);
    expect(parseSince('2026-11-25T10:00:00+02:00', NOW)).toBe(Date.UTC(2026, 10, 25, 8) / 1000);
    expect(parseSince('2026-11-25T10:00:00.750Z', NOW)).toBe(Date.UTC(2026, 10, 25, 10) / 1000);
  });

  it.each(['yesterday', '24', '1w', '-5m', '5 m', '', '2026-13-45', '25/11/2026', '2026-11-25T10:00:00Zjunk'])(
    'refuses %j with a UsageError naming --since',
    (value) => {
      expect(() => parseSince(value, NOW)).toThrow(/--since/);
    },
  );
});

describe('gatehouse audit list [sqlite]', () => {
  let db: TestDatabase;
  let store: SqlStore;
  let dir: string;
  let url: string;
  /** The client created, rotated and deleted by the commands below. */
  let clientId: string;
  let aliceId: string;
  let bobId: string;
  let kid: string;
  /** The client's first and rotated secrets. */
  const clientSecrets: string[] = [];
  /** The old events written straight into the table (2 and 10 days ago). */
  let old: { twoDays: number; tenDays: number };

  const cli = (args: string[], options: RunOptions = {}) => runCli([...args, '--database', url], options);
  const ok = async (args: string[], options: RunOptions = {}) => {
    const result = await cli(args, options);
    expectSuccess(result);
    return result;
  };
  const list = async (...args: string[]) => parseJson<ListedEvent[]>(await ok(['audit', 'list', '--json', ...args]));
  const types = (events: ListedEvent[]) => events.map((event) => event.type);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-audit-'));
    db = await createSqliteDatabase();
    url = databaseUrl(db.location);
    store = db.open({ poolSize: 1 });
    await store.migrate();

    // Two events from the past, written as a server would have: they must stay out of --since 1h.
    const now = nowSeconds();
    old = { twoDays: now - 2 * 86_400, tenDays: now - 10 * 86_400 };
    const past = (at: number, type: string) => ({
      id: uuidv7((at - 1) * 1000),
      at,
      type,
      actor: 'user',
      userId: null,
      username: null,
      clientId: null,
      address: '203.0.113.50',
      details: { via: 'sign_in_form', reason: 'unknown_login' },
    });
    // The older one is a counted row (17 failures of one source in one window).
    await store.appendAuditEvents([
      { ...past(old.tenDays, 'login.failed'), count: 17, lastAt: old.tenDays + 45 },
      past(old.twoDays, 'login.failed'),
    ]);

    // The administrator's commands, one after another (their order is the listing's).
    const created = parseJson<{ client_id: string; client_secret: string }>(
      await ok(['client', 'create', '--name', 'audited', '--grant-type', 'client_credentials', '--json']),
    );
    clientId = created.client_id;
    clientSecrets.push(created.client_secret);
    clientSecrets.push(
      parseJson<{ client_secret: string }>(await ok(['client', 'rotate-secret', clientId, '--json'])).client_secret,
    );
    await ok(['user', 'create', 'alice', 'Alice@Example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    await ok(['user', 'deactivate', 'alice']);
    await ok(['user', 'create', 'bob', 'bob@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    bobId = (await store.findUserByLogin('bob'))!.id;
    await ok(['user', 'delete', 'bob']);
    kid = parseJson<{ kid: string }>(await ok(['keys', 'rotate', '--json'], { env: JWT_ENV })).kid;
    await ok(['client', 'delete', clientId]);
    aliceId = (await store.findUserByLogin('alice'))!.id;
  }, 120_000);

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ADMIN_TYPES = [
    'client.created',
    'client.secret_rotated',
    'user.created',
    'user.deactivated',
    'user.created',
    'user.deleted',
    'key.rotated',
    'client.deleted',
  ];

  it("lists the administrators' commands as events, oldest first, actor admin, never a secret (--json)", async () => {
    const everything = await list();
    // The two old events first, then the commands in the order they ran.
    expect(types(everything)).toEqual(['login.failed', 'login.failed', ...ADMIN_TYPES]);
    const events = everything.slice(2);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual([
        'actor',
        'address',
        'at',
        'client_id',
        'count',
        'details',
        'id',
        'last_at',
        'type',
        'user_id',
        'username',
      ]);
      expect([event.count, event.last_at]).toEqual([1, null]);
      expect(event.actor).toBe('admin');
      expect(event.address).toBeNull();
      expect(event.at).toMatch(ISO_SECOND);
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(everything.map((event) => event.id)).size).toBe(everything.length);
    const [created, rotated, aliceCreated, deactivated, bobCreated, deleted, rotatedKey, clientDeleted] = events;
    expect(created).toMatchObject({
      client_id: clientId,
      user_id: null,
      username: null,
      details: { name: 'audited', grant_types: 'client_credentials' },
    });
    expect(rotated).toMatchObject({ client_id: clientId });
    expect(rotated!.details).toEqual({});
    expect(aliceCreated).toMatchObject({ user_id: aliceId, username: 'alice', client_id: null });
    expect(aliceCreated!.details).toEqual({});
    expect(deactivated).toMatchObject({ user_id: aliceId, username: 'alice' });
    expect(bobCreated).toMatchObject({ user_id: bobId, username: 'bob' });
    expect(deleted).toMatchObject({ user_id: bobId, username: 'bob' });
    expect(rotatedKey).toMatchObject({
      user_id: null,
      client_id: null,
      details: { kid, algorithm: expect.any(String), immediately: 'false' },
    });
    expect(clientDeleted).toMatchObject({ client_id: clientId });
    expect(everything[1]).toMatchObject({
      actor: 'user',
      address: '203.0.113.50',
      details: { via: 'sign_in_form', reason: 'unknown_login' },
      count: 1,
      last_at: null,
    });
    expect(everything[0]).toMatchObject({
      type: 'login.failed',
      count: 17,
      last_at: new Date((old.tenDays + 45) * 1000).toISOString().replace('.000Z', 'Z'),
    });
    // The times are now-ish and in order.
    const seconds = events.map((event) => Date.parse(event.at) / 1000);
    expect([...seconds].sort((a, b) => a - b)).toEqual(seconds);
    expect(seconds[0]!).toBeGreaterThan(nowSeconds() - 3600);
    // Neither the password nor any client secret is in the audit log.
    const rows = JSON.stringify(await store.driver.all('SELECT * FROM audit_events'));
    expect(rows).not.toContain(PASSWORD);
    expect(clientSecrets).toHaveLength(2);
    for (const secret of clientSecrets) expect(secret.length).toBeGreaterThanOrEqual(32);
    for (const secret of clientSecrets) expect(rows).not.toContain(secret);
    expect(rows).not.toMatch(/\$argon2/);
  });

  it('prints a table by default (here --since 1h: the old events are left out), one row per event in order', async () => {
    const result = await ok(['audit', 'list', '--since', '1h']);
    const [header, ...rows] = lines(result.stdout);
    expect(header!.split(/\s{2,}/)).toEqual([
      'TIME',
      'EVENT',
      'COUNT',
      'ACTOR',
      'USER',
      'CLIENT',
      'ADDRESS',
      'DETAILS',
    ]);
    expect(rows.map((row) => row.split(/\s+/)[1])).toEqual(ADMIN_TYPES);
    expect(rows[0]).toMatch(
      new RegExp(
        `client\\.created\\s+1\\s+admin\\s+-\\s+${clientId}\\s+-\\s+name=audited grant_types=client_credentials$`,
      ),
    );
    expect(rows[3]).toMatch(/user\.deactivated\s+1\s+admin\s+alice\s+-\s+-$/);
  });

  it('a counted row (failures of one source in one window) shows its count and the time of the last one', async () => {
    const result = await ok(['audit', 'list', '--type', 'login.failed']);
    const [, counted, single] = lines(result.stdout);
    const last = new Date((old.tenDays + 45) * 1000).toISOString().slice(11, 19);
    expect(counted).toMatch(
      new RegExp(
        `login\\.failed\\s+17 until ${last}Z\\s+user\\s+-\\s+-\\s+203\\.0\\.113\\.50\\s+via=sign_in_form reason=unknown_login$`,
      ),
    );
    expect(single).toMatch(/login\.failed\s+1\s+user\s+/);
  });

  it('--user takes a username, an e-mail address (any case), or the id of a deleted user; --client; --type family', async () => {
    const [byName, byEmail, byDeletedId, byClient, family] = await Promise.all([
      list('--user', 'alice'),
      list('--user', 'ALICE@example.COM'),
      list('--user', bobId),
      list('--client', clientId),
      list('--type', 'user.'),
    ]);
    expect(types(byName)).toEqual(['user.created', 'user.deactivated']);
    expect(byName.every((event) => event.user_id === aliceId)).toBe(true);
    expect(byEmail).toEqual(byName);
    expect(types(byDeletedId)).toEqual(['user.created', 'user.deleted']);
    expect(byDeletedId.every((event) => event.username === 'bob')).toBe(true);
    expect(types(byClient)).toEqual(['client.created', 'client.secret_rotated', 'client.deleted']);
    expect(types(family)).toEqual(['user.created', 'user.deactivated', 'user.created', 'user.deleted']);
  });

  it('--since an ISO date or time; --limit keeps the newest N, listed oldest first', async () => {
    const isoDate = (secondsAgo: number) => new Date((nowSeconds() - secondsAgo) * 1000).toISOString().slice(0, 10);
    const isoTime = (secondsAgo: number) =>
      new Date((nowSeconds() - secondsAgo) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const [fiveDaysDate, oneDayTimeLimited] = await Promise.all([
      list('--since', isoDate(5 * 86_400)),
      list('--since', isoTime(86_400), '--limit', '2'),
    ]);
    expect(types(fiveDaysDate)).toEqual(['login.failed', ...ADMIN_TYPES]);
    expect(Date.parse(fiveDaysDate[0]!.at) / 1000).toBe(old.twoDays);
    expect(types(oneDayTimeLimited)).toEqual(['key.rotated', 'client.deleted']);
  });

  // Refusals read nothing and change nothing: they run at once.
  it.concurrent.each([
    [['--since', 'yesterday'], /--since/],
    [['--limit', '0'], /--limit/],
    [['--limit', 'abc'], /--limit/],
  ])('misuse: audit list %j is one line on stderr and exit 2', async (args, mentions) => {
    const result = await cli(['audit', 'list', ...args]);
    expectMisuse(result, mentions);
    expect(result.stdout).toBe('');
  });

  it('events of a running server (a token request) are listed after it stops gracefully (SIGTERM)', async () => {
    const registered = await new ClientRegistry(store).create({ name: 'served', grantTypes: ['client_credentials'] });
    const created = { client_id: registered.client.id, client_secret: registered.secret! };
    // The key_encryption_key the keys on this database were stored with.
    const server = await startServer({
      database: url,
      env: { GATEHOUSE_KEY_ENCRYPTION_KEY: JWT_ENV.GATEHOUSE_KEY_ENCRYPTION_KEY },
    });
    const issued = await tokenRequest(
      server.url,
      { grant_type: 'client_credentials' },
      { basic: [created.client_id, created.client_secret] },
    );
    expect(issued.status, issued.text).toBe(200);
    const refused = await tokenRequest(
      server.url,
      { grant_type: 'password', username: 'nobody', password: 'wrong password here' },
      {
        basic: [created.client_id, created.client_secret],
      },
    );
    expect(refused.json.error).toBe('unauthorized_client');
    const stopped = await server.stop('SIGTERM');
    expect(stopped, server.logs()).toEqual({ code: 0, signal: null });

    const events = await list('--client', created.client_id);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'token.issued',
        actor: 'client',
        client_id: created.client_id,
        user_id: null,
        address: '127.0.0.1',
        details: { grant_type: 'client_credentials' },
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(issued.json.access_token);
  });
});

describe.skipIf(skipPostgres)('gatehouse audit list [postgres]', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    await assertPostgresAvailable();
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-audit-pg-'));
    db = await createPostgresTestDatabase();
    await db.open({ poolSize: 1 }).migrate();
  });

  afterAll(async () => {
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records client create and lists it with --client, --type family, --since and --limit', async () => {
    const url = databaseUrl(db.location);
    const run = (args: string[]) => runCli([...args, '--database', url]);
    const created = await run([
      'client',
      'create',
      '--name',
      'pg-audited',
      '--grant-type',
      'client_credentials',
      '--json',
    ]);
    expectSuccess(created);
    const id = parseJson<{ client_id: string }>(created).client_id;
    const listed = await run([
      'audit',
      'list',
      '--json',
      '--client',
      id,
      '--type',
      'client.',
      '--since',
      '1h',
      '--limit',
      '5',
    ]);
    expectSuccess(listed);
    expect(parseJson<ListedEvent[]>(listed)).toEqual([
      expect.objectContaining({
        type: 'client.created',
        actor: 'admin',
        client_id: id,
        details: { name: 'pg-audited', grant_types: 'client_credentials' },
      }),
    ]);
  });
});
