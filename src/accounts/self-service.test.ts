/**
 * The account pages' logic without HTTP: Registration, PasswordResetting and Profile as the
 * Gatehouse class wires them (src/gatehouse.ts), on a real SQLite store, with a hand-moved
 * clock and a Mailer that only collects messages.
 *
 * Unless a test says otherwise: confirmation links work for 1 hour, reset links for 30
 * minutes, one reset e-mail per account per 10 minutes, sign-in threshold 2 (so the mail forms
 * allow 8 requests per address), longest block 60 s.
 *
 * After every test: no event and no e-mail contains a password (or a password hash).
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import { ClientRegistry } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { hashSecret } from '../core/secrets.js';
import { composeServices, type Services } from '../compose.js';
import type { SqlStore } from '../storage/sql-store.js';
import type { UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import { SecurityEvents, type SecurityEvent, type SecurityEventType } from '../audit/events.js';
import type { Mailer, MailMessage } from './mail/mailer.js';
import { UserAccounts } from './users.js';

const T = 1_800_000_000;
const ISSUER = 'https://auth.example.com';
const ADDRESS = '203.0.113.7';
const OTHER_ADDRESS = '198.51.100.9';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const WRONG = 'not my password at all';
/** The password of a stranger who signed up first with someone else's address. */
const STRANGER = "the stranger's own passphrase";
const CONFIRM_TTL = 3600;
const RESET_TTL = 1800;
const RETRY_TTL = 600;
const THRESHOLD = 2;

const SETTINGS: ConfigInput = {
  issuer: ISSUER,
  login_throttle_threshold: THRESHOLD,
  login_throttle_max_delay: 60,
  registration: { enabled: true, confirmation: true, token_ttl: CONFIRM_TTL },
  resetting: { token_ttl: RESET_TTL, retry_ttl: RETRY_TTL },
};

