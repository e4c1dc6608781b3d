import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from './driver.js';

describe('SQLite group commit', () => {
  let dir: string;
  let driver: SqliteDriver;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-driver-'));
    driver = new SqliteDriver(join(dir, 'test.db'));
    await driver.script('CREATE TABLE t (v TEXT PRIMARY KEY)');
  });
  afterEach(async () => {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits transactions requested together, and a failing one undoes only its own writes', async () => {
    const results = await Promise.allSettled([
      driver.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['a'])),
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?)', ['b']);
        throw new Error('refused');
      }),
      driver.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['a'])), // duplicate key
      driver.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['c'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(await driver.all<{ v: string }>('SELECT v FROM t ORDER BY v')).toEqual([{ v: 'a' }, { v: 'c' }]);
  });

  it('a failing transaction alone in its group leaves nothing behind', async () => {
    await expect(
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?)', ['alone']);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await driver.all('SELECT v FROM t')).toEqual([]);
  });

  it('when one transaction of a group fails, the others still commit with the results they return', async () => {
    // The group runs without a SAVEPOINT each first; the failure sends it round again, each in its own.
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((v) =>
        driver.transaction(async (tx) => {
          const before = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n;
          await tx.run('INSERT INTO t VALUES (?)', [v]);
          if (v === 'c') throw new Error('refused');
          return `${v}${before}`;
        }),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
      'a0',
      'b1',
      'rejected',
      'd2',
      'e3',
    ]);
    expect(await driver.all<{ v: string }>('SELECT v FROM t ORDER BY v')).toEqual([
      { v: 'a' },
      { v: 'b' },
      { v: 'd' },
      { v: 'e' },
    ]);
  });

  it('runs each transaction of a group in order, seeing the writes before it', async () => {
    const seen = await Promise.all(
      [1, 2, 3].map((n) =>
        driver.transaction(async (tx) => {
          const before = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n;
          await tx.run('INSERT INTO t VALUES (?)', [String(n)]);
          return before;
        }),
      ),
    );
    expect(seen).toEqual([0, 1, 2]);
  });

  it('settles a transaction only after its commit is visible to other connections', async () => {
    const other = new SqliteDriver(join(dir, 'test.db'));
    try {
      await driver.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['x']));
      expect(await other.get('SELECT v FROM t WHERE v = ?', ['x'])).toEqual({ v: 'x' });
    } finally {
      await other.close();
    }
  });
});

describe('SQLite background checkpoints', () => {
  it('folds the WAL into the database file from a worker thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoint-'));
    const path = join(dir, 'test.db');
    const driver = new SqliteDriver(path, { backgroundCheckpoints: true });
    try {
      await driver.script('CREATE TABLE t (v TEXT PRIMARY KEY)');
      const sizeBefore = statSync(path).size;
      await Promise.all(
        Array.from({ length: 2000 }, (_, i) =>
          driver.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', [`row-${i}-${'x'.repeat(100)}`])),
        ),
      );
      // The rows sit in the WAL (far below the 20000-page automatic threshold) until the worker
      // copies them into the main file.
      // Each write to the file wakes the loop (no polling interval); the signal bounds the wait.
      const watcher = watch(path);
      const bound = AbortSignal.timeout(5000);
      try {
        while (statSync(path).size <= sizeBefore + 100_000 && !bound.aborted) {
          await once(watcher, 'change', { signal: bound }).catch(() => {});
        }
      } finally {
        watcher.close();
      }
      expect(statSync(path).size).toBeGreaterThan(sizeBefore + 100_000);
    } finally {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
