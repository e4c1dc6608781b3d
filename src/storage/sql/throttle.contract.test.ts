/**
 * The storage contract for throttling, run unchanged against SQLite and PostgreSQL (a fresh database
 * per engine). Throttle counters: the shared ThrottleStore contract plus the SQL store's own lock
 * ordering.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { id, NEVER, openContractStores, T, throttleRow } from '../../../test/helpers/storage-contract.js';
import { describeThrottleStoreContract } from '../../../test/helpers/throttle-store-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: throttling', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  // --- throttling ---------------------------------------------------------------

  // The behaviours every ThrottleStore must show (redis-throttle-store.test.ts runs them too), read
  // back from the throttles table. The SQL store's own (the PostgreSQL lock interleaving below,
  // the clean-up of counters by deleteExpired) stay here.
  describeThrottleStoreContract('ThrottleStore contract', () => ({
    store,
    other,
    uniqueKey: id,
    counter: (key) => throttleRow(store, key),
  }));

  // SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so this interleaving cannot
  // happen there: the test exists for PostgreSQL only.
  if (factory.engine === 'postgres')
    it('countAttempt: two attempts sharing counters, one of them created while the other waited, do not deadlock', async () => {
      const tag = id('interleave');
      // Sorted: k < z < q < p.
      const [k, z, q, p] = [`${tag}:a-k`, `${tag}:a-z`, `${tag}:b-q`, `${tag}:c-p`];
      await store.recordFailure(z, T, T - 900, NEVER);
      const holder = database.open();
      const pidOf = async (tx: { get<R>(sql: string): Promise<R | undefined> }) =>
        Number((await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
      /** The sessions on this database waiting for a lock, with the sessions they wait for. */
      const blocked = async () =>
        (
          await holder.driver.all<{ pid: number; blockers: number[] }>(
            `SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
             WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0`,
          )
        ).map((row) => ({ pid: Number(row.pid), blockers: row.blockers.map(Number) }));
      // Asks PostgreSQL again until the lock state shows (each query is its own wait, no sleep),
      // within a bound.
      const until = async (what: string, condition: () => Promise<boolean>) => {
        const deadline = performance.now() + 5000;
        while (performance.now() < deadline) if (await condition()) return;
        throw new Error(`timed out waiting until ${what}`);
      };
      const gate = () => {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      };
      const zReleased = gate();
      const kReleased = gate();
      const zHeld = gate();
      const kHeld = gate();
      let zHolder = 0;
      let kHolder = 0;
      // Another node's transaction holds counter z …
      const holdingZ = holder.driver.transaction(async (tx) => {
        zHolder = await pidOf(tx);
        await tx.get(`SELECT failures FROM throttles WHERE throttle_key = ?${holder.driver.forUpdate}`, [z]);
        zHeld.open();
        await zReleased.opened;
      });
      // … and another is creating counter k, and will roll back.
      const holdingK = holder.driver
        .transaction(async (tx) => {
          kHolder = await pidOf(tx);
          await tx.run(
            'INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 1, ?, 0)',
            [k, T],
          );
          kHeld.open();
          await kReleased.opened;
          throw new Error('rolled back on purpose');
        })
        .catch(() => {});
      await Promise.all([zHeld.opened, kHeld.opened]);

      try {
        // B starts while p does not exist yet, and waits for z.
        const b = store.countAttempt(
          [z, q, p].map((key) => ({ key, rule: NEVER })),
          T + 1,
          T - 899,
        );
        let bDone = false;
        void b.then(
          () => (bDone = true),
          () => (bDone = true),
        );
        let bPid = 0;
        await until('B waits for z', async () => {
          bPid = (await blocked()).find((row) => row.blockers.includes(zHolder))?.pid ?? 0;
          return bDone || bPid !== 0;
        });
        // Meanwhile p is created, then A starts (and waits, for k or for B).
        expect(await other.recordFailure(p, T + 1, T - 899, NEVER)).toBe(1);
        const a = other.countAttempt(
          [k, q, p].map((key) => ({ key, rule: NEVER })),
          T + 1,
          T - 899,
        );
        let aDone = false;
        void a.then(
          () => (aDone = true),
          () => (aDone = true),
        );
        let aPid = 0;
        await until('A waits', async () => {
          const waits = await blocked();
          aPid =
            waits.find((row) => row.pid !== bPid && (row.blockers.includes(kHolder) || row.blockers.includes(bPid)))
              ?.pid ?? 0;
          return aDone || aPid !== 0;
        });
        // z is free: B goes on, until it is done or waits for A.
        zReleased.open();
        await holdingZ;
        await until(
          'B is done or waits for A',
          async () => bDone || (await blocked()).some((row) => row.pid === bPid && row.blockers.includes(aPid)),
        );
        // k is free: A goes on.
        kReleased.open();
        await holdingK;

        const results = await Promise.allSettled([a, b]);
        expect(results.map((result) => (result.status === 'fulfilled' ? result.value : String(result.reason)))).toEqual(
          [0, 0],
        );
        expect(await throttleRow(store, k)).toMatchObject({ failures: 1 });
        expect(await throttleRow(store, z)).toMatchObject({ failures: 2 });
        expect(await throttleRow(store, q)).toMatchObject({ failures: 2 });
        expect(await throttleRow(store, p)).toMatchObject({ failures: 3 });
      } finally {
        zReleased.open();
        kReleased.open();
        await Promise.allSettled([holdingZ, holdingK]);
      }
    });
});