/** A Mailer that keeps what it is given. */
class CapturingMailer implements Mailer {
  readonly messages: MailMessage[] = [];
  closed = false;
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The `token` of the one link in a message whose path is `path`. */
function tokenIn(message: MailMessage, path: string): string {
  const links = [...new Set(message.text.match(/https?:\/\/[^\s<>"]+/g) ?? [])]
    .map((link) => new URL(link))
    .filter((url) => url.pathname === path);
  expect(links, `one ${path} link in:\n${message.text}`).toHaveLength(1);
  expect(links[0]!.origin).toBe(ISSUER);
  const token = links[0]!.searchParams.get('token');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token!;
}

describe('self-service accounts (Registration, PasswordResetting, Profile)', () => {
  let db: TestStore;
  let store: SqlStore;
  let clock: ManualClock;
  let mailer: CapturingMailer;
  let gatehouse: Services;
  let events: SecurityEvent[];
  /** Gatehouses made by a test with other settings, sharing the store, clock and mailer. */
  let others: Services[];
  /** Every password a test used, checked against every event and e-mail afterwards. */
  const secrets = new Set<string>([PASSWORD, NEW_PASSWORD, WRONG, STRANGER]);

  /** Account changes only: sign-ins and tokens are covered by src/audit/audit-log.test.ts. */
  const collectAccountEvent = (event: SecurityEvent) => {
    if (event.type.startsWith('user.')) events.push(event);
  };

  /** A Gatehouse on the same store, clock and mailer, with other settings; its events are collected too. */
  function gatehouseWith(settings: ConfigInput): Services {
    const made = composeServices({ passwords: cheapPasswords, config: validateConfig(settings), store, clock, mailer });
    made.events.on(collectAccountEvent);
    others.push(made);
    return made;
  }

  /** Lets queued e-mails go out, then returns every message sent so far. */
  async function sent(): Promise<MailMessage[]> {
    // Reset requests are handled after their answer, then their e-mails go out.
    await gatehouse.resetting.idle();
    for (const other of others) await other.resetting.idle();
    await gatehouse.mail.idle();
    for (const other of others) await other.mail.idle();
    // Sign-ups are stored after their answer, then their e-mails go out.
    for (const each of [gatehouse, ...others]) {
      await each.registration.idle();
      await each.mail.idle();
    }
    return mailer.messages;
  }

  async function sentTo(to: string): Promise<MailMessage[]> {
    // Addresses are compared as mail servers do with the domain, and as Gatehouse does: ignoring case.
    return (await sent()).filter((message) => message.to.toLowerCase() === to.toLowerCase());
  }

  /** An account made by an administrator (its events are not collected). */
  async function adminCreates(username: string, email: string, password = PASSWORD): Promise<UserRecord> {
    return new UserAccounts(store, {
      clock,
      passwordPolicy: { minLength: 8, maxLength: 4096 },
      events: new SecurityEvents(),
    }).create({ username, email, password });
  }

  const user = async (login: string) => (await store.findUserByLogin(login.toLowerCase()))!;
  const canSignIn = async (login: string, password: string) =>
    (await signIn({ store, passwords: gatehouse.passwords }, login, password, ADDRESS)).kind === 'signed-in';
  const eventTypes = () => events.map((event) => event.type);

  function expectEvent(
    event: SecurityEvent | undefined,
    type: SecurityEventType,
    who: UserRecord,
    details?: Record<string, string>,
  ): void {
    expect(event).toEqual({
      type,
      userId: who.id,
      username: who.username,
      actor: 'user',
      at: clock.now(),
      address: ADDRESS,
      ...(details ? { details } : {}),
    });
  }

  /** Signs up with confirmation on; returns the new account and the token of its confirmation link. */
  async function registerAwaiting(
    username: string,
    email: string,
    password = PASSWORD,
  ): Promise<{ account: UserRecord; token: string }> {
    const result = await gatehouse.registration.register(
      { username, email, password, passwordAgain: password },
      ADDRESS,
    );
    expect(result).toEqual({ kind: 'sent' });
    const [message] = (await sentTo(email)).slice(-1);
    return { account: await user(username), token: tokenIn(message!, '/register/confirm') };
  }

  beforeEach(async () => {
    db = await createSqliteStore();
    store = db.store;
    clock = new ManualClock(T);
    mailer = new CapturingMailer();
    events = [];
    others = [];
    gatehouse = composeServices({ passwords: cheapPasswords, config: validateConfig(SETTINGS), store, clock, mailer });
    gatehouse.events.on(collectAccountEvent);
  });

  afterEach(async () => {
    try {
      const everything = JSON.stringify({ events, messages: await sent() });
      for (const secret of secrets) expect(everything, 'a password in an event or e-mail').not.toContain(secret);
      expect(everything).not.toContain('$argon2');
    } finally {
      await gatehouse?.close();
      for (const other of others) await other.close();
      await db?.cleanup();
    }
  });

  describe('Registration', () => {
    it('signs up an account that waits for its confirmation link: disabled, one e-mail, user.registered', async () => {
      const result = await gatehouse.registration.register(
        { username: 'alice', email: 'Alice@Example.com', password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      );
      expect(result).toEqual({ kind: 'sent' });
      const messages = await sent();
      const stored = await user('alice');
      expect(stored).toMatchObject({
        username: 'alice',
        email: 'Alice@Example.com',
        emailCanonical: 'alice@example.com',
        enabled: false,
        awaitingConfirmation: true,
        roles: [],
        createdAt: T,
      });
      expect(await canSignIn('alice', PASSWORD)).toBe(false);

      expect(messages).toHaveLength(1);
      expect(messages[0]!.to).toBe('Alice@Example.com');
      expect(messages[0]!.subject).toBe('Confirm your e-mail address for auth.example.com');
      expect(messages[0]!.text).toContain('The link works for 1 hour, once.');
      const token = tokenIn(messages[0]!, '/register/confirm');
      // Only the hash of the link's secret is stored.
      const rows = await store.driver.all<{ token_hash: string; purpose: string; expires_at: number }>(
        'SELECT * FROM account_tokens',
      );
      expect(rows).toEqual([
        expect.objectContaining({ token_hash: hashSecret(token), purpose: 'confirm', expires_at: T + CONFIRM_TTL }),
      ]);
      expect(JSON.stringify(rows)).not.toContain(token);

      expect(events).toHaveLength(1);
      expectEvent(events[0], 'user.registered', stored);
    });

    it('following the link with the password enables the account (user.confirmed); the link works once', async () => {
      const { account, token } = await registerAwaiting('alice', 'alice@example.com');
      clock.advance(CONFIRM_TTL - 1);
      expect((await gatehouse.registration.pendingConfirmation(token))?.id).toBe(account.id);

      const confirmed = await gatehouse.registration.confirm(token, PASSWORD, ADDRESS);
      expect(confirmed).toMatchObject({
        kind: 'confirmed',
        user: { id: account.id, username: 'alice', enabled: true, awaitingConfirmation: false },
      });
      const confirmedUser = (confirmed as { user: UserRecord }).user;
      expect(confirmedUser).toStrictEqual(await user('alice'));
      expect(await canSignIn('alice', PASSWORD)).toBe(true);
      expect(eventTypes()).toEqual(['user.registered', 'user.confirmed']);
      expectEvent(events[1], 'user.confirmed', confirmedUser);

      expect(await gatehouse.registration.pendingConfirmation(token)).toBeNull();
      expect(await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
      expect(await store.driver.all('SELECT * FROM account_tokens')).toEqual([]);
      expect(eventTypes()).toEqual(['user.registered', 'user.confirmed']);
    });

    it('a wrong password confirms nothing and leaves the link working: the right one then confirms', async () => {
      const { account, token } = await registerAwaiting('alice', 'alice@example.com');
      for (const wrong of [WRONG, '', PASSWORD.toUpperCase(), `${PASSWORD} `]) {
        const result = await gatehouse.registration.confirm(token, wrong, ADDRESS);
        expect(result, JSON.stringify(wrong)).toMatchObject({
          kind: 'wrong-password',
          user: { id: account.id, username: 'alice' },
        });
        // Throttling is a test of its own: forget the failures.
        await store.driver.run('DELETE FROM throttles');
      }
      expect(await user('alice')).toMatchObject({ enabled: false, awaitingConfirmation: true });
      expect(await canSignIn('alice', PASSWORD)).toBe(false);
      expect((await gatehouse.registration.pendingConfirmation(token))?.id).toBe(account.id);
      expect(eventTypes()).toEqual(['user.registered']);

      expect(await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).toMatchObject({
        kind: 'confirmed',
        user: { id: account.id, enabled: true },
      });
      expect(await canSignIn('alice', PASSWORD)).toBe(true);
      expect(eventTypes()).toEqual(['user.registered', 'user.confirmed']);
    });

    it('wrong confirmation passwords count like failed sign-ins: past the threshold even the right one is "throttled" until the wait is over', async () => {
      const { token } = await registerAwaiting('alice', 'alice@example.com');
      for (let n = 1; n <= THRESHOLD + 1; n++) {
        expect((await gatehouse.registration.confirm(token, WRONG, ADDRESS)).kind, `attempt ${n}`).toBe(
          'wrong-password',
        );
      }
      expect(await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).toEqual({
        kind: 'throttled',
        retryAfter: 2,
        user: await user('alice'),
      });
      // The same counters as the sign-in form.
      expect(
        await signIn(
          { store, passwords: gatehouse.passwords, throttle: gatehouse.throttle },
          'alice',
          PASSWORD,
          ADDRESS,
        ),
      ).toEqual({
        kind: 'throttled',
        retryAfter: 2,
      });
      expect(await user('alice')).toMatchObject({ enabled: false, awaitingConfirmation: true });
      expect(eventTypes()).toEqual(['user.registered']);

      clock.advance(2);
      expect(await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).toMatchObject({
        kind: 'confirmed',
        user: { enabled: true },
      });
      // The owner proved who they are: the login's failures are forgotten.
      for (let n = 1; n <= THRESHOLD; n++) {
        expect(
          await signIn(
            { store, passwords: gatehouse.passwords, throttle: gatehouse.throttle },
            'alice',
            WRONG,
            ADDRESS,
          ),
        ).toEqual({ kind: 'refused' });
      }
      expect(
        (
          await signIn(
            { store, passwords: gatehouse.passwords, throttle: gatehouse.throttle },
            'alice',
            PASSWORD,
            ADDRESS,
          )
        ).kind,
      ).toBe('signed-in');
    });

    it('the confirmation link stops working after registration.token_ttl', async () => {
      const { token } = await registerAwaiting('alice', 'alice@example.com');
      clock.advance(CONFIRM_TTL);
      expect(await gatehouse.registration.pendingConfirmation(token)).toBeNull();
      expect(await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
      expect(await user('alice')).toMatchObject({ enabled: false, awaitingConfirmation: true });
      expect(await canSignIn('alice', PASSWORD)).toBe(false);
      expect(eventTypes()).toEqual(['user.registered']);
    });

    it('registration.token_ttl is the setting, in the e-mail and the database', async () => {
      const other = gatehouseWith({
        ...SETTINGS,
        registration: { enabled: true, confirmation: true, token_ttl: 172_800 },
      });
      await other.registration.register(
        { username: 'alice', email: 'alice@example.com', password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      );
      const [message] = await sent();
      expect(message!.text).toContain('The link works for 2 days, once.');
      const token = tokenIn(message!, '/register/confirm');
      clock.advance(172_799);
      expect(await other.registration.pendingConfirmation(token)).not.toBeNull();
      clock.advance(1);
      expect(await other.registration.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
    });

    it('an unknown, mangled or overlong link confirms nothing, whatever the password', async () => {
      const { token } = await registerAwaiting('alice', 'alice@example.com');
      for (const wrong of ['', 'x', token.slice(1), `${token}x`, token.toUpperCase(), 'a'.repeat(5000)]) {
        expect(await gatehouse.registration.confirm(wrong, PASSWORD, ADDRESS), wrong.slice(0, 50)).toEqual({
          kind: 'link-not-usable',
        });
        expect(await gatehouse.registration.pendingConfirmation(wrong)).toBeNull();
      }
      expect(await user('alice')).toMatchObject({ enabled: false });
      // Nothing was counted against the login either.
      expect(await store.driver.all('SELECT * FROM throttles WHERE throttle_key LIKE ?', ['login:%'])).toEqual([]);
    });

    it('with registration.confirmation off the account works at once and no e-mail is sent', async () => {
      const other = gatehouseWith({ ...SETTINGS, registration: { enabled: true, confirmation: false } });
      const result = await other.registration.register(
        { username: 'bob', email: 'bob@example.com', password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      );
      expect(result).toMatchObject({ kind: 'registered', user: { username: 'bob', enabled: true } });
      expect(await user('bob')).toMatchObject({ enabled: true, awaitingConfirmation: false });
      expect(await canSignIn('bob', PASSWORD)).toBe(true);
      expect(await sent()).toEqual([]);
      expect(eventTypes()).toEqual(['user.registered']);
    });

    it('refuses a bad form, storing and sending nothing', async () => {
      const attempts: Array<[Record<string, string>, string]> = [
        [{ username: 'bad name!', email: 'x@example.com', password: PASSWORD, passwordAgain: PASSWORD }, 'username'],
        [{ username: 'carol', email: 'not-an-email', password: PASSWORD, passwordAgain: PASSWORD }, 'email'],
        [{ username: 'carol', email: 'carol@example.com', password: 'short', passwordAgain: 'short' }, 'password'],
        [
          { username: 'carol', email: 'carol@example.com', password: PASSWORD, passwordAgain: NEW_PASSWORD },
          'password',
        ],
      ];
      for (const [form, field] of attempts) {
        const result = await gatehouse.registration.register(form as never, ADDRESS);
        expect(result, JSON.stringify(form)).toMatchObject({ kind: 'invalid', problem: { field } });
      }
      expect(await store.listUsers()).toEqual([]);
      expect(await sent()).toEqual([]);
      expect(events).toEqual([]);
    });

    it('an address that has an account is answered like a sign-up; its owner is told, with a link to reset', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      const result = await gatehouse.registration.register(
        { username: 'mallory', email: 'BOB@example.com', password: NEW_PASSWORD, passwordAgain: NEW_PASSWORD },
        ADDRESS,
      );
      expect(result).toEqual({ kind: 'sent' });
      const messages = await sent();
      // Bob's account, and the reservation holding "mallory" as a sign-up would (disabled).
      expect((await store.listUsers()).map((u) => [u.username, u.enabled])).toEqual([
        ['bob', true],
        ['mallory', false],
      ]);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        to: 'bob@example.com',
        subject: 'You already have an account on auth.example.com',
      });
      expect(messages[0]!.text).toContain(`${ISSUER}/reset`);
      expect(messages[0]!.text).toContain('bob');
      expect(messages[0]!.text).not.toContain('mallory');
      expect(eventTypes()).toEqual(['user.registered']);
      expect(events[0]).toMatchObject({ username: 'mallory', details: { reserved: expect.any(String) } });
      expect((await user('bob')).passwordHash).toBe(bob.passwordHash);
    });

    it('a confirmed account is never taken over by a sign-up, with its username or another: unchanged, and its owner gets the notice', async () => {
      const { token } = await registerAwaiting('vera', 'vera@example.com');
      expect((await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).kind).toBe('confirmed');
      const before = await user('vera');

      // Her own username is "taken", whatever the address (usernames are not secret).
      for (const username of ['vera', 'VERA']) {
        const result = await gatehouse.registration.register(
          { username, email: 'Vera@Example.com', password: STRANGER, passwordAgain: STRANGER },
          OTHER_ADDRESS,
        );
        expect(result, username).toMatchObject({ kind: 'invalid', problem: { field: 'username', taken: true } });
      }
      for (const username of ['mallory', 'mallory2', 'mallory3']) {
        clock.advance(3600);
        const result = await gatehouse.registration.register(
          { username, email: 'Vera@Example.com', password: STRANGER, passwordAgain: STRANGER },
          OTHER_ADDRESS,
        );
        expect(result, username).toEqual({ kind: 'sent' });
      }
      await sent();
      // Her account is as it was; the reservation holds the latest username, unusable.
      expect(await user('vera')).toStrictEqual(before);
      expect((await store.listUsers()).map((u) => u.username)).toEqual(['mallory3', 'vera']);
      expect(await canSignIn('mallory3', STRANGER)).toBe(false);
      expect(await canSignIn('vera', PASSWORD)).toBe(true);
      expect(await canSignIn('vera', STRANGER)).toBe(false);
      expect(await canSignIn('mallory', STRANGER)).toBe(false);
      const messages = await sentTo('vera@example.com');
      expect(messages.map((m) => m.subject)).toEqual([
        'Confirm your e-mail address for auth.example.com',
        ...Array(3).fill('You already have an account on auth.example.com'),
      ]);
      // No confirmation link, nor any link that would let the stranger in.
      for (const message of messages.slice(1)) expect(message.text).not.toContain('/register/confirm');
      // Only the reservation's link, never sent.
      const reservation = await user('mallory3');
      expect(await store.driver.all('SELECT user_id, purpose FROM account_tokens')).toEqual([
        { user_id: reservation.id, purpose: 'confirm' },
      ]);
      expect(eventTypes()).toEqual([
        'user.registered',
        'user.confirmed',
        'user.registered',
        'user.registered',
        'user.registered',
      ]);
    });

    it('a stranger signed up first with her address: her sign-up takes the account over (her username, spelling and password), and her password confirms it', async () => {
      const { account, token: strangersLink } = await registerAwaiting('mallory', 'vera@example.com', STRANGER);

      // Vera signs up half a minute later: the account becomes hers, and a new link (for her
      // username and password) replaces the stranger's.
      clock.advance(30);
      const result = await gatehouse.registration.register(
        { username: 'Vera', email: 'Vera@Example.com', password: PASSWORD, passwordAgain: PASSWORD },
        OTHER_ADDRESS,
      );
      expect(result).toEqual({ kind: 'sent' });
      const messages = await sentTo('vera@example.com');
      const taken = await user('vera');
      expect(taken).toMatchObject({
        id: account.id,
        username: 'Vera',
        usernameCanonical: 'vera',
        email: 'Vera@Example.com',
        emailCanonical: 'vera@example.com',
        enabled: false,
        awaitingConfirmation: true,
        updatedAt: T + 30,
      });
      expect(taken.passwordHash).not.toBe(account.passwordHash);
      expect(await store.findUserByLogin('mallory')).toBeNull();
      expect(await store.listUsers()).toHaveLength(1);
      expect(messages).toHaveLength(2);
      expect(messages[1]!.text).toContain('Hello Vera,');
      const verasLink = tokenIn(messages[1]!, '/register/confirm');
      expect(await gatehouse.registration.pendingConfirmation(strangersLink)).toBeNull();

      // The stranger, with the old link: dead. With Vera's link and the stranger's password: refused.
      expect(await gatehouse.registration.confirm(strangersLink, STRANGER, ADDRESS)).toEqual({
        kind: 'link-not-usable',
      });
      expect(await gatehouse.registration.confirm(verasLink, STRANGER, ADDRESS)).toMatchObject({
        kind: 'wrong-password',
      });
      expect(await user('vera')).toStrictEqual(taken);

      // Vera, with her link and her password: her account, active.
      expect(await gatehouse.registration.confirm(verasLink, PASSWORD, OTHER_ADDRESS)).toMatchObject({
        kind: 'confirmed',
        user: {
          id: account.id,
          username: 'Vera',
          email: 'Vera@Example.com',
          enabled: true,
          awaitingConfirmation: false,
        },
      });
      expect(await canSignIn('Vera', PASSWORD)).toBe(true);
      expect(await canSignIn('vera@example.com', PASSWORD)).toBe(true);
      expect(await canSignIn('vera', STRANGER)).toBe(false);
      expect(await canSignIn('mallory', STRANGER)).toBe(false);
      // The takeover is an event of its own.
      expect(eventTypes()).toEqual(['user.registered', 'user.registered', 'user.confirmed']);
      expect(events[1]).toMatchObject({
        type: 'user.registered',
        userId: account.id,
        username: 'Vera',
        address: OTHER_ADDRESS,
        details: { took_over: expect.any(String) },
      });
      expect(events[2]).toMatchObject({
        type: 'user.confirmed',
        userId: account.id,
        username: 'Vera',
        address: OTHER_ADDRESS,
      });
    });

    it("a later takeover sends a new link (greeting the new username) that replaces the stranger's; only the new password confirms", async () => {
      const { account, token: strangersLink } = await registerAwaiting('mallory', 'vera@example.com', STRANGER);
      clock.advance(61);
      expect(
        await gatehouse.registration.register(
          { username: 'vera', email: 'vera@example.com', password: PASSWORD, passwordAgain: PASSWORD },
          OTHER_ADDRESS,
        ),
      ).toEqual({ kind: 'sent' });
      const messages = await sentTo('vera@example.com');
      expect(messages).toHaveLength(2);
      expect(messages[1]!.subject).toBe('Confirm your e-mail address for auth.example.com');
      expect(messages[1]!.text).toContain('vera');
      expect(messages[1]!.text).not.toContain('mallory');
      const verasLink = tokenIn(messages[1]!, '/register/confirm');
      expect(verasLink).not.toBe(strangersLink);

      expect(await gatehouse.registration.confirm(strangersLink, STRANGER, ADDRESS)).toEqual({
        kind: 'link-not-usable',
      });
      expect(await gatehouse.registration.confirm(verasLink, STRANGER, ADDRESS)).toMatchObject({
        kind: 'wrong-password',
      });
      expect(await user('vera')).toMatchObject({ enabled: false, awaitingConfirmation: true });
      expect(await gatehouse.registration.confirm(verasLink, PASSWORD, OTHER_ADDRESS)).toMatchObject({
        kind: 'confirmed',
        user: { id: account.id, username: 'vera', enabled: true },
      });
      expect(await canSignIn('vera', PASSWORD)).toBe(true);
      expect(await canSignIn('vera', STRANGER)).toBe(false);
    });

    it("a takeover needs the username to be free or the account's own: someone else's username is refused and nothing changes", async () => {
      await adminCreates('bob', 'bob@example.com');
      const { account } = await registerAwaiting('mallory', 'vera@example.com', STRANGER);
      clock.advance(61);
      for (const username of ['bob', 'BOB', 'bob@example.com']) {
        const result = await gatehouse.registration.register(
          { username, email: 'vera@example.com', password: PASSWORD, passwordAgain: PASSWORD },
          OTHER_ADDRESS,
        );
        expect(result, username).toMatchObject({ kind: 'invalid', problem: { field: 'username' } });
      }
      expect(await user('mallory')).toStrictEqual(account);
      expect(await sentTo('vera@example.com')).toHaveLength(1);

      // The account's own username is "taken" too: the answer never depends on the address.
      expect(
        await gatehouse.registration.register(
          { username: 'Mallory', email: 'vera@example.com', password: PASSWORD, passwordAgain: PASSWORD },
          OTHER_ADDRESS,
        ),
      ).toMatchObject({ kind: 'invalid', problem: { field: 'username', taken: true } });
      expect(await user('mallory')).toStrictEqual(account);
      // A free username takes the account over, with the new password.
      expect(
        await gatehouse.registration.register(
          { username: 'Vera', email: 'vera@example.com', password: PASSWORD, passwordAgain: PASSWORD },
          OTHER_ADDRESS,
        ),
      ).toEqual({ kind: 'sent' });
      const link = tokenIn((await sentTo('vera@example.com'))[1]!, '/register/confirm');
      const after = await user('vera');
      expect(after).toMatchObject({ id: account.id, username: 'Vera', usernameCanonical: 'vera' });
      expect(after.passwordHash).not.toBe(account.passwordHash);
      expect((await gatehouse.registration.confirm(link, STRANGER, ADDRESS)).kind).toBe('wrong-password');
      expect((await gatehouse.registration.confirm(link, PASSWORD, OTHER_ADDRESS)).kind).toBe('confirmed');
    });

    it('a takeover whose form is otherwise bad is refused like any sign-up, and the account stays as it was', async () => {
      const { account } = await registerAwaiting('mallory', 'vera@example.com', STRANGER);
      const attempts = [
        { username: 'vera', email: 'vera@example.com', password: PASSWORD, passwordAgain: NEW_PASSWORD },
        { username: 'vera', email: 'vera@example.com', password: 'short', passwordAgain: 'short' },
        { username: 'bad name!', email: 'vera@example.com', password: PASSWORD, passwordAgain: PASSWORD },
      ];
      for (const form of attempts) {
        expect(await gatehouse.registration.register(form, OTHER_ADDRESS), JSON.stringify(form)).toMatchObject({
          kind: 'invalid',
        });
      }
      expect(await store.listUsers()).toStrictEqual([account]);
    });

    it('signing up again with an unconfirmed address (another username) re-sends the link: two at once, then at growing intervals; the newest link replaces the others', async () => {
      const { token: first } = await registerAwaiting('alice', 'alice@example.com');
      // Each time another username: the pending account's own is "taken" like any other.
      let n = 1;
      const again = () =>
        gatehouse.registration.register(
          { username: `alice${++n}`, email: 'alice@example.com', password: PASSWORD, passwordAgain: PASSWORD },
          ADDRESS,
        );

      expect(await again()).toEqual({ kind: 'sent' });
      expect(await sentTo('alice@example.com')).toHaveLength(2);
      expect(await again()).toEqual({ kind: 'sent' });
      expect(await sentTo('alice@example.com')).toHaveLength(3);
      // The third at once is answered the same, but sends nothing: the mailbox is not flooded.
      expect(await again()).toEqual({ kind: 'sent' });
      expect(await sentTo('alice@example.com')).toHaveLength(3);
      clock.advance(2);
      expect(await again()).toEqual({ kind: 'sent' });
      const messages = await sentTo('alice@example.com');
      expect(messages).toHaveLength(4);
      const links = messages.map((message) => tokenIn(message, '/register/confirm'));
      expect(new Set(links).size).toBe(4);
      expect(links[0]).toBe(first);
      for (const old of links.slice(0, 3))
        expect(await gatehouse.registration.confirm(old, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
      // The latest sign-up's username.
      expect(await gatehouse.registration.confirm(links[3]!, PASSWORD, ADDRESS)).toMatchObject({
        kind: 'confirmed',
        user: { username: 'alice5', enabled: true },
      });
      expect((await store.listUsers()).map((u) => u.username)).toEqual(['alice5']);
      expect(eventTypes()).toEqual([
        'user.registered',
        'user.registered',
        'user.registered',
        'user.registered',
        'user.registered',
        'user.confirmed',
      ]);
    });

    it('signing up again with the same username and address before confirming is "username taken" (as with any other address); the reset form re-sends the link', async () => {
      const { token: first } = await registerAwaiting('alice', 'alice@example.com');
      clock.advance(61);
      const result = await gatehouse.registration.register(
        { username: 'alice', email: 'alice@example.com', password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      );
      expect(result).toMatchObject({ kind: 'invalid', problem: { field: 'username', taken: true } });
      expect(await sentTo('alice@example.com')).toHaveLength(1);
      clock.advance(RETRY_TTL);
      expect(await gatehouse.resetting.request('alice@example.com', ADDRESS)).toEqual({ kind: 'accepted' });
      const messages = await sentTo('alice@example.com');
      expect(messages).toHaveLength(2);
      const second = tokenIn(messages[1]!, '/register/confirm');
      expect(second).not.toBe(first);
      expect((await gatehouse.registration.confirm(second, PASSWORD, ADDRESS)).kind).toBe('confirmed');
    });

    it('an account an administrator deactivated is never enabled by its confirmation link', async () => {
      const { token } = await registerAwaiting('alice', 'alice@example.com');
      const admin = new UserAccounts(store, { clock, passwords: cheapPasswords });
      await admin.setEnabled('alice', false);
      expect(await gatehouse.registration.pendingConfirmation(token)).toBeNull();
      expect(await gatehouse.registration.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
      expect(await user('alice')).toMatchObject({ enabled: false, awaitingConfirmation: false });
      expect(eventTypes()).toEqual(['user.registered']);

      // Nor is it taken over by a sign-up: it is no longer awaiting confirmation.
      clock.advance(3600);
      expect(
        await gatehouse.registration.register(
          { username: 'mallory', email: 'alice@example.com', password: STRANGER, passwordAgain: STRANGER },
          OTHER_ADDRESS,
        ),
      ).toEqual({ kind: 'sent' });
      expect(await user('alice')).toMatchObject({ username: 'alice', enabled: false, awaitingConfirmation: false });
      expect((await sentTo('alice@example.com')).at(-1)!.subject).toBe(
        'You already have an account on auth.example.com',
      );
    });
  });

  describe('PasswordResetting', () => {
    it('e-mails a single-use link; following it sets the password (user.reset_requested, user.password_reset)', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      expect(await gatehouse.resetting.request('BOB', ADDRESS)).toEqual({ kind: 'accepted' });
      const messages = await sent();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ to: 'bob@example.com', subject: 'Reset your password for auth.example.com' });
      expect(messages[0]!.text).toContain('The link works for 30 minutes, once.');
      const token = tokenIn(messages[0]!, '/reset/password');
      expect(eventTypes()).toEqual(['user.reset_requested']);
      expectEvent(events[0], 'user.reset_requested', bob);

      clock.advance(RESET_TTL - 1);
      expect((await gatehouse.resetting.accountFor(token))?.id).toBe(bob.id);
      const result = await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS);
      expect(result).toMatchObject({ kind: 'reset', user: { id: bob.id } });
      expect(eventTypes()).toEqual(['user.reset_requested', 'user.password_reset']);
      expectEvent(events[1], 'user.password_reset', bob);

      expect(await canSignIn('bob', NEW_PASSWORD)).toBe(true);
      expect(await canSignIn('bob', PASSWORD)).toBe(false);
      // Used up.
      expect(await gatehouse.resetting.accountFor(token)).toBeNull();
      expect(
        await gatehouse.resetting.reset(token, 'yet another passphrase', 'yet another passphrase', ADDRESS),
      ).toEqual({ kind: 'link-not-usable' });
      secrets.add('yet another passphrase');
      expect(await canSignIn('bob', NEW_PASSWORD)).toBe(true);
    });

    it('the reset link stops working after resetting.token_ttl', async () => {
      await adminCreates('bob', 'bob@example.com');
      await gatehouse.resetting.request('bob@example.com', ADDRESS);
      const token = tokenIn((await sent())[0]!, '/reset/password');
      clock.advance(RESET_TTL);
      expect(await gatehouse.resetting.accountFor(token)).toBeNull();
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toEqual({
        kind: 'link-not-usable',
      });
      expect(await canSignIn('bob', PASSWORD)).toBe(true);
      expect(eventTypes()).toEqual(['user.reset_requested']);
    });

    it('resetting.retry_ttl: one e-mail per account per period; a request after it sends a new link that replaces the old one', async () => {
      await adminCreates('bob', 'bob@example.com');
      await gatehouse.resetting.request('bob', ADDRESS);
      const first = tokenIn((await sent())[0]!, '/reset/password');

      for (const wait of [0, 1, RETRY_TTL - 2]) {
        clock.advance(wait);
        expect(await gatehouse.resetting.request('bob', OTHER_ADDRESS)).toEqual({ kind: 'accepted' });
      }
      expect(await sent()).toHaveLength(1);
      expect(eventTypes()).toEqual(['user.reset_requested']);
      // Still the first link that works.
      expect(await gatehouse.resetting.accountFor(first)).not.toBeNull();

      clock.advance(1);
      await gatehouse.resetting.request('bob', ADDRESS);
      const messages = await sent();
      expect(messages).toHaveLength(2);
      const second = tokenIn(messages[1]!, '/reset/password');
      expect(second).not.toBe(first);
      expect(eventTypes()).toEqual(['user.reset_requested', 'user.reset_requested']);

      expect(await gatehouse.resetting.accountFor(first)).toBeNull();
      expect(await gatehouse.resetting.reset(first, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toEqual({
        kind: 'link-not-usable',
      });
      expect(await gatehouse.resetting.reset(second, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toMatchObject({
        kind: 'reset',
      });
    });

    it('resetting.retry_ttl 0: every request sends a new link', async () => {
      const other = gatehouseWith({ ...SETTINGS, resetting: { token_ttl: RESET_TTL, retry_ttl: 0 } });
      await adminCreates('bob', 'bob@example.com');
      await other.resetting.request('bob', ADDRESS);
      await other.resetting.request('bob', ADDRESS);
      const messages = await sent();
      expect(messages).toHaveLength(2);
      const [first, second] = messages.map((m) => tokenIn(m, '/reset/password'));
      expect(await other.resetting.accountFor(first!)).toBeNull();
      expect(await other.resetting.accountFor(second!)).not.toBeNull();
    });

    it('an unknown or overlong login is accepted the same way, and nothing is sent', async () => {
      await adminCreates('bob', 'bob@example.com');
      for (const login of ['nobody', 'nobody@example.com', 'b'.repeat(10_000)]) {
        expect(await gatehouse.resetting.request(login, ADDRESS)).toEqual({ kind: 'accepted' });
      }
      expect(await sent()).toEqual([]);
      expect(events).toEqual([]);
    });

    it('a disabled account gets no e-mail, and a link issued before it was disabled does not re-enable it', async () => {
      await adminCreates('bob', 'bob@example.com');
      await adminCreates('carol', 'carol@example.com');
      const admin = new UserAccounts(store, { clock, passwords: cheapPasswords });

      // Disabled first: the request is accepted and nothing happens.
      await admin.setEnabled('carol', false);
      expect(await gatehouse.resetting.request('carol', ADDRESS)).toEqual({ kind: 'accepted' });
      expect(await sentTo('carol@example.com')).toEqual([]);

      // Disabled after the link was sent: the link no longer works.
      await gatehouse.resetting.request('bob', ADDRESS);
      const token = tokenIn((await sentTo('bob@example.com'))[0]!, '/reset/password');
      await admin.setEnabled('bob', false);
      expect(await gatehouse.resetting.accountFor(token)).toBeNull();
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toEqual({
        kind: 'link-not-usable',
      });
      expect(await user('bob')).toMatchObject({ enabled: false, awaitingConfirmation: false });
      expect(await canSignIn('bob', NEW_PASSWORD)).toBe(false);
      // Enabled again by the administrator: the old password is still the password.
      await admin.setEnabled('bob', true);
      expect(await canSignIn('bob', PASSWORD)).toBe(true);
      expect(eventTypes()).toEqual(['user.reset_requested']);
    });

    it('an account awaiting confirmation gets a fresh confirmation e-mail instead (after retry_ttl), never a reset link', async () => {
      const { token: first } = await registerAwaiting('alice', 'alice@example.com');

      // Right after signing up: the link just sent is still fresh, nothing more is sent.
      await gatehouse.resetting.request('alice', ADDRESS);
      expect(await sentTo('alice@example.com')).toHaveLength(1);

      clock.advance(RETRY_TTL);
      expect(await gatehouse.resetting.request('alice@example.com', ADDRESS)).toEqual({ kind: 'accepted' });
      const messages = await sentTo('alice@example.com');
      expect(messages.map((m) => m.subject)).toEqual([
        'Confirm your e-mail address for auth.example.com',
        'Confirm your e-mail address for auth.example.com',
      ]);
      for (const message of messages) expect(message.text).not.toContain('/reset/password');
      const second = tokenIn(messages[1]!, '/register/confirm');
      expect(await gatehouse.registration.confirm(first, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
      expect(await gatehouse.registration.confirm(second, PASSWORD, ADDRESS)).toMatchObject({
        kind: 'confirmed',
        user: { enabled: true },
      });
      expect(eventTypes()).toEqual(['user.registered', 'user.confirmed']);
      expect(await store.driver.all("SELECT * FROM account_tokens WHERE purpose = 'reset'")).toEqual([]);
    });

    it('a bad new password is refused and the link keeps working', async () => {
      await adminCreates('bob', 'bob@example.com');
      await gatehouse.resetting.request('bob', ADDRESS);
      const token = tokenIn((await sent())[0]!, '/reset/password');
      expect(await gatehouse.resetting.reset(token, 'short', 'short', ADDRESS)).toMatchObject({ kind: 'invalid' });
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, `${NEW_PASSWORD}!`, ADDRESS)).toEqual({
        kind: 'invalid',
        message: 'the two passwords do not match',
        user: await user('bob'),
      });
      expect(await gatehouse.resetting.reset(token, 'bob@example.com', 'bob@example.com', ADDRESS)).toMatchObject({
        kind: 'invalid',
      });
      expect(await canSignIn('bob', PASSWORD)).toBe(true);
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toMatchObject({
        kind: 'reset',
      });
    });

    it('a reset signs the user out everywhere, revokes their tokens and forgets their sign-in failures', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      const app = (
        await new ClientRegistry(store, clock).create({ name: 'app', grantTypes: ['password', 'refresh_token'] })
      ).client;
      await store.issueTokens({
        accessToken: {
          tokenHash: 'at-bob',
          jti: 'j1',
          familyId: 'f1',
          clientId: app.id,
          userId: bob.id,
          scope: '',
          issuedAt: T,
          expiresAt: T + 3600,
          revokedAt: null,
        },
        refreshToken: {
          tokenHash: 'rt-bob',
          familyId: 'f1',
          parentHash: null,
          clientId: app.id,
          userId: bob.id,
          scope: '',
          issuedAt: T,
          expiresAt: T + 86_400,
          consumedAt: null,
          revokedAt: null,
        },
      });
      const session = await gatehouse.sessions.start(bob.id);
      // Two wrong passwords from this address: one more would block.
      for (let i = 0; i < THRESHOLD; i++) expect((await signIn(gatehouse, 'bob', WRONG, ADDRESS)).kind).toBe('refused');

      await gatehouse.resetting.request('bob', ADDRESS);
      const token = tokenIn((await sent())[0]!, '/reset/password');
      clock.advance(5);
      await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS);

      expect(await gatehouse.sessions.resume(session.cookieValue)).toBeNull();
      expect((await store.findAccessToken('at-bob'))?.revokedAt).toBe(T + 5);
      expect((await store.findRefreshToken('rt-bob'))?.revokedAt).toBe(T + 5);
      // The failures before the reset no longer count: two more wrong passwords are plain refusals.
      for (let i = 0; i < THRESHOLD; i++) expect((await signIn(gatehouse, 'bob', WRONG, ADDRESS)).kind).toBe('refused');
      expect((await signIn(gatehouse, 'bob', NEW_PASSWORD, ADDRESS)).kind).toBe('signed-in');
    });
  });

  describe('the mail forms are throttled per address', () => {
    const LIMIT = THRESHOLD * 4;

    it(`after ${LIMIT} requests from one address the forms answer "throttled"; other addresses are not affected`, async () => {
      await adminCreates('bob', 'bob@example.com');
      // Like a sign-in: the first 4×threshold requests are free, the next one is still served
      // but starts a block, and the one after is refused.
      for (let n = 1; n <= LIMIT + 1; n++) {
        expect(await gatehouse.resetting.request(`nobody${n}`, ADDRESS), `request ${n}`).toEqual({ kind: 'accepted' });
      }
      const throttled = await gatehouse.resetting.request('bob', ADDRESS);
      expect(throttled).toEqual({ kind: 'throttled', retryAfter: 2 });

      // Sign-up shares the counter: refused too, nothing created, nothing sent.
      const signUp = await gatehouse.registration.register(
        { username: 'carol', email: 'carol@example.com', password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      );
      expect(signUp).toEqual({ kind: 'throttled', retryAfter: 2 });
      expect(await store.findUserByLogin('carol')).toBeNull();
      expect(await sent()).toEqual([]);
      expect(events).toEqual([]);

      // Another address is served.
      expect(await gatehouse.resetting.request('bob', OTHER_ADDRESS)).toEqual({ kind: 'accepted' });
      expect(await sentTo('bob@example.com')).toHaveLength(1);

      // Not forever: once the block is over, the address may ask again.
      clock.advance(2);
      expect(
        await gatehouse.registration.register(
          { username: 'carol', email: 'carol@example.com', password: PASSWORD, passwordAgain: PASSWORD },
          ADDRESS,
        ),
      ).toEqual({
        kind: 'sent',
      });
    });

    it('every request counts, whether or not it sent anything, and sign-ups and resets count together', async () => {
      for (let n = 1; n <= LIMIT / 2; n++) {
        await gatehouse.registration.register(
          { username: 'x!', email: 'bad', password: '', passwordAgain: '' },
          ADDRESS,
        );
      }
      for (let n = LIMIT / 2 + 1; n <= LIMIT + 1; n++) await gatehouse.resetting.request('nobody', ADDRESS);
      expect(await gatehouse.resetting.request('nobody', ADDRESS)).toMatchObject({ kind: 'throttled' });
    });
  });

  describe('Profile', () => {
    it('update: a new username is saved at once; a new e-mail address only waits for its link (to the new address), the old one is told', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      const result = await gatehouse.profile.update(
        bob,
        { username: 'robert', email: 'robert@example.com', currentPassword: PASSWORD },
        ADDRESS,
      );
      expect(result).toMatchObject({
        kind: 'updated',
        emailChangeRequested: true,
        user: { id: bob.id, username: 'robert', email: 'bob@example.com' },
      });
      expect(await user('robert')).toMatchObject({
        id: bob.id,
        usernameCanonical: 'robert',
        email: 'bob@example.com',
        emailCanonical: 'bob@example.com',
      });
      expect(await store.findUserByLogin('bob')).toBeNull();
      expect(await store.findUserByLogin('robert@example.com')).toBeNull();

      const messages = await sent();
      expect(messages.map((m) => [m.to, m.subject])).toEqual([
        ['robert@example.com', 'Confirm your new e-mail address for auth.example.com'],
        ['bob@example.com', 'A change of your e-mail address on auth.example.com was asked for'],
      ]);
      expect(messages[1]!.text).toContain('robert@example.com');
      tokenIn(messages[0]!, '/account/email/confirm');

      expect(events.map((e) => [e.type, e.details])).toEqual([
        ['user.profile_updated', { changed: 'username' }],
        ['user.email_change_requested', undefined],
      ]);
      expectEvent(events[0], 'user.profile_updated', (result as { user: UserRecord }).user, { changed: 'username' });
    });

    it('update: only the username changes: no e-mail; nothing changes: no event', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      const renamed = await gatehouse.profile.update(
        bob,
        { username: 'bobby', email: 'bob@example.com', currentPassword: PASSWORD },
        ADDRESS,
      );
      expect(renamed.kind).toBe('updated');
      expect(await sent()).toEqual([]);
      expect(events.map((e) => [e.type, e.details])).toEqual([['user.profile_updated', { changed: 'username' }]]);

      const same = await gatehouse.profile.update(
        (renamed as { user: UserRecord }).user,
        { username: 'bobby', email: 'bob@example.com', currentPassword: PASSWORD },
        ADDRESS,
      );
      expect(same.kind).toBe('updated');
      expect(events).toHaveLength(1);
    });

    it("update: a wrong current password changes nothing; someone else's username is refused only with the right password", async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      await adminCreates('carol', 'carol@example.com');
      expect(
        await gatehouse.profile.update(
          bob,
          { username: 'robert', email: 'bob@example.com', currentPassword: WRONG },
          ADDRESS,
        ),
      ).toEqual({
        kind: 'invalid',
        problem: { field: 'current_password', message: 'the current password is incorrect' },
      });
      expect(
        await gatehouse.profile.update(
          bob,
          { username: 'Carol', email: 'bob@example.com', currentPassword: PASSWORD },
          ADDRESS,
        ),
      ).toMatchObject({
        kind: 'invalid',
        problem: { field: 'username', taken: true },
      });
      expect(await user('bob')).toMatchObject({ username: 'bob', email: 'bob@example.com' });
      expect(await sent()).toEqual([]);
      expect(events).toEqual([]);
    });

    it('changePassword: needs the current password, ends every session, e-mails a notice; user.password_changed', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      const session = await gatehouse.sessions.start(bob.id);
      expect(
        await gatehouse.profile.changePassword(
          bob,
          { currentPassword: WRONG, password: NEW_PASSWORD, passwordAgain: NEW_PASSWORD },
          ADDRESS,
        ),
      ).toMatchObject({ kind: 'invalid', problem: { field: 'current_password' } });
      expect(
        await gatehouse.profile.changePassword(
          bob,
          { currentPassword: PASSWORD, password: NEW_PASSWORD, passwordAgain: 'something else' },
          ADDRESS,
        ),
      ).toMatchObject({ kind: 'invalid', problem: { field: 'password' } });
      expect(await gatehouse.sessions.resume(session.cookieValue)).not.toBeNull();
      expect(events).toEqual([]);

      const result = await gatehouse.profile.changePassword(
        bob,
        { currentPassword: PASSWORD, password: NEW_PASSWORD, passwordAgain: NEW_PASSWORD },
        ADDRESS,
      );
      expect(result.kind).toBe('updated');
      expect(await canSignIn('bob', NEW_PASSWORD)).toBe(true);
      expect(await canSignIn('bob', PASSWORD)).toBe(false);
      expect(await gatehouse.sessions.resume(session.cookieValue)).toBeNull();

      const messages = await sent();
      expect(messages.map((m) => [m.to, m.subject])).toEqual([
        ['bob@example.com', 'Your password for auth.example.com was changed'],
      ]);
      expect(events).toHaveLength(1);
      expectEvent(events[0], 'user.password_changed', bob);
    });

    it('wrong current passwords count like failed sign-ins: past the threshold the profile answers "throttled"', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      for (let n = 1; n <= THRESHOLD + 1; n++) {
        expect(
          (
            await gatehouse.profile.changePassword(
              bob,
              { currentPassword: WRONG, password: NEW_PASSWORD, passwordAgain: NEW_PASSWORD },
              ADDRESS,
            )
          ).kind,
        ).toBe('invalid');
      }
      expect(
        await gatehouse.profile.update(
          bob,
          { username: 'robert', email: 'bob@example.com', currentPassword: PASSWORD },
          ADDRESS,
        ),
      ).toEqual({
        kind: 'throttled',
        retryAfter: 2,
        cause: 'password',
      });
      expect(await user('bob')).toMatchObject({ username: 'bob' });
      expect(events).toEqual([]);
    });

    it('grants and revokeGrant: the app is disconnected (tokens revoked, consent forgotten); user.grant_revoked once', async () => {
      const bob = await adminCreates('bob', 'bob@example.com');
      const carol = await adminCreates('carol', 'carol@example.com');
      const app = (
        await new ClientRegistry(store, clock).create({ name: 'Notes', redirectUris: ['https://notes.example.com/cb'] })
      ).client;
      await store.saveConsent({ userId: bob.id, clientId: app.id, scopes: [], grantedAt: T });
      await store.saveConsent({ userId: carol.id, clientId: app.id, scopes: [], grantedAt: T });
      const token = (hash: string, userId: string) => ({
        accessToken: {
          tokenHash: hash,
          jti: hash,
          familyId: hash,
          clientId: app.id,
          userId,
          scope: '',
          issuedAt: T,
          expiresAt: T + 3600,
          revokedAt: null,
        },
      });
      await store.issueTokens(token('at-bob', bob.id));
      await store.issueTokens(token('at-carol', carol.id));

      const grants = await gatehouse.profile.grants(bob);
      expect(grants).toEqual([expect.objectContaining({ clientId: app.id, clientName: 'Notes', liveTokens: 1 })]);

      clock.advance(10);
      expect(await gatehouse.profile.revokeGrant(bob, app.id, ADDRESS)).toBe(true);
      expect(await gatehouse.profile.grants(bob)).toEqual([]);
      expect((await store.findAccessToken('at-bob'))?.revokedAt).toBe(T + 10);
      expect(await store.findConsent(bob.id, app.id)).toBeNull();
      // Carol's access is hers.
      expect((await store.findAccessToken('at-carol'))?.revokedAt).toBeNull();
      expect(await store.findConsent(carol.id, app.id)).not.toBeNull();

      expect(events).toHaveLength(1);
      expectEvent(events[0], 'user.grant_revoked', bob, { client_id: app.id });

      // Nothing left to revoke, or an unknown app: false, no event.
      expect(await gatehouse.profile.revokeGrant(bob, app.id, ADDRESS)).toBe(false);
      expect(await gatehouse.profile.revokeGrant(bob, 'no-such-app', ADDRESS)).toBe(false);
      expect(events).toHaveLength(1);
    });
  });

  describe('events', () => {
    it('a failing listener does not break the action', async () => {
      gatehouse.events.on(() => {
        throw new Error('listener down');
      });
      await adminCreates('bob', 'bob@example.com');
      expect(await gatehouse.resetting.request('bob', ADDRESS)).toEqual({ kind: 'accepted' });
      expect(await sent()).toHaveLength(1);
      expect(eventTypes()).toEqual(['user.reset_requested']);
    });

    it('close() lets queued e-mails go out and closes the mailer', async () => {
      await adminCreates('bob', 'bob@example.com');
      await gatehouse.resetting.request('bob', ADDRESS);
      await gatehouse.close();
      expect(mailer.messages).toHaveLength(1);
      expect(mailer.closed).toBe(true);
    });
  });
});
