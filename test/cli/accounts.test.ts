/**
 * The CLI and self-service accounts, on SQLite:
 * accounts that signed up on /register (made here in-process with Registration, on the same
 * database file) as `user list` / `user show` see them, `tokens clean` for links and
 * never-confirmed accounts, and `serve` refusing to start without its Redis.
 *
 * The commands run in this process (`serve` as a child); their setup (accounts, a client) and the
 * state they merely check are made and read directly, with the cheap argon2id of the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer, MailMessage } from '../../src/accounts/mail/mailer.js';
import { UserAccounts } from '../../src/accounts/users.js';
import { validateConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { ClientRegistry } from '../../src/core/clients.js';
import { hashSecret } from '../../src/core/secrets.js';
import { composeServices, type Services } from '../../src/compose.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import { cheapPasswords } from '../harness/passwords.js';
import { showUser } from '../harness/users.js';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import {
  databaseUrl,
  describeResult,
  expectMisuse,
  expectSuccess,
  freePort,
  lines,
  parseJson,
  queryRows,
  runCli,
  runCliProcess,
  type RunOptions,
} from '../helpers/cli.js';

const PASSWORD = 'correct horse battery staple';
const ADDRESS = '203.0.113.7';

class CapturingMailer implements Mailer {
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {}
}

interface ShownUser {
  username: string;
  email: string;
  enabled: boolean;
  awaiting_confirmation: boolean;
  roles: string[];
}

describe('gatehouse CLI and self-registered accounts [sqlite]', () => {
  let db: TestDatabase;
  let store: SqlStore;
  let dir: string;
  let url: string;
  const gatehouses: Services[] = [];

  // serve runs as a child, in the scratch directory; every other command in this process.
  const cli = (args: string[], options: RunOptions = {}) =>
    args[0] === 'serve'
      ? runCliProcess([...args, '--database', url], { cwd: dir, ...options })
      : runCli([...args, '--database', url], options);

  /** A Gatehouse on the test database whose clock says `now`, with sign-up and confirmation on. */
  function gatehouseAt(now: number, mailer = new CapturingMailer()): Services {
    const gatehouse = composeServices({
      config: validateConfig({
        issuer: 'https://auth.example.com',
        registration: { enabled: true, confirmation: true, token_ttl: 3600 },
      }),
      store,
      clock: new ManualClock(now),
      mailer,
      passwords: cheapPasswords,
    });
    gatehouses.push(gatehouse);
    return gatehouse;
  }

  async function signUp(gatehouse: Services, username: string): Promise<void> {
    const result = await gatehouse.registration.register(
      { username, email: `${username}@example.com`, password: PASSWORD, passwordAgain: PASSWORD },
      ADDRESS,
    );
    expect(result).toEqual({ kind: 'sent' });
    // Stored after the answer.
    await gatehouse.registration.idle();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-accounts-'));
    db = await createSqliteDatabase();
    url = databaseUrl(db.location);
    store = db.open();
    await store.migrate();
  });

  afterAll(async () => {
    for (const gatehouse of gatehouses) await gatehouse.close();
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('user list / show', () => {
    it('show an account awaiting e-mail confirmation as such, and activate ends the wait', async () => {
      const now = Math.floor(Date.now() / 1000);
      await signUp(gatehouseAt(now), 'wanda');
      await new UserAccounts(store, { passwords: cheapPasswords }).create({
        username: 'otto',
        email: 'otto@example.com',
        password: PASSWORD,
        enabled: false,
      });

      const [table, json, shown, shownJson] = await Promise.all([
        cli(['user', 'list']),
        cli(['user', 'list', '--json']),
        cli(['user', 'show', 'wanda']),
        cli(['user', 'show', 'wanda@example.com', '--json']),
      ]);
      expectSuccess(table);
      const tableLines = lines(table.stdout);
      expect(tableLines[0]).toMatch(/^USERNAME\s+EMAIL\s+NAME\s+VERIFIED\s+ACTIVE\s+ROLES\s+CREATED\s+UPDATED\s+ID$/);
      expect(tableLines.find((line) => line.startsWith('wanda '))).toMatch(
        /^wanda\s+wanda@example\.com\s+-\s+no\s+no \(awaiting e-mail confirmation\)\s+ROLE_USER\s+\S+Z\s+\S+Z\s+\S+$/,
      );
      // Deactivated by an administrator: a plain "no".
      expect(tableLines.find((line) => line.startsWith('otto '))).toMatch(
        /^otto\s+otto@example\.com\s+-\s+no\s+no\s+ROLE_USER\s+\S+Z\s+\S+Z\s+\S+$/,
      );

      expectSuccess(json);
      const listed = parseJson<ShownUser[]>(json);
      expect(listed.find((u) => u.username === 'wanda')).toMatchObject({ enabled: false, awaiting_confirmation: true });
      expect(listed.find((u) => u.username === 'otto')).toMatchObject({ enabled: false, awaiting_confirmation: false });
      expect(json.stdout).not.toContain('$argon2');

      expectSuccess(shown);
      expect(shown.stdout).toMatch(/^active:\s+no \(awaiting e-mail confirmation\)$/m);
      expect(shown.stdout).not.toContain('$argon2');
      expectSuccess(shownJson);
      expect(parseJson<ShownUser>(shownJson)).toMatchObject({
        username: 'wanda',
        enabled: false,
        awaiting_confirmation: true,
      });

      expectSuccess(await cli(['user', 'activate', 'wanda']));
      const [after, afterList] = await Promise.all([cli(['user', 'show', 'wanda', '--json']), cli(['user', 'list'])]);
      expect(parseJson<ShownUser>(after)).toMatchObject({ enabled: true, awaiting_confirmation: false });
      expect(lines(afterList.stdout).find((line) => line.startsWith('wanda '))).toMatch(
        /^wanda\s+wanda@example\.com\s+-\s+no\s+yes\s+ROLE_USER\s+\S+Z\s+\S+Z\s+\S+$/,
      );
    });

    it('deactivate on an account awaiting confirmation leaves a plain "no"', async () => {
      await signUp(gatehouseAt(Math.floor(Date.now() / 1000)), 'vera');
      expectSuccess(await cli(['user', 'deactivate', 'vera']));
      const [result, vera] = await Promise.all([
        cli(['user', 'list']),
        showUser({ accounts: () => new UserAccounts(store, { passwords: cheapPasswords }) }, 'vera'),
      ]);
      expectSuccess(result);
      expect(lines(result.stdout).find((line) => line.startsWith('vera '))).toMatch(
        /^vera\s+vera@example\.com\s+-\s+no\s+no\s+ROLE_USER\s+\S+Z\s+\S+Z\s+\S+$/,
      );
      // What `user show vera --json` prints, read in this process.
      expect(vera).toMatchObject({
        enabled: false,
        awaiting_confirmation: false,
      });
    });
  });

  describe('user deactivate / change-password sign the user out everywhere', () => {
    it('sessions end and refresh tokens are revoked, so `user activate` revives nothing; consents stay', async () => {
      const now = Math.floor(Date.now() / 1000);
      const user = await new UserAccounts(store, { passwords: cheapPasswords }).create({
        username: 'sigrid',
        email: 'sigrid@example.com',
        password: PASSWORD,
      });
      const live = async () => {
        await store.createSession({
          idHash: hashSecret(`session ${Math.random()}`),
          userId: user.id,
          createdAt: now,
          expiresAt: now + 3600,
        });
        await store.driver.run(
          `INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, consumed_at, revoked_at)
           SELECT ?, ?, NULL, id, ?, '', ?, ?, NULL, NULL FROM clients LIMIT 1`,
          [hashSecret(`refresh ${Math.random()}`), `family ${Math.random()}`, user.id, now, now + 3600],
        );
      };
      const state = async () => ({
        sessions: (await queryRows(db.location, 'SELECT id_hash FROM sessions WHERE user_id = ?', [user.id])).length,
        liveRefreshTokens: (
          await queryRows(
            db.location,
            'SELECT token_hash FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL',
            [user.id],
          )
        ).length,
      });
      // The client the refresh tokens below are issued to (setup: registered in-process).
      await new ClientRegistry(store).create({ name: 'Cli Test App', grantTypes: ['password', 'refresh_token'] });
      await live();
      expect(await state()).toEqual({ sessions: 1, liveRefreshTokens: 1 });
      expectSuccess(await cli(['user', 'deactivate', 'sigrid']));
      expectSuccess(await cli(['user', 'activate', 'sigrid']));
      expect(await state()).toEqual({ sessions: 0, liveRefreshTokens: 0 });

      await live();
      expectSuccess(
        await cli(['user', 'change-password', 'sigrid', '--password-stdin'], { stdin: 'another long passphrase\n' }),
      );
      expect(await state()).toEqual({ sessions: 0, liveRefreshTokens: 0 });
    });
  });

  describe('tokens clean', () => {
    it('deletes expired confirmation and reset links and never-confirmed accounts, and says how many', async () => {
      const now = Math.floor(Date.now() / 1000);
      const twoDaysAgo = now - 2 * 86_400;
      // Signed up two days ago, never confirmed: the link (1 hour) is long dead, so is the account.
      await signUp(gatehouseAt(twoDaysAgo), 'ghost');
      // Signed up just now: still has its chance.
      await signUp(gatehouseAt(now), 'newbie');
      // A confirmed account with a reset link that expired: the link goes, the account stays.
      const kept = await new UserAccounts(store, { passwords: cheapPasswords }).create({
        username: 'keeper',
        email: 'keeper@example.com',
        password: PASSWORD,
      });
      await store.issueAccountToken(
        {
          tokenHash: hashSecret('old reset link'),
          userId: kept.id,
          purpose: 'reset',
          createdAt: twoDaysAgo,
          expiresAt: twoDaysAgo + 600,
        },
        0,
      );
      // Deactivated by an administrator before confirming: not "never confirmed", an admin's decision.
      await signUp(gatehouseAt(twoDaysAgo), 'blocked');
      expectSuccess(await cli(['user', 'deactivate', 'blocked']));
      // Deactivating deleted its e-mailed links at once (and would have ended its sessions and tokens).
      expect(
        await queryRows(
          db.location,
          "SELECT t.purpose FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = 'blocked'",
        ),
      ).toEqual([]);

      const result = await cli(['tokens', 'clean']);
      expectSuccess(result);
      expect(result.stdout).toMatch(
        /^Deleted \d+ expired access tokens, .* idle sign-in failure counters, \d+ expired device cookies and known accounts, 1 expired confirmation and reset links, 1 never-confirmed accounts, \d+ unanswered consent pages, \d+ expired device authorizations, \d+ expired assertion ids, \d+ unanswered sign-out pages, \d+ given-up back-channel logouts, \d+ spent OpenID sign-ins and \d+ audit events older than audit\.retention\.\n$/,
      );

      const usernames = (
        await queryRows<{ username: string }>(db.location, 'SELECT username FROM users ORDER BY username')
      ).map((row) => row.username);
      expect(usernames).toContain('newbie');
      expect(usernames).toContain('keeper');
      expect(usernames).toContain('blocked');
      expect(usernames).not.toContain('ghost');
      const tokens = await queryRows<{ username: string; purpose: string }>(
        db.location,
        "SELECT u.username, t.purpose FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE u.username IN ('ghost', 'newbie', 'keeper', 'blocked') ORDER BY u.username",
      );
      // keeper's expired link went (the 1); blocked's went with the deactivation, ghost's with ghost.
      expect(tokens).toEqual([{ username: 'newbie', purpose: 'confirm' }]);

      // The name is free again.
      await signUp(gatehouseAt(now), 'ghost');

      const json = await cli(['tokens', 'clean', '--json']);
      expectSuccess(json);
      expect(parseJson(json)).toMatchObject({ accountTokens: 0, unconfirmedUsers: 0 });
    });
  });

  describe('serve with rate_limit.redis_url', () => {
    it('an unreachable Redis stops start-up: exit 2, one line naming rate_limit.redis_url', async () => {
      const port = await freePort();
      const result = await cli(['serve', '--port', String(port)], {
        env: { GATEHOUSE_RATE_LIMIT_REDIS_URL: 'redis://127.0.0.1:1' },
        timeoutMs: 20_000,
      });
      expect(result.timedOut, describeResult(result)).toBe(false);
      expectMisuse(result, /rate_limit\.redis_url/);
      expect(result.stderr).toMatch(/cannot connect/);
      expect(result.stdout).not.toMatch(/serving|listening/i);
    });

    it('an invalid URL is a configuration error before anything starts', async () => {
      const result = await cli(['serve', '--port', String(await freePort())], {
        env: { GATEHOUSE_RATE_LIMIT_REDIS_URL: 'nope' },
      });
      expectMisuse(result, /rate_limit\.redis_url/);
    });
  });
});
