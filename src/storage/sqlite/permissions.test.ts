/**
 * The SQLite database holds password hashes, token hashes and encrypted signing keys: it and its
 * -wal and -shm files are created 0600 whatever the umask, and an existing file others can read
 * is reported. Real files in a temporary directory, opened the way Gatehouse opens them.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../open.js';
import { databaseFileExposure } from './permissions.js';

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('SQLite database file permissions', () => {
  let dir: string;
  let umask: number;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-perms-'));
    // The usual umask, which lets SQLite create files 0644: the files must be 0600 anyway.
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(0o022);
  });
  afterAll(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database, its -wal and its -shm 0600 (umask 022), in a new directory too', async () => {
    const path = join(dir, 'nested', 'data', 'gatehouse.db');
    const store = openStore({ engine: 'sqlite', path }, { backgroundCheckpoints: true });
    try {
      await store.migrate();
      // WAL mode: the -wal and -shm files exist while the database is open.
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(existsSync(`${path}-shm`)).toBe(true);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file).toString(8), file).toBe('600');
      expect(databaseFileExposure(path)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('is 0600 with a umask that would allow more (000) and one that allows less of the group (027)', async () => {
    for (const [name, mask] of [
      ['open.db', 0o000],
      ['group.db', 0o027],
    ] as const) {
      process.umask(mask);
      const path = join(dir, name);
      const store = openStore({ engine: 'sqlite', path });
      try {
        await store.migrate();
        for (const file of [path, `${path}-wal`, `${path}-shm`])
          expect(modeOf(file).toString(8), `${file} umask ${mask.toString(8)}`).toBe('600');
      } finally {
        await store.close();
      }
    }
  });

  it('leaves an existing file as it is, and reports it when others may read it', async () => {
    const path = join(dir, 'existing.db');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    const store = openStore({ engine: 'sqlite', path });
    try {
      await store.migrate();
      expect(modeOf(path).toString(8)).toBe('644');
      const exposure = databaseFileExposure(path);
      expect(exposure).toMatchObject({ file: path, mode: '0644' });
      expect(exposure!.message).toMatch(/readable or writable by other users.*chmod 600/);
    } finally {
      await store.close();
    }
    chmodSync(path, 0o640);
    expect(databaseFileExposure(path)?.mode).toBe('0640');
    chmodSync(path, 0o602);
    expect(databaseFileExposure(path)?.mode).toBe('0602');
    chmodSync(path, 0o600);
    expect(databaseFileExposure(path)).toBeNull();
    chmodSync(path, 0o400);
    expect(databaseFileExposure(path)).toBeNull();
  });

  it('reports a -wal or -shm file others may read, and nothing for a missing file or :memory:', () => {
    const path = join(dir, 'sidecar.db');
    writeFileSync(path, '', { mode: 0o600 });
    writeFileSync(`${path}-wal`, '', { mode: 0o600 });
    chmodSync(`${path}-wal`, 0o644);
    expect(databaseFileExposure(path)).toMatchObject({ file: `${path}-wal`, mode: '0644' });
    expect(databaseFileExposure(join(dir, 'missing.db'))).toBeNull();
    expect(databaseFileExposure(':memory:')).toBeNull();
  });
});
