/**
 * The attempts in flight on each brute-force counter, in this process. An attempt holds a
 * reservation on its counters while its password is checked; a success gives it back uncounted,
 * a failure is written to the shared counter first and then gives it back. Kept in memory, not
 * in the database: a reservation lasts as long as one password check, so a write per sign-in
 * (and a clean-up for the reservations of a process that crashed) would cost more than it
 * protects. Across nodes the bound is per node: N nodes let N × budget guesses be in flight.
 */

interface Slot {
  /** Attempts holding this counter now. */
  reserved: number;
  /** Callers between their read of the shared counters and their decision (keeps `released` alive). */
  readers: number;
  /** The sequence number of the last release, to tell a caller its read may be stale. */
  released: number;
  waiters: Set<() => void>;
}

export class Reservations {
  private readonly slots = new Map<string, Slot>();
  private sequence = 0;

  /** Where the release sequence stands: compare with releasedSince() after a read. */
  get mark(): number {
    return this.sequence;
  }

  /** Keeps the keys' slots while the caller reads and decides; call the result when done. */
  enter(keys: readonly string[]): () => void {
    const slots = keys.map((key) => this.slot(key));
    for (const slot of slots) slot.readers += 1;
    return () => {
      slots.forEach((slot, i) => {
        slot.readers -= 1;
        this.forgetIfIdle(keys[i]!, slot);
      });
    };
  }

  /** Whether any of the keys was released after `mark` (a failure written since may be missing from a read). */
  releasedSince(keys: readonly string[], mark: number): boolean {
    return keys.some((key) => (this.slots.get(key)?.released ?? 0) > mark);
  }

  /** Reserves every key at once when each has fewer than its limit in flight; otherwise none. */
  tryReserve(keys: readonly string[], limits: readonly number[]): boolean {
    const slots = keys.map((key) => this.slot(key));
    if (slots.some((slot, i) => slot.reserved >= limits[i]!)) return false;
    for (const slot of slots) slot.reserved += 1;
    return true;
  }

  /** Gives the keys back and wakes whoever waits on them. */
  release(keys: readonly string[]): void {
    this.sequence += 1;
    for (const key of keys) {
      const slot = this.slots.get(key);
      if (!slot) continue;
      slot.reserved = Math.max(0, slot.reserved - 1);
      slot.released = this.sequence;
      const waiting = [...slot.waiters];
      slot.waiters.clear();
      for (const wake of waiting) wake();
      this.forgetIfIdle(key, slot);
    }
  }

  /** Resolves true when one of the keys is released, false after `ms` milliseconds. */
  waitForRelease(keys: readonly string[], ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const slots = keys.map((key) => this.slot(key));
      const done = (woken: boolean) => {
        clearTimeout(timer);
        slots.forEach((slot, i) => {
          slot.waiters.delete(wake);
          this.forgetIfIdle(keys[i]!, slot);
        });
        resolve(woken);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      for (const slot of slots) slot.waiters.add(wake);
    });
  }

  /** Attempts in flight on a key (for tests and metrics). */
  inFlight(key: string): number {
    return this.slots.get(key)?.reserved ?? 0;
  }

  /** How many keys have state here: 0 when nothing is in flight or waiting. */
  get size(): number {
    return this.slots.size;
  }

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { reserved: 0, readers: 0, released: 0, waiters: new Set() };
      this.slots.set(key, slot);
    }
    return slot;
  }

  private forgetIfIdle(key: string, slot: Slot): void {
    if (slot.reserved === 0 && slot.readers === 0 && slot.waiters.size === 0 && this.slots.get(key) === slot)
      this.slots.delete(key);
  }
}
