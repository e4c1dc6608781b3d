/**
 * The throttle's turns (Throttle.begin: reservations, waiting, overload) and how signIn uses
 * them, against a real (SQLite) store with the clock moved by hand. Passwords are checked by a
 * fake verifier whose answers the tests release one by one, so "in flight" is exact, not timed.
 *
 * Threshold 3 unless a test says otherwise: an account from one address allows 3 failures (4 in
 * flight), the address 12, the account from anywhere 30.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { ManualClock } from '../core/clock.js';
import { OAuthError } from '../core/errors.js';
import type { SqlStore } from '../storage/sql-store.js';
import type { UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import type { PasswordVerifier } from './passwords.js';
import { Throttle, type Turn } from './throttle.js';
import { UNKNOWN_BUCKETS } from './throttle-keys.js';

const T = 1_800_000_000;
const ADDRESS = '192.0.2.1';

/** A verifier that answers only when told to: `pending` checks wait until released. */
class GatedVerifier implements PasswordVerifier {
  calls = 0;
  readonly pending: Array<{ password: string; answer: (ok: boolean) => void; fail: (error: Error) => void }> = [];
  async verify(hashed: string | null, password: string): Promise<boolean> {
    this.calls += 1;
    const ok = await new Promise<boolean>((answer, fail) => this.pending.push({ password, answer, fail }));
    return ok && hashed === `plain:${password}`;
  }
  /** Lets the oldest pending check answer (true means: it may match). */
  release(ok = true): void {
    this.pending.shift()!.answer(ok);
  }
}

