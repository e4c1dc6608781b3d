/**
 * `gatehouse serve` on SQLite, as an operator starts it: a database it creates is 0600 (and its
 * -wal and -shm), and a database file that other users can read gets a warning in the log at
 * start (the server still starts: the operator may mean it).
 */
import { chmodSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';

const BANNER = /Gatehouse is serving (http:\/\/127\.0\.0\.1:\d+)/;
const WARNING = /"level":40[^\n]*readable or writable by other users[^\n]*/;
const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('serve: the SQLite database file is private', () => {
  let cwd: string;
  const started: ServeProcess[] = [];

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-perms-'));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop('SIGKILL', 1000)));
  });
  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  const serve = async () => {
    const server = spawnServe(['--port', '0'], { cwd, env: { GATEHOUSE_LOG_LEVEL: 'info' } });
    started.push(server);
    const [, url] = await server.waitForOutput(BANNER);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    return server;
  };

  it('creates data/gatehouse.db, -wal and -shm 0600, and warns about nothing', async () => {
    const server = await serve();
    const db = join(cwd, 'data', 'gatehouse.db');
    for (const file of [db, `${db}-wal`, `${db}-shm`]) expect(modeOf(file), file).toBe('600');
    expect(server.output.text).not.toMatch(/other users/);
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
  });

  it('warns at start, naming the file, when the existing database is readable by others', async () => {
    const db = join(cwd, 'data', 'gatehouse.db');
    chmodSync(db, 0o644);
    const server = await serve();
    // The log line may reach stdout after the banner: wait for it rather than read once.
    const [line] = await server.waitForOutput(WARNING);
    expect(line).toContain(db);
    expect(line).toContain('"mode":"0644"');
    expect(line).toMatch(/chmod 600/);
    // Only a warning: the file is left as the operator set it.
    expect(modeOf(db)).toBe('644');
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
  });
});
