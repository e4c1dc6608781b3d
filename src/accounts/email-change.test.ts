/**
 * The account page's profile form and the e-mail change link (Profile.update, EmailChange),
 * without HTTP, on both engines: the current password comes before anything that depends on
 * other accounts, a new e-mail address is always answered the same, and it changes only when
 * the link sent to it is followed with the account's password.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import { SecurityEvents, type SecurityEvent } from '../audit/events.js';
import type { Store, UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import type { Mailer, MailMessage } from './mail/mailer.js';
import { UserAccounts } from './users.js';

const T = 1_800_000_000;
const ADDRESS = '203.0.113.7';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const WRONG = 'not my password at all';
const LINK_TTL = 3600;
const THRESHOLD = 2;
const SUBJECTS = {
  link: 'Confirm your new e-mail address for auth.example.com',
  requested: 'A change of your e-mail address on auth.example.com was asked for',
  inUse: 'Your e-mail address on auth.example.com was given for another account',
  changed: 'Your e-mail address on auth.example.com was changed',
};

class CapturingMailer implements Mailer {
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {}
}

describeEachEngine('e-mail change and the profile form', (factory) => {
  let db: TestStore;
  let store: Store;
  let clock: ManualClock;
  let mailer: CapturingMailer;
  let gatehouse: Services;
  let events: SecurityEvent[];
  let bob: UserRecord;
  let carol: UserRecord;

  beforeEach(async () => {
    db = await factory.createStore();
    store = db.store;
    clock = new ManualClock(T);
    mailer = new CapturingMailer();
    events = [];
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({
        issuer: 'https://auth.example.com',
        login_throttle_threshold: THRESHOLD,
        login_throttle_max_delay: 60,
        registration: { token_ttl: LINK_TTL },
      }),
      store,
      clock,
      mailer,
      auditLog: false,
    });
    gatehouse.events.on((event) => events.push(event));
    const admin = new UserAccounts(store, {
      clock,
      passwordPolicy: { minLength: 8, maxLength: 4096 },
      events: new SecurityEvents(),
    });
    bob = await admin.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
    carol = await admin.create({ username: 'carol', email: 'carol@example.com', password: PASSWORD });
  });

  afterEach(async () => {
    try {
      const everything = JSON.stringify({ events, messages: mailer.messages });
      for (const secret of [PASSWORD, NEW_PASSWORD, WRONG]) expect(everything).not.toContain(secret);
    } finally {
      await gatehouse?.close();
      await db?.cleanup();
    }
  });

  async function sent(): Promise<Array<[string, string]>> {
    await gatehouse.mail.idle();
    return mailer.messages.map((m) => [m.to, m.subject]);
  }

  /** The token of the one e-mail change link sent to `to`. */
  async function linkTo(to: string): Promise<string> {
    await gatehouse.mail.idle();
    const links = mailer.messages.filter((m) => m.to === to && m.subject === SUBJECTS.link);
    expect(links).toHaveLength(1);
    const url = new URL(/https:\/\/\S+/.exec(links[0]!.text)![0]);
    expect(url.origin + url.pathname).toBe('https://auth.example.com/account/email/confirm');
    return url.searchParams.get('token')!;
  }

  const update = (user: UserRecord, username: string, email: string, currentPassword = PASSWORD) =>
    gatehouse.profile.update(user, { username, email, currentPassword }, ADDRESS);
  const stored = async (id: string) => (await store.findUserById(id))!;
  const canSignIn = async (login: string) =>
    (await signIn({ store, passwords: gatehouse.passwords }, login, PASSWORD, ADDRESS)).kind === 'signed-in';

  it('the current password comes first: with a wrong one, a taken username or address is answered exactly like a free one', async () => {
    const wrong = {
      kind: 'invalid',
      problem: { field: 'current_password', message: 'the current password is incorrect' },
    };
    expect(await update(bob, 'carol', 'bob@example.com', WRONG)).toEqual(wrong);
    expect(await update(bob, 'nobody-has-this', 'bob@example.com', WRONG)).toEqual(wrong);
    clock.advance(61);
    expect(await update(bob, 'bob', 'carol@example.com', WRONG)).toEqual(wrong);
    expect(await update(bob, 'bob', 'free@example.com', WRONG)).toEqual(wrong);
    expect(await sent()).toEqual([]);
    expect(await stored(bob.id)).toMatchObject({ username: 'bob', email: 'bob@example.com' });
  });

  it('wrong current passwords are counted like sign-ins (per account and address): past the threshold the form answers "throttled" before any lookup', async () => {
    for (let n = 1; n <= THRESHOLD + 1; n++)
      expect((await update(bob, 'carol', 'bob@example.com', WRONG)).kind).toBe('invalid');
    expect(await update(bob, 'carol', 'bob@example.com')).toEqual({
      kind: 'throttled',
      retryAfter: 2,
      cause: 'password',
    });
    // The sign-in form of the same account and address is held back too.
    expect((await signIn(gatehouse, 'bob', PASSWORD, ADDRESS)).kind).toBe('throttled');
    expect(await stored(bob.id)).toMatchObject({ username: 'bob' });
  });

  it('a taken username is said only once the password is proven', async () => {
    expect(await update(bob, 'Carol', 'bob@example.com')).toEqual({
      kind: 'invalid',
      problem: { field: 'username', message: 'a user with this username already exists', taken: true },
    });
    // Nor may a username be someone's e-mail address (logins take either).
    expect(await sent()).toEqual([]);
  });

  it('a new address is answered the same whether it is free or has an account; the link goes only to a free one, the holder gets a notice', async () => {
    const free = await update(bob, 'bob', 'bob.new@example.com');
    const taken = await update(bob, 'bob', 'CAROL@example.com');
    expect(free).toEqual({ kind: 'updated', emailChangeRequested: true, user: bob });
    expect(taken).toEqual(free);
    expect(await sent()).toEqual([
      ['bob.new@example.com', SUBJECTS.link],
      ['bob@example.com', SUBJECTS.requested],
      ['carol@example.com', SUBJECTS.inUse],
      ['bob@example.com', SUBJECTS.requested],
    ]);
    const notice = mailer.messages[2]!;
    expect(notice.text).toContain('It already belongs to your account, whose username is carol');
    expect(notice.text).not.toContain('bob');
    expect(notice.text).not.toMatch(/https?:/);
    // Nothing changed for either account.
    expect(await stored(bob.id)).toMatchObject({ email: 'bob@example.com' });
    expect(await stored(carol.id)).toMatchObject({ email: 'carol@example.com' });
    expect(events.map((e) => e.type).filter((type) => type.startsWith('user.'))).toEqual([
      'user.email_change_requested',
      'user.email_change_requested',
    ]);
  });

  it('notices to the holder of a taken address are rate-limited like the sign-up notice: two at once, then none for a while', async () => {
    for (let n = 0; n < 4; n++)
      expect(await update(bob, 'bob', 'carol@example.com')).toMatchObject({
        kind: 'updated',
        emailChangeRequested: true,
      });
    const toCarol = (await sent()).filter(([to]) => to === 'carol@example.com');
    expect(toCarol).toEqual([
      ['carol@example.com', SUBJECTS.inUse],
      ['carol@example.com', SUBJECTS.inUse],
    ]);
  });

  it('e-mail change requests are counted per address like the mail forms', async () => {
    for (let n = 1; n <= THRESHOLD * 4 + 1; n++)
      expect((await update(bob, 'bob', `bob${n}@example.com`)).kind, `request ${n}`).toBe('updated');
    expect(await update(bob, 'bob', 'bob.last@example.com')).toEqual({
      kind: 'throttled',
      retryAfter: 2,
      cause: 'mail',
    });
  });

  it('following the link with the password changes the address; the old one is told; the link works once', async () => {
    await update(bob, 'bob', 'Bob.New@example.com');
    const token = await linkTo('Bob.New@example.com');
    expect(await stored(bob.id)).toMatchObject({ email: 'bob@example.com' });
    expect(await gatehouse.profile.emailChange.pending(token)).toMatchObject({
      user: { id: bob.id },
      newEmail: 'Bob.New@example.com',
    });

    clock.advance(LINK_TTL - 1);
    const result = await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS);
    expect(result).toMatchObject({
      kind: 'changed',
      user: { id: bob.id, email: 'Bob.New@example.com', emailCanonical: 'bob.new@example.com' },
    });
    expect(await stored(bob.id)).toMatchObject({ email: 'Bob.New@example.com', emailCanonical: 'bob.new@example.com' });
    expect(await canSignIn('bob.new@example.com')).toBe(true);
    expect(await canSignIn('bob@example.com')).toBe(false);
    const messages = await sent();
    expect(messages.at(-1)).toEqual(['bob@example.com', SUBJECTS.changed]);
    expect(events.at(-1)).toMatchObject({
      type: 'user.profile_updated',
      userId: bob.id,
      details: { changed: 'email' },
    });

    // Used up.
    expect(await gatehouse.profile.emailChange.pending(token)).toBeNull();
    expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
  });

  it('a wrong password confirms nothing and is counted; the link keeps working', async () => {
    await update(bob, 'bob', 'bob.new@example.com');
    const token = await linkTo('bob.new@example.com');
    expect(await gatehouse.profile.emailChange.confirm(token, WRONG, ADDRESS)).toMatchObject({
      kind: 'wrong-password',
      pending: { newEmail: 'bob.new@example.com' },
    });
    expect(await stored(bob.id)).toMatchObject({ email: 'bob@example.com' });
    for (let n = 2; n <= THRESHOLD + 1; n++) await gatehouse.profile.emailChange.confirm(token, WRONG, ADDRESS);
    expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toMatchObject({
      kind: 'throttled',
      retryAfter: 2,
    });
    clock.advance(2);
    expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toMatchObject({ kind: 'changed' });
  });

  it('the link expires; a newer request replaces it; a made-up or overlong one does nothing', async () => {
    await update(bob, 'bob', 'first@example.com');
    const first = await linkTo('first@example.com');
    await update(bob, 'bob', 'second@example.com');
    const second = await linkTo('second@example.com');
    expect(await gatehouse.profile.emailChange.confirm(first, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
    for (const token of ['x'.repeat(43), 'y'.repeat(10_000), ''])
      expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toEqual({
        kind: 'link-not-usable',
      });
    clock.advance(LINK_TTL);
    expect(await gatehouse.profile.emailChange.confirm(second, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
    expect(await stored(bob.id)).toMatchObject({ email: 'bob@example.com' });
  });

  it('an address taken by someone else after the link was sent: the confirmation fails cleanly and the link is used up', async () => {
    await update(bob, 'bob', 'shared@example.com');
    const token = await linkTo('shared@example.com');
    await new UserAccounts(store, { clock, passwords: cheapPasswords }).create({
      username: 'dave',
      email: 'SHARED@example.com',
      password: PASSWORD,
    });
    expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'address-taken' });
    expect(await stored(bob.id)).toMatchObject({ email: 'bob@example.com' });
    expect(await gatehouse.profile.emailChange.pending(token)).toBeNull();
  });

  it('a hijacked session asked for the change: once the owner changes the password, the link is void', async () => {
    await update(bob, 'bob', 'thief@example.com');
    const token = await linkTo('thief@example.com');
    await gatehouse.profile.changePassword(
      bob,
      { currentPassword: PASSWORD, password: NEW_PASSWORD, passwordAgain: NEW_PASSWORD },
      ADDRESS,
    );
    // The password change voided every link sent before, so not even the new password confirms it.
    expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
    expect(await gatehouse.profile.emailChange.confirm(token, NEW_PASSWORD, ADDRESS)).toEqual({
      kind: 'link-not-usable',
    });
    expect(await stored(bob.id)).toMatchObject({ email: 'bob@example.com' });
  });

  it('an account disabled after the request: the link does not work', async () => {
    await update(bob, 'bob', 'bob.new@example.com');
    const token = await linkTo('bob.new@example.com');
    await new UserAccounts(store, { clock, passwords: cheapPasswords }).setEnabled('bob', false);
    expect(await gatehouse.profile.emailChange.confirm(token, PASSWORD, ADDRESS)).toEqual({ kind: 'link-not-usable' });
  });

  it('usernames: NFKC when saved, and a mix of look-alike scripts is refused before the password is even checked', async () => {
    expect(await update(bob, 'p\u0430ypal', 'bob@example.com')).toMatchObject({
      kind: 'invalid',
      problem: { field: 'username', message: expect.stringContaining('Cyrillic, Latin') },
    });
    const renamed = await update(bob, '\uFF42\uFF4F\uFF42\uFF42\uFF59', 'bob@example.com');
    expect(renamed).toMatchObject({ kind: 'updated', user: { username: 'bobby', usernameCanonical: 'bobby' } });
    expect(await stored(bob.id)).toMatchObject({ username: 'bobby' });
  });
});
