import type { Clock } from '../core/clock.js';
import { OAuthError } from '../core/errors.js';
import type { ClientAuthenticationThrottle, GrantAttemptThrottle } from '../core/ports.js';
import { blockSeconds, type BlockRule, type ThrottleState, type ThrottleStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';
import { addressKey } from '../core/addresses.js';
import { bucketOf } from './throttle-keys.js';
import { Reservations } from './throttle-reservations.js';

export interface ThrottleSettings {
  /** Failures of one account from one address before delays start. */
  threshold: number;
  /** The longest delay, in seconds; failures older than this are forgotten. */
  maxDelay: number;
  /**
   * Seconds an attempt may wait for its turn while other attempts on its counters are in
   * flight; past it the answer is "overloaded" (503, Retry-After). Default 10.
   */
  maxWait?: number;
}

interface Counter {
  key: string;
  /** Failures allowed before this counter blocks. */
  threshold: number;
  /** Whether a success forgets this counter's failures. */
  clearedBySuccess: boolean;
}

/** What a set of attempts is counted under: see forAccount, forUnknownLogin, forClient, forDevice. */
export type ThrottleKeys = readonly Counter[];

/** The answer to begin(): go ahead (and report the outcome), or wait this long. */
export type Turn = { kind: 'go'; attempt: ThrottledAttempt } | { kind: 'blocked'; retryAfter: number };

/** Seconds a client is told to wait when attempts stay queued past maxWait. */
export const OVERLOAD_RETRY_AFTER = 1;

/** The answer when too many attempts on the same counters are in flight for too long: 503, never a failure. */
export function overloaded(): OAuthError {
  return OAuthError.overloaded('too many sign-in attempts are in progress; retry shortly', OVERLOAD_RETRY_AFTER);
}

/**
 * Brute-force protection that is not a lock-out weapon. Failures are counted in the shared
 * store (every node sees them) per account *and address*, per address, and per account from
 * anywhere, with growing thresholds. Past its threshold a counter blocks for 2, 4, 8 … seconds,
 * never more than maxDelay, and forgets failures older than maxDelay.
 *
 * Counters are keyed on what was resolved, never on the string typed: the account's id (so
 * "alice" and "alice@example.com" share one budget), the client's id, the address's /64 for
 * IPv6. Names that belong to nobody fall into a fixed set of hashed buckets, so a flood of made-up
 * names cannot create rows without bound.
 *
 * A sign-in takes its turn with begin(): refused at once (no password checked, nothing written)
 * while any counter is blocked by recorded failures; otherwise it holds a reservation on each
 * counter while its password is checked. Attempts in flight count against the budget, so guesses
 * sent in parallel cannot exceed it, and an attempt over the budget waits (up to maxWait) for one
 * to finish instead of failing: a success is released uncounted, so a right password is never
 * refused because other right passwords were being checked at the same time.
 */
export class Throttle implements ClientAuthenticationThrottle, GrantAttemptThrottle {
  private readonly reservations = new Reservations();

  constructor(
    private readonly store: ThrottleStore,
    private readonly clock: Clock,
    private readonly settings: ThrottleSettings,
  ) {}

  /** Sign-ins to a known account (sign-in form, password grant, current password). */
  forAccount(userId: string, address: string): ThrottleKeys {
    return this.counters(`user:${userId}`, `user:${userId}|ip:${addressKey(address)}`, address);
  }

  /**
   * Sign-ins with a login that names no account: the login's bucket stands in for the account,
   * and the bucket of (login, address) for the pair, so the schedule looks the same as for a
   * real account (blocks do not tell which logins exist) while the rows stay a fixed set.
   */
  forUnknownLogin(login: string, address: string): ThrottleKeys {
    const who = canonicalize(login.slice(0, 1000)).slice(0, 320);
    const ip = addressKey(address);
    return this.counters(
      `unknown-login:${bucketOf('login', who)}`,
      `unknown-login-ip:${bucketOf('login-ip', who, ip)}`,
      address,
    );
  }

  /** Either of the above: the account the login resolved to, or the login itself when it names none. */
  forLogin(user: { id: string } | null, login: string, address: string): ThrottleKeys {
    return user ? this.forAccount(user.id, address) : this.forUnknownLogin(login, address);
  }

  /** A client authenticating at the token endpoint; `known` when the client id exists. */
  forClient(clientId: string, known: boolean, address: string): ThrottleKeys {
    // Clients count against an address counter of their own: a client retrying a wrong secret
    // from behind a NAT must not block the people signing in from there.
    if (known)
      return this.counters(`client:${clientId}`, `client:${clientId}|ip:${addressKey(address)}`, address, 'client-ip');
    const id = clientId.slice(0, 1000);
    const ip = addressKey(address);
    return this.counters(
      `unknown-client:${bucketOf('client', id)}`,
      `unknown-client-ip:${bucketOf('client-ip', id, ip)}`,
      address,
      'client-ip',
    );
  }

  /**
   * An extension grant's requests from one client (a known one: it has authenticated): refused
   * requests count per client and address, and per client from anywhere, on the client's own
   * address counter, like a client's failed authentications.
   */
  forGrant(grantType: string, clientId: string, address: string): ThrottleKeys {
    const subject = `grant:${grantType}|client:${clientId}`;
    return this.counters(subject, `${subject}|ip:${addressKey(address)}`, address, 'client-ip');
  }

  /** The extension grants' port (core/ports/throttle.ts): a turn for one request of a grant. */
  beginGrantAttempt(grantType: string, clientId: string, address: string): Promise<Turn> {
    return this.begin(this.forGrant(grantType, clientId, address));
  }

  /**
   * A trusted device (a valid device cookie, or a confidential client's known account): its own
   * budget, in place of the address and account counters.
   */
  forDevice(deviceIdHash: string): ThrottleKeys {
    return [{ key: `device:${deviceIdHash}`, threshold: this.settings.threshold, clearedBySuccess: true }];
  }

  /**
   * Forms that send e-mail (sign-up, password reset), per address: every request counts, so
   * one address cannot flood mailboxes or enumerate accounts quickly.
   */
  forMailRequests(address: string): ThrottleKeys {
    return [{ key: `mail:ip:${addressKey(address)}`, threshold: this.settings.threshold * 4, clearedBySuccess: false }];
  }

  /**
   * Unasked-for e-mails to one account (the "you already have an account" notice): a couple,
   * then at growing intervals, however many addresses the sign-ups come from.
   */
  forNoticesTo(userId: string): ThrottleKeys {
    return [{ key: `notice:${userId}`, threshold: 1, clearedBySuccess: false }];
  }

  /** Device authorization requests from one address (RFC 8628 §3.1): every request counts. */
  forDeviceAuthorizations(address: string, perAddress: number): ThrottleKeys {
    return [{ key: `device-authorization:ip:${addressKey(address)}`, threshold: perAddress, clearedBySuccess: false }];
  }

  /** Client self-registrations from one address (RFC 7591): every request counts, as device authorizations do. */
  forClientRegistrations(address: string, perAddress: number): ThrottleKeys {
    return [{ key: `client-registration:ip:${addressKey(address)}`, threshold: perAddress, clearedBySuccess: false }];
  }

  /**
   * User codes typed on the /device page, per browser (the hash of its CSRF cookie secret, which
   * outlives sign-in) and per address. A right code clears nothing: an attacker's own valid code
   * must not buy more guesses.
   */
  forUserCodes(address: string, browserKey: string): ThrottleKeys {
    const { threshold } = this.settings;
    return [
      { key: `user-code:browser:${browserKey}`, threshold, clearedBySuccess: false },
      { key: `user-code:ip:${addressKey(address)}`, threshold: threshold * 4, clearedBySuccess: false },
    ];
  }

  /**
   * Every user code typed on /device from one address, right or wrong: a right code stores a
   * pending sign-in, so a flood of right codes (from fresh browsers) must not push other people's
   * pending sign-ins out of their bounded table. Generous: a person types a code or two.
   */
  forUserCodeEntries(address: string): ThrottleKeys {
    return [
      {
        key: `user-code-entry:ip:${addressKey(address)}`,
        threshold: this.settings.threshold * 10,
        clearedBySuccess: false,
      },
    ];
  }

  private counters(
    subject: string,
    pair: string,
    address: string,
    addressCounter: 'ip' | 'client-ip' = 'ip',
  ): ThrottleKeys {
    const { threshold } = this.settings;
    return [
      { key: pair, threshold, clearedBySuccess: true },
      // Shared by everyone behind one address (an office, a carrier NAT): more room.
      { key: `${addressCounter}:${addressKey(address)}`, threshold: threshold * 4, clearedBySuccess: false },
      // Only many addresses reach this one: a distributed attack on one account.
      { key: subject, threshold: threshold * 10, clearedBySuccess: true },
    ];
  }

  private get windowStart(): number {
    return this.clock.now() - this.settings.maxDelay;
  }

  /**
   * Takes a turn for one attempt on `keys`: { kind: 'blocked' } at once while a counter is
   * blocked by recorded failures; otherwise { kind: 'go' } with an attempt
   * that holds a reservation until its outcome is reported. Waits while the attempts in flight
   * use up a counter's budget; throws overloaded() (503) when that lasts longer than maxWait.
   */
  async begin(keys: ThrottleKeys): Promise<Turn> {
    const names = keys.map((counter) => counter.key);
    const deadline = performance.now() + (this.settings.maxWait ?? 10) * 1000;
    const leave = this.reservations.enter(names);
    try {
      for (;;) {
        const mark = this.reservations.mark;
        const now = this.clock.now();
        const states = await this.store.readThrottles(names, now - this.settings.maxDelay);
        const blockedUntil = Math.max(0, ...states.map((state) => state.blockedUntil));
        if (blockedUntil > now) return { kind: 'blocked', retryAfter: blockedUntil - now };
        // A failure written while we read may be missing from what we read: read again.
        if (this.reservations.releasedSince(names, mark)) {
          if (performance.now() >= deadline) throw overloaded();
          continue;
        }
        // Up to the threshold, as many in flight as failures could still be taken without a
        // block (all of them failing makes threshold + 1, the first block); past it, one at a time.
        const limits = keys.map((counter, i) => Math.max(1, counter.threshold + 1 - states[i]!.failures));
        if (this.reservations.tryReserve(names, limits))
          return { kind: 'go', attempt: new ThrottledAttempt(this, keys, states) };
        const remaining = deadline - performance.now();
        if (remaining <= 0 || !(await this.reservations.waitForRelease(names, remaining))) throw overloaded();
      }
    } finally {
      leave();
    }
  }

  /**
   * Runs `check` (true when the credentials were right) in a turn: the convenient form of
   * begin() for one password check. Throws what begin() and `check` throw.
   */
  async guard(
    keys: ThrottleKeys,
    check: () => Promise<boolean>,
  ): Promise<{ kind: 'checked'; ok: boolean } | { kind: 'blocked'; retryAfter: number }> {
    const turn = await this.begin(keys);
    if (turn.kind === 'blocked') return turn;
    let ok: boolean;
    try {
      ok = await check();
    } catch (error) {
      turn.attempt.abandon();
      throw error;
    }
    if (ok) await turn.attempt.succeeded();
    else await turn.attempt.failed();
    return { kind: 'checked', ok };
  }

  /** @internal The outcome of an attempt begun here. */
  async settle(
    keys: ThrottleKeys,
    states: readonly ThrottleState[],
    outcome: 'succeeded' | 'failed' | 'abandoned',
  ): Promise<number> {
    const names = keys.map((counter) => counter.key);
    try {
      if (outcome === 'failed') return await this.failed(keys);
      if (outcome === 'succeeded') {
        // Nothing to forget (the usual case): nothing written.
        const toClear = keys.filter(
          (counter, i) => counter.clearedBySuccess && (states[i]!.failures > 0 || states[i]!.blockedUntil > 0),
        );
        if (toClear.length > 0) await this.succeeded(toClear);
      }
      return 0;
    } finally {
      // After the write: whoever wakes up reads the failure just recorded.
      this.reservations.release(names);
    }
  }

  /** Attempts in flight on this process for a counter key (tests). */
  inFlight(key: string): number {
    return this.reservations.inFlight(key);
  }

  /** Seconds to wait before the next attempt may be checked; 0 when it may go ahead. */
  async retryAfter(keys: ThrottleKeys): Promise<number> {
    const until = await this.store.blockedUntil(keys.map((counter) => counter.key));
    return Math.max(0, until - this.clock.now());
  }

  /**
   * A request where every one counts (e-mails sent): refused (the seconds to wait) while any
   * counter blocks, otherwise counted up front and allowed (0). A refused request writes nothing,
   * so hammering a block neither lengthens it nor grows the database.
   */
  async attempt(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const blockedUntil = await this.store.countAttempt(keys.map(this.blockRule), now, this.windowStart);
    return Math.max(0, blockedUntil - now);
  }

  /**
   * A failure that was checked before anything was counted (client authentication: a right
   * secret always works, so nothing is read on its way): while a counter already blocks, nothing
   * is written and the remaining wait is returned; otherwise the failure is counted. Returns the
   * seconds the caller must now wait (0 if none).
   */
  async failedUnlessBlocked(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const blockedUntil = await this.store.countAttempt(keys.map(this.blockRule), now, this.windowStart);
    return blockedUntil > now ? blockedUntil - now : this.retryAfter(keys);
  }

  /** The token endpoint's port (core/ports/throttle.ts): a failed client authentication, counted unless blocked. */
  clientAuthenticationFailed(clientId: string, known: boolean, address: string): Promise<number> {
    return this.failedUnlessBlocked(this.forClient(clientId, known, address));
  }

  /** A counter as the store applies it: its key and how long each count blocks. */
  private readonly blockRule = (counter: Counter): { key: string; rule: BlockRule } => ({
    key: counter.key,
    rule: { threshold: counter.threshold, maxDelay: this.settings.maxDelay },
  });

  /** Counts a failure under every key; returns the seconds the caller must now wait (0 if none). */
  async failed(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const windowStart = now - this.settings.maxDelay;
    for (const { key, rule } of keys.map(this.blockRule)) await this.store.recordFailure(key, now, windowStart, rule);
    return this.retryAfter(keys);
  }

  /** Forgets the failures of the counters a success clears (the account's, the pair's, the device's). */
  async succeeded(keys: ThrottleKeys): Promise<void> {
    await this.store.clearThrottles(keys.filter((counter) => counter.clearedBySuccess).map((counter) => counter.key));
  }

  /** 0 up to the threshold, then 2, 4, 8 … seconds, capped at maxDelay. */
  delay(failures: number, threshold: number): number {
    return blockSeconds(failures, { threshold, maxDelay: this.settings.maxDelay });
  }
}

/** One attempt holding its turn: report exactly one outcome. */
export class ThrottledAttempt {
  private settled = false;

  constructor(
    private readonly throttle: Throttle,
    readonly keys: ThrottleKeys,
    private readonly states: readonly ThrottleState[],
  ) {}

  private settle(outcome: 'succeeded' | 'failed' | 'abandoned'): Promise<number> {
    if (this.settled) return Promise.resolve(0);
    this.settled = true;
    return this.throttle.settle(this.keys, this.states, outcome);
  }

  /** The right credentials: released uncounted, and the account's (or device's) failures forgotten. */
  async succeeded(): Promise<void> {
    await this.settle('succeeded');
  }

  /** Wrong credentials: counted under every key. Returns the seconds the caller must now wait. */
  failed(): Promise<number> {
    return this.settle('failed');
  }

  /** Nothing was decided (the check itself failed, e.g. overload): released uncounted. */
  abandon(): void {
    void this.settle('abandoned').catch(() => {});
  }
}