/** Lets promises and the store's queued work run (no clock involved). */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('throttle turns and signIn', () => {
  let testStore: TestStore;
  let store: SqlStore;
  let clock: ManualClock;
  let throttle: Throttle;
  let alice: UserRecord;

  const newThrottle = (settings: Partial<ConstructorParameters<typeof Throttle>[2]> = {}) =>
    new Throttle(store, clock, { threshold: 3, maxDelay: 60, maxWait: 10, ...settings });

  beforeEach(async () => {
    testStore = await createSqliteStore();
    store = testStore.store;
    clock = new ManualClock(T);
    throttle = newThrottle();
    alice = {
      id: 'user-alice',
      username: 'alice',
      usernameCanonical: 'alice',
      email: 'alice@example.com',
      emailCanonical: 'alice@example.com',
      passwordHash: 'plain:right',
      enabled: true,
      awaitingConfirmation: false,
      roles: [],
      createdAt: T,
      updatedAt: T,
    };
    await store.createUser(alice);
  });

  afterEach(async () => {
    await testStore?.cleanup();
  });

  /** Every counter row, key → failures. */
  async function rows(): Promise<Record<string, number>> {
    const all = await store.driver.all<{ throttle_key: string; failures: number }>(
      'SELECT throttle_key, failures FROM throttles ORDER BY throttle_key',
    );
    return Object.fromEntries(all.map((row) => [row.throttle_key, Number(row.failures)]));
  }

  const deps = (passwords: PasswordVerifier, t = throttle) => ({ store, passwords, throttle: t, clock });

  describe('Throttle.begin', () => {
    it('a turn is refused at once, writing nothing, while a counter is blocked by recorded failures', async () => {
      const keys = throttle.forAccount(alice.id, ADDRESS);
      for (let i = 0; i < 4; i++) await throttle.failed(keys);
      const before = await rows();
      expect(await throttle.begin(keys)).toEqual({ kind: 'blocked', retryAfter: 2 });
      expect(await rows()).toEqual(before);
      clock.advance(2);
      expect((await throttle.begin(keys)).kind).toBe('go');
    });

    it('attempts in flight hold the budget: threshold + 1 at once, the next waits for one to finish and then goes', async () => {
      const keys = throttle.forAccount(alice.id, ADDRESS);
      const turns = await Promise.all(Array.from({ length: 4 }, () => throttle.begin(keys)));
      expect(turns.map((turn) => turn.kind)).toEqual(['go', 'go', 'go', 'go']);
      expect(throttle.inFlight(keys[0]!.key)).toBe(4);
      let fifth: Turn | undefined;
      const waiting = throttle.begin(keys).then((turn) => (fifth = turn));
      await settle();
      expect(fifth, 'waits while 4 are in flight').toBeUndefined();
      // A success gives its reservation back uncounted: the fifth goes ahead.
      await (turns[0] as Extract<Turn, { kind: 'go' }>).attempt.succeeded();
      await waiting;
      expect(fifth?.kind).toBe('go');
      expect(await rows()).toEqual({});
    });

    it('past maxWait the answer is overload (503 temporarily_unavailable, Retry-After), never a refusal; nothing is counted', async () => {
      const impatient = newThrottle({ maxWait: 0 });
      const keys = impatient.forAccount(alice.id, ADDRESS);
      for (let i = 0; i < 4; i++) expect((await impatient.begin(keys)).kind).toBe('go');
      const error = await impatient.begin(keys).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OAuthError);
      expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503, headers: { 'retry-after': '1' } });
      expect(await rows()).toEqual({});
    });

    it('past the threshold, once the block is over, one attempt at a time', async () => {
      const impatient = newThrottle({ maxWait: 0 });
      const keys = impatient.forAccount(alice.id, ADDRESS);
      for (let i = 0; i < 4; i++) await impatient.failed(keys);
      clock.advance(2);
      const first = await impatient.begin(keys);
      expect(first.kind).toBe('go');
      await expect(impatient.begin(keys)).rejects.toMatchObject({ code: 'temporarily_unavailable' });
      // It fails: blocked again, for longer; the next is refused as blocked.
      expect(await (first as Extract<Turn, { kind: 'go' }>).attempt.failed()).toBe(4);
      expect(await impatient.begin(keys)).toEqual({ kind: 'blocked', retryAfter: 4 });
    });
  });

  describe('Throttle.guard (one check in a turn)', () => {
    it('a right check is released uncounted and clears the account; a wrong one is counted; a blocked one never runs', async () => {
      const keys = throttle.forAccount(alice.id, ADDRESS);
      await throttle.failed(keys);
      let runs = 0;
      const check = (ok: boolean) => async () => {
        runs++;
        return ok;
      };
      expect(await throttle.guard(keys, check(true))).toEqual({ kind: 'checked', ok: true });
      expect(await rows()).toEqual({ [`ip:${ADDRESS}`]: 1 });
      for (let i = 0; i < 4; i++)
        expect(await throttle.guard(keys, check(false))).toEqual({ kind: 'checked', ok: false });
      expect(await throttle.guard(keys, check(true))).toEqual({ kind: 'blocked', retryAfter: 2 });
      expect(runs).toBe(5);
      await expect(
        throttle.guard(throttle.forAccount('someone-else', ADDRESS), async () => Promise.reject(new Error('boom'))),
      ).rejects.toThrow('boom');
      expect(throttle.inFlight('user:someone-else|ip:192.0.2.1')).toBe(0);
    });
  });

  describe('signIn', () => {
    it('20 right passwords in flight at once for one account are all signed in, none refused, nothing counted', async () => {
      const passwords = new GatedVerifier();
      const results = Array.from({ length: 20 }, () => signIn(deps(passwords), 'alice', 'right', ADDRESS));
      await settle();
      // The budget of alice from this address: 4 checks at a time; the others wait their turn.
      expect(passwords.pending.length).toBe(4);
      let peak = 0;
      while (passwords.pending.length > 0) {
        peak = Math.max(peak, passwords.pending.length);
        passwords.release();
        await settle();
      }
      expect(peak).toBe(4);
      expect((await Promise.all(results)).map((result) => result.kind)).toEqual(
        Array.from({ length: 20 }, () => 'signed-in'),
      );
      expect(await rows()).toEqual({});
    });

    it('10 wrong passwords sent at once: threshold + 1 are checked, the rest refused as blocked without a check', async () => {
      const passwords = new GatedVerifier();
      const results = Array.from({ length: 10 }, () => signIn(deps(passwords), 'alice', 'wrong', ADDRESS));
      await settle();
      while (passwords.pending.length > 0) {
        passwords.release();
        await settle();
      }
      const kinds = (await Promise.all(results)).map((result) => result.kind);
      expect(passwords.calls).toBe(4);
      expect(kinds.filter((kind) => kind === 'refused')).toHaveLength(4);
      expect(kinds.filter((kind) => kind === 'throttled')).toHaveLength(6);
    });

    it('a blocked account is refused before its password is checked, even the right one', async () => {
      const passwords = new GatedVerifier();
      for (let i = 0; i < 4; i++) await throttle.failed(throttle.forAccount(alice.id, ADDRESS));
      expect(await signIn(deps(passwords), 'alice', 'right', ADDRESS)).toEqual({ kind: 'throttled', retryAfter: 2 });
      expect(passwords.calls).toBe(0);
    });

    it('counters are keyed on the account, not the login typed: alice, ALICE and alice@example.com share one budget', async () => {
      const passwords: PasswordVerifier = { verify: async (hashed, password) => hashed === `plain:${password}` };
      for (const login of ['alice', 'ALICE', 'alice@example.com'])
        expect((await signIn(deps(passwords), login, 'wrong', ADDRESS)).kind).toBe('refused');
      expect((await signIn(deps(passwords), ' Alice@Example.COM ', 'wrong', ADDRESS)).kind).toBe('refused');
      expect((await signIn(deps(passwords), 'alice', 'right', ADDRESS)).kind).toBe('throttled');
      expect(await rows()).toEqual({
        [`user:${alice.id}`]: 4,
        [`user:${alice.id}|ip:${ADDRESS}`]: 4,
        [`ip:${ADDRESS}`]: 4,
      });
      // A right password (after the wait) forgets the account's failures, not the address's.
      clock.advance(2);
      expect((await signIn(deps(passwords), 'alice@example.com', 'right', ADDRESS)).kind).toBe('signed-in');
      expect(await rows()).toEqual({ [`ip:${ADDRESS}`]: 4 });
    });

    it('a login naming no account is blocked on the same schedule as an account (blocks do not tell which exist)', async () => {
      const passwords: PasswordVerifier = { verify: async (hashed, password) => hashed === `plain:${password}` };
      const schedule = async (login: string, address: string) => {
        const kinds = [];
        for (let i = 0; i < 5; i++) kinds.push((await signIn(deps(passwords), login, 'wrong', address)).kind);
        return kinds;
      };
      expect(await schedule('alice', '198.51.100.1')).toEqual([
        'refused',
        'refused',
        'refused',
        'refused',
        'throttled',
      ]);
      expect(await schedule('nobody-at-all', '198.51.100.2')).toEqual([
        'refused',
        'refused',
        'refused',
        'refused',
        'throttled',
      ]);
      expect(Object.keys(await rows()).some((key) => key.includes('nobody'))).toBe(false);
    });

    it('the check throwing (e.g. the hashing queue is full) releases the turn uncounted', async () => {
      const passwords = new GatedVerifier();
      const attempt = signIn(deps(passwords), 'alice', 'right', ADDRESS);
      await settle();
      passwords.pending.shift()!.fail(OAuthError.temporarilyUnavailable('busy'));
      await expect(attempt).rejects.toMatchObject({ code: 'temporarily_unavailable' });
      await settle();
      expect(throttle.inFlight(`user:${alice.id}|ip:${ADDRESS}`)).toBe(0);
      expect(await rows()).toEqual({});
    });
  });

  describe('bounded rows', () => {
    it('3,000 made-up logins and client ids from 5 addresses make at most 5 + 4 × 1024 counters', async () => {
      const addresses = ['192.0.2.1', '192.0.2.2', '2001:db8:1:1::1', '2001:db8:1:1::2', '2001:db8:1:2::1'];
      for (let i = 0; i < 3000; i++) {
        const address = addresses[i % addresses.length]!;
        await throttle.failed(throttle.forUnknownLogin(`made-up-${i}`, address));
        await throttle.failed(throttle.forClient(`made-up-client-${i}`, false, address));
      }
      const keys = Object.keys(await rows());
      expect(keys.filter((key) => key.startsWith('ip:')).sort()).toEqual([
        'ip:192.0.2.1',
        'ip:192.0.2.2',
        'ip:2001:db8:1:1::/64',
        'ip:2001:db8:1:2::/64',
      ]);
      for (const kind of ['unknown-login:', 'unknown-login-ip:', 'unknown-client:', 'unknown-client-ip:']) {
        const buckets = keys.filter((key) => key.startsWith(kind));
        expect(buckets.length, kind).toBeGreaterThan(900);
        expect(buckets.length, kind).toBeLessThanOrEqual(UNKNOWN_BUCKETS);
      }
      expect(keys.length).toBeLessThanOrEqual(4 + 4 * UNKNOWN_BUCKETS);
    });
  });
});
