import type { Clock } from '../core/clock.js';
import { blockSeconds, type BlockRule, type ThrottleStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';

export interface ThrottleSettings {
  /** Failures of one login from one address before delays start. */
  threshold: number;
  /** The longest delay, in seconds; failures older than this are forgotten. */
  maxDelay: number;
}

interface Counter {
  key: string;
  /** Failures allowed before this counter blocks. */
  threshold: number;
  /** Whether a success forgets this counter's failures. */
  clearedBySuccess: boolean;
}

/** What a set of attempts is counted under: see Throttle.forLogin and Throttle.forClient. */
export type ThrottleKeys = readonly Counter[];

/**
 * Brute-force protection that is not a lock-out weapon. Failures are counted in the database
 * (every node sees them) per login *and address*, per address, and per login from anywhere,
 * with growing thresholds. Past its threshold a counter blocks for 2, 4, 8 … seconds, never
 * more than maxDelay, and forgets failures older than maxDelay. A stranger guessing from one
 * address is slowed at once without touching the owner (who signs in from elsewhere); only a
 * distributed attack reaches the per-login counter, and even then the owner waits minutes,
 * not forever (Keycloak's permanent lock-out is the mistake this avoids).
 */
export class Throttle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly clock: Clock,
    private readonly settings: ThrottleSettings,
  ) {}

  /** A username or e-mail tried from an address (sign-in form, password grant). */
  forLogin(login: string, address: string): ThrottleKeys {
    const who = canonicalize(login).slice(0, 320);
    return this.counters('login', who, address);
  }

  /** A client authenticating at the token endpoint. */
  forClient(clientId: string, address: string): ThrottleKeys {
    return this.counters('client', clientId.slice(0, 255), address);
  }

  /**
   * Forms that send e-mail (sign-up, password reset), per address: every request counts, so
   * one address cannot flood mailboxes or enumerate accounts quickly.
   */
  forMailRequests(address: string): ThrottleKeys {
    return [{ key: `mail:ip:${address}`, threshold: this.settings.threshold * 4, clearedBySuccess: false }];
  }

  /**
   * Unasked-for e-mails to one account (the "you already have an account" notice): a couple,
   * then at growing intervals, however many addresses the sign-ups come from.
   */
  forNoticesTo(userId: string): ThrottleKeys {
    return [{ key: `notice:${userId}`, threshold: 1, clearedBySuccess: false }];
  }

  private counters(kind: string, who: string, address: string): ThrottleKeys {
    const { threshold } = this.settings;
    return [
      { key: `${kind}:${who}|ip:${address}`, threshold, clearedBySuccess: true },
      // Shared by everyone behind one address (an office, a carrier NAT): more room.
      { key: `ip:${address}`, threshold: threshold * 4, clearedBySuccess: false },
      // Only many addresses reach this one: a distributed attack on one account.
      { key: `${kind}:${who}`, threshold: threshold * 10, clearedBySuccess: true },
    ];
  }

  /** Seconds to wait before the next attempt may be checked; 0 when it may go ahead. */
  async retryAfter(keys: ThrottleKeys): Promise<number> {
    const until = await this.store.blockedUntil(keys.map((counter) => counter.key));
    return Math.max(0, until - this.clock.now());
  }

  /**
   * A sign-in attempt, before its password is checked: refused (the seconds to wait) while any
   * counter blocks, otherwise counted as a failure up front and allowed (0). Counting first
   * means attempts sent at the same time are all counted before any password is checked; a
   * refused attempt is not counted, so hammering a block does not lengthen it.
   */
  async attempt(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const blockedUntil = await this.store.countAttempt(keys.map(this.blockRule), now, now - this.settings.maxDelay);
    return Math.max(0, blockedUntil - now);
  }

  /** A counter as the store applies it: its key and how long each count blocks. */
  private readonly blockRule = (counter: Counter): { key: string; rule: BlockRule } => ({
    key: counter.key,
    rule: { threshold: counter.threshold, maxDelay: this.settings.maxDelay },
  });

  /** The attempt counted by attempt() succeeded: forget the login's failures, take back the address's. */
  async attemptSucceeded(keys: ThrottleKeys): Promise<void> {
    await this.succeeded(keys);
    for (const counter of keys.filter((c) => !c.clearedBySuccess)) await this.store.uncountFailure(counter.key);
  }

  /** The attempt counted by attempt() was never checked (the server was overloaded): take it back everywhere. */
  async attemptWithdrawn(keys: ThrottleKeys): Promise<void> {
    for (const counter of keys) await this.store.uncountFailure(counter.key);
  }

  /** Counts a failure under every key; returns the seconds the caller must now wait (0 if none). */
  async failed(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const windowStart = now - this.settings.maxDelay;
    for (const { key, rule } of keys.map(this.blockRule)) await this.store.recordFailure(key, now, windowStart, rule);
    return this.retryAfter(keys);
  }

  async succeeded(keys: ThrottleKeys): Promise<void> {
    await this.store.clearThrottles(keys.filter((counter) => counter.clearedBySuccess).map((counter) => counter.key));
  }

  /** 0 up to the threshold, then 2, 4, 8 … seconds, capped at maxDelay. */
  delay(failures: number, threshold: number): number {
    return blockSeconds(failures, { threshold, maxDelay: this.settings.maxDelay });
  }
}
