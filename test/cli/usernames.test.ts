/**
 * `gatehouse user create` and the username rules of issue 14: NFKC, and names that mix
 * look-alike scripts refused (UTS #39 moderately restrictive) with exit code 2 and one line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { databaseUrl, expectMisuse, expectSuccess, queryRows, runCli, type RunOptions } from '../helpers/cli.js';

const PASSWORD = 'a good password';

describe('gatehouse user create: usernames [sqlite]', () => {
  let db: TestDatabase;
  let dir: string;
  let url: string;
  const cli = (args: string[], options: RunOptions = {}) =>
    runCli([...args, '--database', url], { cwd: dir, ...options });
  const create = (username: string, email: string) =>
    cli(['user', 'create', username, email, '--password-stdin'], { stdin: `${PASSWORD}\n` });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-usernames-'));
    db = await createSqliteDatabase();
    url = databaseUrl(db.location);
    await db.open().migrate();
  });

  afterAll(async () => {
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses "pаypal" (Cyrillic а) and "micrοsoft" (Greek ο) with exit 2 and one line naming the scripts; nothing is stored', async () => {
    // Independent refusals: they run at once.
    const [cyrillic, greek] = await Promise.all([
      create('p\u0430ypal', 'paypal@example.com'),
      create('micr\u03BFsoft', 'ms@example.com'),
    ]);
    expectMisuse(cyrillic, /mixes letters of different scripts \(Cyrillic, Latin\)/);
    expectMisuse(greek, /\(Greek, Latin\)/);
    expect(await queryRows(db.location, 'SELECT id FROM users', [])).toEqual([]);
  });

  it('accepts legitimate names in one script, and stores a fullwidth name as plain letters', async () => {
    const accepted = [
      ['Jos\u00E9', 'jose@example.com'],
      ['\u5C71\u7530', 'yamada@example.com'],
      ['\u30E6\u30FC\u30B6\u30FC1', 'user1@example.com'],
      ['\u0395\u03BB\u03AD\u03BD\u03B7', 'eleni@example.com'],
    ] as const;
    // Different users, so the creations run at once.
    const [fullwidth, ...results] = await Promise.all([
      create('\uFF59\uFF55\uFF4B\uFF49', 'yuki@example.com'),
      ...accepted.map(([name, email]) => create(name, email)),
    ]);
    results.forEach((result, i) => {
      const [name, email] = accepted[i]!;
      expectSuccess(result);
      expect(result.stdout).toBe(`Created user ${name} <${email}>.\n`);
    });
    expectSuccess(fullwidth!);
    expect(
      await queryRows(db.location, 'SELECT username, username_canonical FROM users WHERE email = ?', [
        'yuki@example.com',
      ]),
    ).toEqual([{ username: 'yuki', username_canonical: 'yuki' }]);
    // Its canonical form is taken: the plain spelling cannot be created again.
    expectMisuse(await create('Yuki', 'other@example.com'), /already exists/);
  });
});
