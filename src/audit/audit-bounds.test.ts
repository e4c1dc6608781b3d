/**
 * What unauthenticated requests can write to the audit log, end to end in process: failed
 * client authentications and failed sign-ins at the token endpoint (buildHttpServer + inject,
 * each from its own address) become counted rows, at most audit.failure_rows per window; the
 * rest are dropped and counted in gatehouse_audit_events_dropped_total on /metrics; the rows
 * already started keep counting, and successes are always written.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ClientRegistry } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from '../http/server.js';

/** The start of a failure window: every request below falls in it. */
const T = 1_800_000_000 - (1_800_000_000 % 300);
const PASSWORD = 'correct horse battery staple';

describe('the audit log under a flood of failures', () => {
  let db: TestStore;
  let gatehouse: Services;
  let app: ReturnType<typeof buildHttpServer>;
  let client: { id: string; secret: string };

  const token = (params: Record<string, string>, address: string) =>
    app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(params).toString(),
    });

  const droppedMetric = async () => {
    const metrics = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(metrics.statusCode).toBe(200);
    const line = /^gatehouse_audit_events_dropped_total\{reason="cap"\} (\d+)$/m.exec(metrics.body);
    expect(line, 'the dropped-events series').not.toBeNull();
    return Number(line![1]);
  };

  beforeAll(async () => {
    db = await createSqliteStore();
    const clock = new ManualClock(T);
    const config = validateConfig({ issuer: 'http://127.0.0.1', audit: { failure_rows: 3 } });
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.ready();
    const registered = await new ClientRegistry(db.store, clock).create({
      name: 'App',
      grantTypes: ['client_credentials', 'password'],
    });
    client = { id: registered.client.id, secret: registered.secret! };
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'alice',
      email: 'alice@example.com',
      password: PASSWORD,
    });
  });

  afterAll(async () => {
    await app.close();
    await gatehouse.close();
    await db.cleanup();
  });

  it('N failures from one address are one row with count N; past the cap failures are dropped and counted in the metric; successes are written', async () => {
    expect(await droppedMetric()).toBe(0);
    // 25 failed client authentications (wrong secret) from one address: one row.
    for (let i = 0; i < 25; i++) {
      const response = await token(
        { grant_type: 'client_credentials', client_id: client.id, client_secret: 'not-the-secret' },
        '203.0.113.1',
      );
      expect(response.statusCode).toBe(401);
    }
    // Unknown clients from two more addresses: the window's other two rows.
    for (const address of ['203.0.113.2', '203.0.113.3']) {
      for (let i = 0; i < 4; i++)
        await token({ grant_type: 'client_credentials', client_id: `guess-${i}`, client_secret: 'x' }, address);
    }
    // The cap (3 rows) is reached: 20 addresses more, 5 failures each, are dropped — client and sign-in failures alike.
    for (let n = 10; n < 30; n++) {
      for (let i = 0; i < 4; i++)
        await token(
          { grant_type: 'client_credentials', client_id: client.id, client_secret: 'nope' },
          `198.51.100.${n}`,
        );
      await token(
        {
          grant_type: 'password',
          client_id: client.id,
          client_secret: client.secret,
          username: 'alice',
          password: 'wrong guess',
        },
        `198.51.100.${n}`,
      );
    }
    // The first address goes on failing: its row keeps counting.
    for (let i = 0; i < 5; i++)
      await token(
        { grant_type: 'client_credentials', client_id: client.id, client_secret: 'not-the-secret' },
        '203.0.113.1',
      );
    // Successes are always written, cap or not.
    expect(
      (
        await token(
          { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret },
          '198.51.100.200',
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await token(
          {
            grant_type: 'password',
            client_id: client.id,
            client_secret: client.secret,
            username: 'alice',
            password: PASSWORD,
          },
          '198.51.100.201',
        )
      ).statusCode,
    ).toBe(200);

    await gatehouse.auditLog!.flush();
    const rows = await db.store.listAuditEvents({ limit: 1000 });
    const failures = rows.filter((row) => row.type === 'client.authentication_failed' || row.type === 'login.failed');
    // All in the same second: listed by id, which for counted rows is a hash; sorted here by address.
    const byAddress = failures.sort((a, b) => (a.address! < b.address! ? -1 : 1));
    expect(byAddress.map((row) => [row.type, row.address, row.clientId, row.details?.reason, row.count])).toEqual([
      ['client.authentication_failed', '203.0.113.1', client.id, 'wrong_secret', 30],
      ['client.authentication_failed', '203.0.113.2', null, 'unknown_client', 4],
      ['client.authentication_failed', '203.0.113.3', null, 'unknown_client', 4],
    ]);
    expect(rows.filter((row) => row.count === undefined).map((row) => [row.type, row.address])).toEqual([
      ['token.issued', '198.51.100.200'],
      ['login.succeeded', '198.51.100.201'],
      ['token.issued', '198.51.100.201'],
    ]);
    expect(await droppedMetric()).toBe(20 * 5);
    // The table holds 6 rows for 143 requests.
    const stored = await db.store.driver.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_events');
    expect(stored!.n).toBe(6);
  });
});
