import { mkdtempSync, rmSync } from 'node:fs';
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
