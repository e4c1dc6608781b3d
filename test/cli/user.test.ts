/**
 * `gatehouse user …` as `gatehouse` runs it (in this process, see helpers/cli.ts), on both engines. One fresh database per engine,
 * shared by the tests of this file; every test works on users of its own.
 *
 * Only the command a test is about goes through the CLI. The users it works on are created, and the
 * state it leaves is read, directly on the same database (UserAccounts, the cheap argon2id), so
 * setup pays no production password hashing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountError, type NewUser, UserAccounts } from '../../src/accounts/users.js';
import { cheapPasswords } from '../harness/passwords.js';
import { showUser } from '../harness/users.js';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  databaseUrl,
  describeResult,
  expectMisuse,
  expectSuccess,
  lines,
  parseJson,
  queryRows,
  runCli,
  type RunOptions,
} from '../helpers/cli.js';

interface ShownUser {
  id: string;
  username: string;
  email: string;
  name?: string | null;
  email_verified?: boolean;
  enabled: boolean;
  roles: string[];
  created_at: string;
  updated_at: string;
}

interface UserRow {
  id: string;
  username: string;
  username_canonical: string;
  email: string;
  email_canonical: string;
  password_hash: string;
  enabled: boolean | number;
  roles: string;
}

const PASSWORD = 'a good password';

describeEachEngine('gatehouse user', (factory) => {
  let db: TestDatabase;
  let dir: string;
  let url: string;
  let accounts: UserAccounts;

  const cli = (args: string[], options: RunOptions = {}) =>
    runCli([...args, '--database', url], { cwd: dir, ...options });
  /** `user create NAME EMAIL --password-stdin [...extra]`, expected to succeed. */
  const createUser = async (username: string, email: string, extra: string[] = [], password = PASSWORD) => {
    const result = await cli(['user', 'create', username, email, '--password-stdin', ...extra], {
      stdin: `${password}\n`,
    });
    expectSuccess(result);
    return result;
  };
  const show = async (login: string) => {
    const result = await cli(['user', 'show', login, '--json']);
    expectSuccess(result);
    return parseJson<ShownUser>(result);
  };
  /** Setup: what `user create` stores, made in-process. */
  const addUser = (username: string, email: string, extra: Omit<NewUser, 'username' | 'email' | 'password'> = {}) =>
    accounts.create({ username, email, password: PASSWORD, ...extra });
  /** Inspection: what `user show --json` would print, read in-process. */
  const inspectUser = async (login: string): Promise<ShownUser> => {
    const user = await showUser({ accounts: () => accounts }, login);
    if (!user) throw new Error(`no user ${login}`);
    return user;
  };
  const rows = (canonical: string) =>
    queryRows<UserRow>(db.location, 'SELECT * FROM users WHERE username_canonical = ? OR email_canonical = ?', [
      canonical,
      canonical,
    ]);
  const row = async (canonical: string) => (await rows(canonical))[0];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-user-'));
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
    const store = db.open();
    await store.migrate();
    accounts = new UserAccounts(store, { passwords: cheapPasswords });
  });

  afterAll(async () => {
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('user create', () => {
    it('creates alice from --password-stdin; only an argon2id hash of the password is stored', async () => {
      const result = await createUser('alice', 'alice@example.com');
      expect(result.stdout).toBe('Created user alice <alice@example.com>.\n');
      expect(result.stdout).not.toContain(PASSWORD);

      const stored = await row('alice');
      expect(stored).toMatchObject({
        username: 'alice',
        username_canonical: 'alice',
        email: 'alice@example.com',
        email_canonical: 'alice@example.com',
      });
      expect(stored!.password_hash.startsWith('$argon2id$')).toBe(true);
      expect(stored!.password_hash).not.toContain(PASSWORD);
      expect(JSON.stringify(stored)).not.toContain(PASSWORD);
      // The trailing newline of stdin is not part of the password.
      expect(await verify(stored!.password_hash, PASSWORD)).toBe(true);
      expect(await verify(stored!.password_hash, `${PASSWORD}\n`)).toBe(false);

      // Either login finds the user: both shows run at once.
      const [shown, byEmail] = await Promise.all([show('alice'), show('Alice@Example.com')]);
      expect(shown).toMatchObject({ username: 'alice', email: 'alice@example.com', enabled: true, roles: [] });
      expect(shown).not.toHaveProperty('password_hash');
      expect(JSON.stringify(shown)).not.toContain('$argon2');
      expect(byEmail.id).toBe(shown.id);
    });

    it('refuses a username or e-mail that is taken, whatever its case or Unicode form', async () => {
      await addUser('dora', 'dora@example.com');
      const attempts: Array<[string, string, RegExp]> = [
        ['DORA', 'other-dora@example.com', /username/],
        ['dora', 'dora-again@example.com', /username/],
        ['ｄｏｒａ', 'fullwidth-dora@example.com', /username/],
        ['dora2', 'Dora@Example.com', /e-mail|email/],
        ['dora3', 'DORA@EXAMPLE.COM', /e-mail|email/],
        // A username equal to another user's e-mail: logins accept either, so it would be ambiguous.
        ['dora@example.com', 'dora4@example.com', /./],
        ['Dora@Example.com', 'dora5@example.com', /./],
      ];
      const results = await Promise.all(
        attempts.map(([username, email]) =>
          cli(['user', 'create', username, email, '--password-stdin'], { stdin: `${PASSWORD}\n` }),
        ),
      );
      results.forEach((result, i) => {
        expectMisuse(result, attempts[i]![2]);
        expect(result.stdout).toBe('');
      });
      const all = await queryRows<UserRow>(
        db.location,
        "SELECT * FROM users WHERE username_canonical LIKE 'dora%' OR email_canonical LIKE 'dora%'",
      );
      expect(all.map((u) => u.username)).toEqual(['dora']);
    });

    it('two processes creating the same user at once: one succeeds, the other is misuse', async () => {
      const results = await Promise.all(
        ['race@example.com', 'RACE@example.com'].map((email) =>
          cli(['user', 'create', 'race', email, '--password-stdin'], { stdin: `${PASSWORD}\n` }),
        ),
      );
      const codes = results.map((result) => result.code).sort();
      expect(codes, results.map(describeResult).join('\n')).toEqual([0, 2]);
      expectMisuse(results.find((result) => result.code === 2)!, /already exists/);
      expect(await rows('race')).toHaveLength(1);
    });

    it('enforces the password policy and asks for --password-stdin when stdin is not a terminal', async () => {
      const attempt = (username: string, email: string, stdin: string, flags = ['--password-stdin']) =>
        cli(['user', 'create', username, email, ...flags], { stdin });
      const [short, sameAsUsername, sameAsUsernameUpper, sameAsEmail, empty, noFlag, badName, badEmail] =
        await Promise.all([
          attempt('charlotte', 'charlotte@example.com', 'short\n'),
          attempt('charlotte', 'charlotte@example.com', 'charlotte\n'),
          attempt('charlotte', 'charlotte@example.com', 'CHARLOTTE\n'),
          attempt('charlotte', 'charlotte@example.com', 'charlotte@example.com\n'),
          attempt('charlotte', 'charlotte@example.com', ''),
          attempt('charlotte', 'charlotte@example.com', `${PASSWORD}\n`, []),
          attempt('char lotte', 'charlotte@example.com', `${PASSWORD}\n`),
          attempt('charlotte', 'not-an-email', `${PASSWORD}\n`),
        ]);
      expectMisuse(short, /8/);
      expectMisuse(sameAsUsername, /username/);
      expectMisuse(sameAsUsernameUpper, /username/);
      expectMisuse(sameAsEmail, /e-mail|email/);
      expectMisuse(empty, /password/);
      expectMisuse(noFlag, /--password-stdin/);
      expectMisuse(badName, /username/);
      expectMisuse(badEmail, /e-mail|email/);
      for (const result of [short, sameAsUsername, sameAsEmail, noFlag]) expect(result.stdout).toBe('');
      expect(await rows('charlotte')).toEqual([]);
    });

    it('password_min_length and password_max_length set the policy, for create and change-password alike', async () => {
      const strict = { env: { GATEHOUSE_PASSWORD_MIN_LENGTH: '20', GATEHOUSE_PASSWORD_MAX_LENGTH: '30' } };
      // Three refusals that change nothing, so they run at once.
      const [tooShort, tooLong, impossible] = await Promise.all([
        cli(['user', 'create', 'policy1', 'policy1@example.com', '--password-stdin'], {
          stdin: 'nineteen characters\n',
          ...strict,
        }),
        cli(['user', 'create', 'policy1', 'policy1@example.com', '--password-stdin'], {
          stdin: `${'x'.repeat(31)}\n`,
          ...strict,
        }),
        cli(['user', 'list'], { env: { GATEHOUSE_PASSWORD_MIN_LENGTH: '40', GATEHOUSE_PASSWORD_MAX_LENGTH: '30' } }),
      ]);
      expectMisuse(tooShort, /at least 20 characters/);
      expectMisuse(tooLong, /at most 30 characters/);
      expect(await rows('policy1')).toEqual([]);
      expectSuccess(
        await cli(['user', 'create', 'policy1', 'policy1@example.com', '--password-stdin'], {
          stdin: 'twenty characters ok\n',
          ...strict,
        }),
      );
      // The default policy (8 characters) would accept this one; the configured policy refuses it.
      expectMisuse(
        await cli(['user', 'change-password', 'policy1', '--password-stdin'], {
          stdin: `${PASSWORD.slice(0, 12)}\n`,
          ...strict,
        }),
        /at least 20/,
      );
      // An impossible policy is a configuration error naming the key.
      expectMisuse(impossible, /password_min_length/);
    });

    it('--role admin is stored as ROLE_ADMIN; a malformed role is misuse', async () => {
      // Two different users: the good and the malformed role run at once.
      const [created, bad] = await Promise.all([
        createUser('adam', 'adam@example.com', ['--role', 'admin', '--role', 'ROLE_AUDITOR']),
        cli(['user', 'create', 'eve', 'eve@example.com', '--password-stdin', '--role', 'not a role!'], {
          stdin: `${PASSWORD}\n`,
        }),
      ]);
      expect(created.stdout).toBe('Created user adam <adam@example.com>.\n');
      expect((await inspectUser('adam')).roles).toEqual(['ROLE_ADMIN', 'ROLE_AUDITOR']);
      expect(JSON.parse((await row('adam'))!.roles)).toEqual(['ROLE_ADMIN', 'ROLE_AUDITOR']);

      expectMisuse(bad, /role/);
      expect(await rows('eve')).toEqual([]);
    });

    it('--inactive creates a disabled account; activate and deactivate flip it', async () => {
      const created = await createUser('ivan', 'ivan@example.com', ['--inactive']);
      expect(created.stdout).toBe('Created user ivan <ivan@example.com> (inactive).\n');
      expect((await inspectUser('ivan')).enabled).toBe(false);
      expect(Boolean((await row('ivan'))!.enabled)).toBe(false);

      const activated = await cli(['user', 'activate', 'ivan']);
      expectSuccess(activated);
      expect(activated.stdout).toBe('User ivan is now active.\n');
      expect((await inspectUser('ivan')).enabled).toBe(true);

      const deactivated = await cli(['user', 'deactivate', 'IVAN@example.com']);
      expectSuccess(deactivated);
      expect(deactivated.stdout).toBe('User ivan is now inactive.\n');
      expect((await inspectUser('ivan')).enabled).toBe(false);
      expect(Boolean((await row('ivan'))!.enabled)).toBe(false);
    });
  });

  describe('user promote / demote / change-password', () => {
    it('promote adds a role (normalised, once) and demote removes it', async () => {
      await addUser('paula', 'paula@example.com');
      const promoted = await cli(['user', 'promote', 'paula', 'ROLE_EDITOR']);
      expectSuccess(promoted);
      expect(promoted.stdout).toBe('User paula has roles: ROLE_EDITOR.\n');
      expect((await inspectUser('paula')).roles).toEqual(['ROLE_EDITOR']);

      // The same role again, spelled without the prefix: still one ROLE_EDITOR.
      expectSuccess(await cli(['user', 'promote', 'paula', 'editor']));
      expectSuccess(await cli(['user', 'promote', 'paula', 'ROLE_ADMIN']));
      expect((await inspectUser('paula')).roles).toEqual(['ROLE_EDITOR', 'ROLE_ADMIN']);
      expect(JSON.parse((await row('paula'))!.roles)).toEqual(['ROLE_EDITOR', 'ROLE_ADMIN']);

      // A malformed role changes nothing, so it runs alongside the demotion.
      const [demoted, badRole] = await Promise.all([
        cli(['user', 'demote', 'paula', 'ROLE_EDITOR']),
        cli(['user', 'promote', 'paula', 'bad role']),
      ]);
      expectSuccess(demoted);
      expect(demoted.stdout).toBe('User paula has roles: ROLE_ADMIN.\n');
      expect((await inspectUser('paula')).roles).toEqual(['ROLE_ADMIN']);

      expectMisuse(badRole, /role/);
    });

    it('demote of a role the user does not have says so in one line, exits 1 and changes nothing', async () => {
      await addUser('petra', 'petra@example.com', { roles: ['ROLE_ADMIN'] });
      const before = await row('petra');
      const result = await cli(['user', 'demote', 'petra', 'editor']);
      expect(result.code, describeResult(result)).toBe(1);
      expect(result.stderr).toBe(
        'gatehouse: user petra does not have the role ROLE_EDITOR (roles: ROLE_USER ROLE_ADMIN)\n',
      );
      expect(result.stdout).toBe('');
      expect(await row('petra')).toEqual(before);
    });

    it('change-password replaces the hash; a weak new password is misuse and changes nothing', async () => {
      await addUser('carl', 'carl@example.com');
      const before = (await row('carl'))!.password_hash;

      const changed = await cli(['user', 'change-password', 'carl', '--password-stdin'], {
        stdin: 'another good password\n',
      });
      expectSuccess(changed);
      expect(changed.stdout).toBe('Password of carl changed.\n');
      const after = (await row('carl'))!.password_hash;
      expect(after).not.toBe(before);
      expect(after.startsWith('$argon2id$')).toBe(true);
      expect(after).not.toContain('another good password');
      expect(await verify(after, 'another good password')).toBe(true);
      expect(await verify(after, PASSWORD)).toBe(false);

      const [short, sameAsName, noFlag] = await Promise.all([
        cli(['user', 'change-password', 'carl', '--password-stdin'], { stdin: 'short\n' }),
        cli(['user', 'change-password', 'carl', '--password-stdin'], { stdin: 'Carl@Example.com\n' }),
        cli(['user', 'change-password', 'carl'], { stdin: 'another good password\n' }),
      ]);
      expectMisuse(short, /8/);
      expectMisuse(sameAsName, /password/);
      expectMisuse(noFlag, /--password-stdin/);
      expect((await row('carl'))!.password_hash).toBe(after);
    });
  });

  describe('user delete', () => {
    it("removes the user with their tokens, codes, sign-in sessions and consents, and nobody else's", async () => {
      const doomed = await addUser('doomed', 'doomed@example.com');
      const bystander = await addUser('bystander', 'bystander@example.com');
      const store = db.open();
      const now = Math.floor(Date.now() / 1000);
      await store.createClient({
        id: `delete-test-${factory.engine}`,
        name: 'App',
        secretHash: null,
        isPublic: true,
        redirectUris: ['https://app.example/cb'],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: null,
        trusted: false,
        canIntrospect: false,
        allowedResources: null,
        createdAt: now,
      });
      const clientId = `delete-test-${factory.engine}`;
      for (const owner of [doomed.id, bystander.id]) {
        await store.issueTokens({
          accessToken: {
            tokenHash: `at-${owner}`,
            jti: `jti-${owner}`,
            familyId: `f-${owner}`,
            clientId,
            userId: owner,
            scope: '',
            issuedAt: now,
            expiresAt: now + 3600,
            revokedAt: null,
          },
          refreshToken: {
            tokenHash: `rt-${owner}`,
            familyId: `f-${owner}`,
            parentHash: null,
            clientId,
            userId: owner,
            scope: '',
            issuedAt: now,
            expiresAt: now + 3600,
            consumedAt: null,
            revokedAt: null,
          },
        });
        await store.saveAuthorizationCode({
          codeHash: `code-${owner}`,
          familyId: `f-${owner}`,
          clientId,
          userId: owner,
          redirectUri: 'https://app.example/cb',
          redirectUriGiven: true,
          scope: '',
          codeChallenge: null,
          codeChallengeMethod: null,
          issuedAt: now,
          expiresAt: now + 30,
          consumedAt: null,
        });
        await store.createSession({ idHash: `session-${owner}`, userId: owner, createdAt: now, expiresAt: now + 3600 });
        await store.saveConsent({ userId: owner, clientId, scopes: ['read'], grantedAt: now });
      }
      const count = async (table: string, userId: string) =>
        Number(
          (
            await queryRows<{ n: number }>(db.location, `SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`, [
              userId,
            ])
          )[0]!.n,
        );
      const tables = ['access_tokens', 'refresh_tokens', 'authorization_codes', 'sessions', 'consents'];

      const result = await cli(['user', 'delete', 'Doomed']);
      expectSuccess(result);
      expect(result.stdout).toBe(
        'Deleted user doomed <doomed@example.com> with their tokens, sign-in sessions and consents.\n',
      );
      expect(await row('doomed')).toBeUndefined();
      for (const table of tables) {
        expect(await count(table, doomed.id), table).toBe(0);
        expect(await count(table, bystander.id), table).toBe(1);
      }
      // Gone for the commands too: looking the user up fails naming them, and deleting again is misuse.
      await expect(accounts.find('doomed')).rejects.toThrow(AccountError);
      await expect(accounts.find('doomed')).rejects.toThrow(/doomed/);
      expectMisuse(await cli(['user', 'delete', 'doomed']), /doomed/);
    });
  });

  describe('user create --name / user update (OIDC name and email_verified)', () => {
    it('create sets them; update changes the name and the address, which is unverified unless vouched for; show and list print them', async () => {
      await createUser('liddell', 'alice@liddell.example', ['--name', 'Alice Liddell', '--email-verified']);
      expect(await show('liddell')).toMatchObject({ name: 'Alice Liddell', email_verified: true });
      const moved = await cli(['user', 'update', 'liddell', '--email', 'alice@wonderland.example', '--name', 'Alice']);
      expectSuccess(moved);
      expect(moved.stdout).toBe('Updated liddell: Alice <alice@wonderland.example> (not verified).\n');
      const listed = parseJson<ShownUser[]>(await cli(['user', 'list', '--json']));
      expect(listed.find((u) => u.username === 'liddell')).toMatchObject({
        name: 'Alice',
        email: 'alice@wonderland.example',
        email_verified: false,
      });
      expectSuccess(await cli(['user', 'update', 'liddell', '--email-verified', '--name', '']));
      expect(await inspectUser('liddell')).toMatchObject({ name: null, email_verified: true });
      expectSuccess(await cli(['user', 'update', 'liddell', '--no-email-verified']));
      expect(await inspectUser('liddell')).toMatchObject({ email_verified: false });
      expectMisuse(await cli(['user', 'update', 'liddell', '--name', 'x'.repeat(101)]), /at most 100 characters/);
      expectMisuse(await cli(['user', 'update', 'liddell']), /nothing to change/);
    });
  });

  describe('user list / show', () => {
    it('list prints a table and --json an array, never a password hash', async () => {
      await Promise.all([
        addUser('lena', 'lena@example.com', { roles: ['ROLE_ADMIN'] }),
        addUser('lars', 'lars@example.com', { enabled: false }),
      ]);
      const [table, json] = await Promise.all([cli(['user', 'list']), cli(['user', 'list', '--json'])]);
      expectSuccess(table);
      const tableLines = lines(table.stdout);
      expect(tableLines[0]).toMatch(/^USERNAME\s+EMAIL\s+NAME\s+VERIFIED\s+ACTIVE\s+ROLES\s+CREATED\s+UPDATED\s+ID$/);
      expect(tableLines.find((line) => line.startsWith('lena '))).toMatch(
        /^lena\s+lena@example\.com\s+-\s+no\s+yes\s+ROLE_USER ROLE_ADMIN\s+\S+Z\s+\S+Z\s+\S+$/,
      );
      expect(tableLines.find((line) => line.startsWith('lars '))).toMatch(
        /^lars\s+lars@example\.com\s+-\s+no\s+no\s+ROLE_USER\s+\S+Z\s+\S+Z\s+\S+$/,
      );
      expect(table.stdout).not.toContain('$argon2');

      expectSuccess(json);
      const listed = parseJson<ShownUser[]>(json);
      expect(listed.find((u) => u.username === 'lena')).toMatchObject({
        email: 'lena@example.com',
        enabled: true,
        roles: ['ROLE_ADMIN'],
      });
      expect(listed.find((u) => u.username === 'lars')).toMatchObject({
        email: 'lars@example.com',
        enabled: false,
        roles: [],
      });
      expect(json.stdout).not.toContain('$argon2');
      for (const user of listed) expect(user).not.toHaveProperty('password_hash');
    });

    it('show and list print the same fields, and --json the same object for a user', async () => {
      await addUser('sam', 'sam@example.com', { roles: ['ROLE_ADMIN'], displayName: 'Sam Vimes', emailVerified: true });
      const [table, shown, listedJson, shownJson] = await Promise.all([
        cli(['user', 'list']),
        cli(['user', 'show', 'sam']),
        cli(['user', 'list', '--json']),
        cli(['user', 'show', 'sam', '--json']),
      ]);
      for (const result of [table, shown, listedJson, shownJson]) expectSuccess(result);
      const [header, ...rows] = lines(table.stdout);
      const labels = header!.toLowerCase().split(/\s+/);
      const shownLines = lines(shown.stdout);
      expect(shownLines.map((line) => line.split(':')[0])).toEqual(labels);
      // The row's cells are the lines' values, in order.
      const row = rows.find((line) => line.startsWith('sam '))!;
      const values = shownLines.map((line) => line.replace(/^[a-z]+:\s+/, ''));
      // Columns are at least two spaces apart; a value has single spaces at most.
      expect(row.split(/\s{2,}/)).toEqual(values);
      expect(values).toEqual([
        'sam',
        'sam@example.com',
        'Sam Vimes',
        'yes',
        'yes',
        'ROLE_USER ROLE_ADMIN',
        expect.any(String),
        expect.any(String),
        expect.any(String),
      ]);
      const listed = parseJson<ShownUser[]>(listedJson).find((user) => user.username === 'sam');
      expect(listed).toEqual(parseJson<ShownUser>(shownJson));
    });

    it('show prints one user in human form', async () => {
      await addUser('hugo', 'hugo@example.com', { roles: ['editor'] });
      const result = await cli(['user', 'show', 'hugo']);
      expectSuccess(result);
      expect(result.stdout).toMatch(/^username:\s+hugo$/m);
      expect(result.stdout).toMatch(/^email:\s+hugo@example\.com$/m);
      expect(result.stdout).toMatch(/^active:\s+yes$/m);
      expect(result.stdout).toMatch(/^roles:\s+ROLE_USER ROLE_EDITOR$/m);
      expect(result.stdout).not.toContain('$argon2');
    });
  });

  describe('user activate / deactivate / promote / demote --database', () => {
    it('activate, deactivate, promote and demote honour --database (they must not open ./data/gatehouse.db)', async () => {
      await addUser('otto', 'otto@example.com');
      // A fresh working directory, so a fall-back to the default sqlite:./data/gatehouse.db shows.
      const cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-user-cwd-'));
      try {
        const run = (args: string[]) => runCli([...args, '--database', url], { cwd });
        const commands = [
          ['user', 'deactivate', 'otto'],
          ['user', 'activate', 'otto'],
          ['user', 'promote', 'otto', 'ROLE_EDITOR'],
        ];
        // Each succeeds whatever the others did first: they run at once; demote needs the role promote gave.
        const results = await Promise.all(commands.map((args) => run(args)));
        commands.push(['user', 'demote', 'otto', 'ROLE_EDITOR']);
        results.push(await run(commands[3]!));
        results.forEach((result, i) => {
          expect(result.code, `${commands[i]!.join(' ')}: ${describeResult(result)}`).toBe(0);
        });
        expect(
          existsSync(join(cwd, 'data')),
          `${commands.map((args) => args.join(' ')).join(', ')} created ./data`,
        ).toBe(false);
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    });
  });

  describe('unknown users', () => {
    it('every command on an unknown user is misuse naming the user', async () => {
      const results = await Promise.all([
        cli(['user', 'show', 'nobody']),
        cli(['user', 'show', 'nobody', '--json']),
        cli(['user', 'activate', 'nobody']),
        cli(['user', 'deactivate', 'nobody']),
        cli(['user', 'promote', 'nobody', 'ROLE_ADMIN']),
        cli(['user', 'demote', 'nobody', 'ROLE_ADMIN']),
        cli(['user', 'change-password', 'nobody', '--password-stdin'], { stdin: `${PASSWORD}\n` }),
        cli(['user', 'delete', 'nobody']),
      ]);
      for (const result of results) {
        expectMisuse(result, /nobody/);
        expect(result.stdout).toBe('');
      }
    });
  });

  describe('working directory', () => {
    it('no command fell back to the default sqlite:./data/gatehouse.db (runs last)', () => {
      expect(existsSync(join(dir, 'data'))).toBe(false);
    });
  });
});
