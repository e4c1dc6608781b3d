/**
 * The sign-up form must not tell whether an e-mail address has an account (security review,
 * issue 14), with confirmation on: neither by its answer to one request, nor by what a second
 * request is answered after a first (a username held or not), nor by the work done before the
 * answer. Registration as the Gatehouse class wires it, on a real SQLite store, with a
 * hand-moved clock and a Mailer that collects messages.
 *
 * "bob" (bob@example.com) has a confirmed account; free@example.com has none.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import type { Store } from '../storage/store.js';
import { signIn } from './authenticate.js';
import type { Mailer, MailMessage } from './mail/mailer.js';
import type { RegistrationResult } from './registration.js';
import { isReservation, reservationAddress } from './sign-up-reservation.js';
import { AccountError, UserAccounts } from './users.js';

const T = 1_800_000_000;
const ADDRESS = '203.0.113.7';
const PASSWORD = 'correct horse battery staple';
const CONFIRM_TTL = 3600;

class CapturingMailer implements Mailer {
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {}
}

/** Store methods that write. */
const WRITES = new Set(['createUser', 'updateUser', 'updateUserRevoking', 'issueAccountToken', 'deleteUser']);

describe('sign-up answers do not reveal which addresses have accounts', () => {
  let db: TestStore;
  let clock: ManualClock;
  let mailer: CapturingMailer;
  let gatehouse: Services;
  /** Store calls (method names) while `recording`. */
  let calls: string[];
  let recording: boolean;
  /** Runs before each store call of the Gatehouse (a race staged between its read and its write). */
  let beforeCall: ((method: string) => Promise<void>) | undefined;

  beforeEach(async () => {
    db = await createSqliteStore();
    clock = new ManualClock(T);
    mailer = new CapturingMailer();
    calls = [];
    recording = false;
    beforeCall = undefined;
    // The store as the Gatehouse sees it, with every method call noted while recording.
    const watched = new Proxy(db.store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (recording) calls.push(String(name));
          const hook = beforeCall;
          if (hook) await hook(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Store;
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({
        issuer: 'https://auth.example.com',
        // Room for many sign-ups from one address.
        login_throttle_threshold: 100,
        registration: { enabled: true, confirmation: true, token_ttl: CONFIRM_TTL },
      }),
      store: watched,
      clock,
      mailer,
    });
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'bob',
      email: 'bob@example.com',
      password: PASSWORD,
    });
  });

  afterEach(async () => {
    await gatehouse?.close();
    await db?.cleanup();
  });

  /** One sign-up, then everything it does after its answer. */
  async function register(username: string, email: string, password = PASSWORD): Promise<RegistrationResult> {
    const result = await gatehouse.registration.register(
      { username, email, password, passwordAgain: password },
      ADDRESS,
    );
    await settle();
    return result;
  }

  async function settle(): Promise<MailMessage[]> {
    for (const part of [gatehouse.registration, gatehouse.resetting] as Array<{ idle?: () => Promise<void> }>)
      await part.idle?.();
    await gatehouse.mail.idle();
    return mailer.messages;
  }

  const signInKind = async (login: string, password = PASSWORD) =>
    (await signIn({ store: db.store, passwords: gatehouse.passwords }, login, password, ADDRESS)).kind;

  it("a sign-up racing the owner's confirmation does not take over the account it has become", async () => {
    expect(await register('carol', 'carol@example.com')).toEqual({ kind: 'sent' });
    const carol = (await db.store.findUserByLogin('carol'))!;
    expect(carol.awaitingConfirmation).toBe(true);
    // Another sign-up with carol's address reads her account as pending; just before it writes
    // the takeover, carol confirms (another node, the same moment).
    beforeCall = async (method) => {
      if (method !== 'updateUser') return;
      beforeCall = undefined;
      await db.store.updateUser(carol.id, { enabled: true, awaitingConfirmation: false }, clock.now());
    };
    const other = await gatehouse.registration.register(
      {
        username: 'mallory',
        email: 'carol@example.com',
        password: 'mallorys own passphrase',
        passwordAgain: 'mallorys own passphrase',
      },
      ADDRESS,
    );
    expect(other).toEqual({ kind: 'sent' });
    await settle();
    const after = (await db.store.findUserById(carol.id))!;
    expect({ username: after.username, passwordHash: after.passwordHash, enabled: after.enabled }).toEqual({
      username: 'carol',
      passwordHash: carol.passwordHash,
      enabled: true,
    });
    expect(await signInKind('carol')).toBe('signed-in');
    expect(await signInKind('carol@example.com', 'mallorys own passphrase')).toBe('refused');
  });

  it('a taken username is "taken" whatever the address, even its own account\'s (no username/address pairing oracle)', async () => {
    const withItsAddress = await register('bob', 'bob@example.com');
    const withAnother = await register('bob', 'someone@example.com');
    const withFree = await register('BOB', 'free@example.com');
    expect(withItsAddress).toEqual(withAnother);
    expect(withFree).toEqual(withAnother);
    expect(withAnother).toMatchObject({ kind: 'invalid', problem: { field: 'username', taken: true } });

    // The same for a sign-up still awaiting confirmation.
    expect(await register('pat', 'pat@example.com')).toEqual({ kind: 'sent' });
    expect(await register('pat', 'pat@example.com')).toEqual(await register('pat', 'other@example.com'));
  });

  it('a username tried with a taken address is then held exactly as with a free one (no reservation oracle)', async () => {
    const probe = async (email: string, n: number) => [
      await register(`probe${n}`, email),
      await register(`probe${n}`, `elsewhere${n}@example.com`),
      await signInKind(`probe${n}`),
      await signInKind(`probe${n}`, 'not the password'),
    ];
    const taken = await probe('bob@example.com', 1);
    const free = await probe('free@example.com', 2);
    expect(taken).toEqual(free);
    expect(taken).toEqual([
      { kind: 'sent' },
      {
        kind: 'invalid',
        problem: { field: 'username', message: 'a user with this username already exists', taken: true },
      },
      'unconfirmed',
      'refused',
    ]);

    // A later sign-up with the address moves the name in both cases, freeing the first one.
    const moved = async (email: string, n: number) => [
      await register(`mover${n}`, email),
      await register(`probe${n}`, `again${n}@example.com`),
    ];
    expect(await moved('bob@example.com', 1)).toEqual(await moved('free@example.com', 2));
    expect(await register('probe1', 'again1b@example.com')).toEqual({
      kind: 'invalid',
      problem: expect.objectContaining({ taken: true }),
    });
  });

  it('the reservation: unusable, its owner gets the notice and no link, one per address, gone with its link like an unconfirmed sign-up', async () => {
    for (let n = 1; n <= 5; n++)
      expect(await register(`squatter${n}`, 'BOB@example.com', `squatter password ${n}`)).toEqual({ kind: 'sent' });
    const users = await db.store.listUsers();
    // Bob's account as it was, and one reservation holding the latest username.
    expect(users.map((u) => [u.username, u.enabled, u.awaitingConfirmation, isReservation(u)])).toEqual([
      ['bob', true, false, false],
      ['squatter5', false, true, true],
    ]);
    const reservation = users[1]!;
    expect(reservation.email).toBe(reservationAddress('bob@example.com'));
    expect(reservation.email).toMatch(/@reserved\.invalid$/);
    expect(await signInKind('squatter5', 'squatter password 5')).toBe('unconfirmed');
    expect(await signInKind('bob')).toBe('signed-in');

    // Nothing is ever sent to the stand-in address, not even by the reset form; Bob gets notices only.
    expect((await gatehouse.resetting.request('squatter5', ADDRESS)).kind).toBe('accepted');
    const messages = await settle();
    expect(messages.every((m) => m.to === 'bob@example.com')).toBe(true);
    expect(messages.every((m) => /^You already have an account on /.test(m.subject))).toBe(true);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThan(5);

    // An administrator cannot turn it into an account.
    await expect(
      new UserAccounts(db.store, { clock, passwords: cheapPasswords }).setEnabled('squatter5', true),
    ).rejects.toThrow(AccountError);

    // Like a sign-up never confirmed: deleted once its link has expired (and an hour has passed).
    await register('pending', 'free@example.com');
    clock.advance(CONFIRM_TTL);
    const cleaned = await db.store.deleteExpired(clock.now());
    expect(cleaned.unconfirmedUsers).toBe(2);
    expect((await db.store.listUsers()).map((u) => u.username)).toEqual(['bob']);
    expect(await register('squatter5', 'someone@example.com')).toEqual({ kind: 'sent' });
  });

  it('before the answer a new and a taken address make the same store calls, none of them a write; nothing is sent until after', async () => {
    gatehouse.registration.tasks.pause();
    const callsBeforeAnswer = async (username: string, email: string) => {
      calls = [];
      recording = true;
      const result = await gatehouse.registration.register(
        { username, email, password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      );
      recording = false;
      return { result, calls };
    };
    const free = await callsBeforeAnswer('newcomer', 'free@example.com');
    const taken = await callsBeforeAnswer('another', 'bob@example.com');
    expect(taken).toEqual(free);
    expect(free.result).toEqual({ kind: 'sent' });
    expect(free.calls.filter((name) => WRITES.has(name))).toEqual([]);
    await gatehouse.mail.idle();
    expect(mailer.messages).toEqual([]);
    expect(await db.store.findUserByLogin('newcomer')).toBeNull();

    // Then both are stored and their e-mails go out.
    gatehouse.registration.tasks.resume();
    expect((await settle()).map((m) => m.to).sort()).toEqual(['bob@example.com', 'free@example.com']);
    expect(await db.store.findUserByLogin('newcomer')).toMatchObject({ awaitingConfirmation: true });
    expect(await db.store.findUserByLogin('another')).toMatchObject({ awaitingConfirmation: true });
  });

  it('the answer does not wait for the mail server', async () => {
    const stuck: Mailer = { send: () => new Promise<void>(() => {}), close: async () => {} };
    const other = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ issuer: 'https://auth.example.com', registration: { enabled: true } }),
      store: db.store,
      clock,
      mailer: stuck,
    });
    expect(
      await other.registration.register(
        { username: 'stuck', email: 'stuck@example.com', password: PASSWORD, passwordAgain: PASSWORD },
        ADDRESS,
      ),
    ).toEqual({
      kind: 'sent',
    });
    await other.registration.idle();
    expect(other.mail.queueState.queued).toBe(1);
    expect(await db.store.findUserByLogin('stuck')).toMatchObject({ awaitingConfirmation: true });
  });
});
