/**
 * UserAccounts (the administrator's CLI actions) on a real SQLite store: each action announces
 * exactly one event with actor 'admin' and no address, and deactivating an account that awaits
 * confirmation means its confirmation link can no longer enable it.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import type { SqlStore } from '../storage/sql-store.js';
import { SecurityEvents, type SecurityEvent } from '../audit/events.js';
import type { Mailer, MailMessage } from './mail/mailer.js';
import { AccountError, UserAccounts } from './users.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';

describe('UserAccounts events', () => {
  let db: TestStore;
  let store: SqlStore;
  let clock: ManualClock;
  let events: SecurityEvent[];
  let accounts: UserAccounts;

  beforeEach(async () => {
    db = await createSqliteStore();
    store = db.store;
    clock = new ManualClock(T);
    events = [];
    const bus = new SecurityEvents();
    bus.on((event) => events.push(event));
    accounts = new UserAccounts(store, { clock, events: bus, passwords: cheapPasswords });
  });

  afterEach(async () => {
    try {
      const everything = JSON.stringify(events);
      for (const secret of [PASSWORD, NEW_PASSWORD, '$argon2']) expect(everything).not.toContain(secret);
    } finally {
      await db?.cleanup();
    }
  });

  /** Runs `action` and returns the one event it announced. */
  async function oneEvent(action: () => Promise<unknown>): Promise<SecurityEvent> {
    const before = events.length;
    await action();
    expect(events.length - before, 'events announced').toBe(1);
    return events[events.length - 1]!;
  }

  it('the bus given to the constructor is the one exposed as `events`; a default one exists', () => {
    expect(accounts.events).toBeInstanceOf(SecurityEvents);
    expect(new UserAccounts(store, { passwords: cheapPasswords }).events).toBeInstanceOf(SecurityEvents);
  });

  it('create, activate, deactivate, promote, demote, change-password and delete each announce one event, by the admin', async () => {
    const created = await accounts.create({ username: 'alice', email: 'alice@example.com', password: PASSWORD });
    const base = { userId: created.id, username: 'alice', actor: 'admin' } as const;
    expect(events).toEqual([{ type: 'user.created', ...base, at: T }]);

    clock.advance(1);
    expect(await oneEvent(() => accounts.setEnabled('alice', false))).toEqual({
      type: 'user.deactivated',
      ...base,
      at: T + 1,
    });
    clock.advance(1);
    expect(await oneEvent(() => accounts.setEnabled('ALICE@example.com', true))).toEqual({
      type: 'user.activated',
      ...base,
      at: T + 2,
    });
    expect(await oneEvent(() => accounts.promote('alice', 'admin'))).toEqual({
      type: 'user.promoted',
      ...base,
      at: T + 2,
      details: { role: 'ROLE_ADMIN' },
    });
    expect(await oneEvent(() => accounts.demote('alice', 'ROLE_ADMIN'))).toEqual({
      type: 'user.demoted',
      ...base,
      at: T + 2,
      details: { role: 'ROLE_ADMIN' },
    });
    expect(await oneEvent(() => accounts.changePassword('alice', NEW_PASSWORD))).toEqual({
      type: 'user.password_changed',
      ...base,
      at: T + 2,
    });
    expect(await oneEvent(() => accounts.delete('alice'))).toEqual({ type: 'user.deleted', ...base, at: T + 2 });

    expect(events.map((event) => event.type)).toEqual([
      'user.created',
      'user.deactivated',
      'user.activated',
      'user.promoted',
      'user.demoted',
      'user.password_changed',
      'user.deleted',
    ]);
    for (const event of events) {
      expect(event.actor).toBe('admin');
      expect(event).not.toHaveProperty('address');
    }
  });

  it('an action that fails announces nothing', async () => {
    await accounts.create({ username: 'alice', email: 'alice@example.com', password: PASSWORD });
    events.length = 0;
    await expect(
      accounts.create({ username: 'alice', email: 'other@example.com', password: PASSWORD }),
    ).rejects.toThrow(AccountError);
    await expect(accounts.create({ username: 'bob', email: 'bob@example.com', password: 'short' })).rejects.toThrow(
      AccountError,
    );
    await expect(accounts.setEnabled('nobody', true)).rejects.toThrow(AccountError);
    await expect(accounts.promote('alice', 'not a role!')).rejects.toThrow(AccountError);
    await expect(accounts.changePassword('alice', 'short')).rejects.toThrow(AccountError);
    await expect(accounts.delete('nobody')).rejects.toThrow(AccountError);
    expect(events).toEqual([]);
  });

  it('a failing listener does not stop the action; the error is reported', async () => {
    const reported: unknown[] = [];
    const bus = new SecurityEvents((error) => reported.push(error));
    bus.on(() => {
      throw new Error('listener down');
    });
    const seen: string[] = [];
    bus.on((event) => seen.push(event.type));
    const withBadListener = new UserAccounts(store, { clock, events: bus, passwords: cheapPasswords });
    const bob = await withBadListener.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
    expect(await store.findUserById(bob.id)).not.toBeNull();
    expect(seen).toEqual(['user.created']);
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe('listener down');
  });

  it('a listener can be removed', async () => {
    const bus = new SecurityEvents();
    const seen: string[] = [];
    const off = bus.on((event) => seen.push(event.type));
    const withBus = new UserAccounts(store, { clock, events: bus, passwords: cheapPasswords });
    await withBus.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
    off();
    await withBus.setEnabled('bob', false);
    expect(seen).toEqual(['user.created']);
  });

  describe('accounts awaiting e-mail confirmation', () => {
    class CapturingMailer implements Mailer {
      readonly messages: MailMessage[] = [];
      async send(message: MailMessage): Promise<void> {
        this.messages.push(message);
      }
      async close(): Promise<void> {}
    }

    /** Signs up `username` through Registration; returns the token of the confirmation link. */
    async function signUp(gatehouse: Services, mailer: CapturingMailer, username: string): Promise<string> {
      const result = await gatehouse.registration.register(
        { username, email: `${username}@example.com`, password: PASSWORD, passwordAgain: PASSWORD },
        '203.0.113.7',
      );
      expect(result.kind).toBe('sent');
      await gatehouse.registration.idle();
      await gatehouse.mail.idle();
      const link = mailer.messages.at(-1)!.text.match(/https?:\/\/\S+\/register\/confirm\?token=\S+/)![0];
      return new URL(link).searchParams.get('token')!;
    }

    it('deactivate clears awaitingConfirmation, so a later confirmation cannot enable the account', async () => {
      const mailer = new CapturingMailer();
      const gatehouse = composeServices({
        passwords: cheapPasswords,

        config: validateConfig({ registration: { enabled: true } }),
        store,
        clock,
        mailer,
      });
      try {
        const token = await signUp(gatehouse, mailer, 'carol');
        expect(await store.findUserByLogin('carol')).toMatchObject({ enabled: false, awaitingConfirmation: true });

        const deactivated = await accounts.setEnabled('carol', false);
        expect(deactivated).toMatchObject({ enabled: false, awaitingConfirmation: false });
        expect(await store.findUserByLogin('carol')).toMatchObject({ enabled: false, awaitingConfirmation: false });
        expect(events.map((e) => e.type)).toEqual(['user.deactivated']);

        expect(await gatehouse.registration.pendingConfirmation(token)).toBeNull();
        expect(await gatehouse.registration.confirm(token, PASSWORD, '203.0.113.7')).toEqual({
          kind: 'link-not-usable',
        });
        expect(await store.findUserByLogin('carol')).toMatchObject({ enabled: false, awaitingConfirmation: false });
      } finally {
        await gatehouse.close();
      }
    });

    it('activate stands in for the confirmation: the account works, and its link is of no further use', async () => {
      const mailer = new CapturingMailer();
      const gatehouse = composeServices({
        passwords: cheapPasswords,

        config: validateConfig({ registration: { enabled: true } }),
        store,
        clock,
        mailer,
      });
      try {
        const token = await signUp(gatehouse, mailer, 'dave');
        const activated = await accounts.setEnabled('dave', true);
        expect(activated).toMatchObject({ enabled: true, awaitingConfirmation: false });
        expect(await store.findUserByLogin('dave')).toMatchObject({ enabled: true, awaitingConfirmation: false });
        expect(await gatehouse.registration.pendingConfirmation(token)).toBeNull();
        // Deactivated later: the old link still cannot turn it back on.
        await accounts.setEnabled('dave', false);
        expect(await gatehouse.registration.confirm(token, PASSWORD, '203.0.113.7')).toEqual({
          kind: 'link-not-usable',
        });
        expect(await store.findUserByLogin('dave')).toMatchObject({ enabled: false });
      } finally {
        await gatehouse.close();
      }
    });

    it('accounts made by an administrator never await confirmation, even created inactive', async () => {
      expect(
        await accounts.create({ username: 'erin', email: 'erin@example.com', password: PASSWORD, enabled: false }),
      ).toMatchObject({
        enabled: false,
        awaitingConfirmation: false,
      });
      expect(await store.findUserByLogin('erin')).toMatchObject({ enabled: false, awaitingConfirmation: false });
    });
  });
});
