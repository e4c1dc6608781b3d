/**
 * The bounded password queue (ConcurrencyLimit in ./passwords.ts): at most `max` argon2id
 * computations at once, at most `maxWaiting` waiting, none waiting longer than `maxWaitMs`;
 * beyond that an OverloadedError (503 temporarily_unavailable with Retry-After). The timers are
 * driven by hand: no wall clock, no sleeps.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/load.js';
import { OAuthError, OverloadedError } from '../core/errors.js';
import { argon2VerifierWith, ConcurrencyLimit, DEFAULT_PASSWORD_QUEUE_LIMITS, type StartTimer } from './passwords.js';

/** setTimeout by hand: `fire()` runs every pending timer (as if its time had come). */
function manualTimers() {
  const pending = new Set<{ ms: number; fire: () => void }>();
  const start: StartTimer = (ms, fire) => {
    const timer = { ms, fire };
    pending.add(timer);
    return () => pending.delete(timer);
  };
  return {
    start,
    pending,
    fire() {
      const due = [...pending];
      pending.clear();
      for (const timer of due) timer.fire();
    },
  };
}

/** A task that finishes when the test says so. */
function heldTask() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { work: () => done, release };
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What became of a run: 'ok', 'overloaded', or 'pending'. */
function track(promise: Promise<unknown>) {
  const state: { outcome: 'pending' | 'ok' | 'overloaded' | 'other'; error?: unknown } = { outcome: 'pending' };
  promise.then(
    () => (state.outcome = 'ok'),
    (error: unknown) => {
      state.error = error;
      state.outcome = error instanceof OverloadedError ? 'overloaded' : 'other';
    },
  );
  return state;
}

describe('ConcurrencyLimit (the password queue)', () => {
  it('refuses at once, with 503 temporarily_unavailable and Retry-After, a task that finds maxWaiting tasks already waiting', async () => {
    const timers = manualTimers();
    const limit = new ConcurrencyLimit(2, { maxWaiting: 3, maxWaitMs: 4000 }, timers.start);
    const held = heldTask();
    const runs = Array.from({ length: 5 }, () => track(limit.run(held.work)));
    await settle();
    expect([limit.active, limit.queued]).toEqual([2, 3]);

    const refused = track(limit.run(async () => 'never'));
    await settle();
    expect(refused.outcome).toBe('overloaded');
    const error = refused.error as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect([error.status, error.code, error.headers['retry-after']]).toEqual([503, 'temporarily_unavailable', '4']);
    expect(error.toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many passwords are being checked right now; retry in 4 seconds',
    });

    held.release();
    await settle();
    expect(runs.map((run) => run.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect([limit.active, limit.queued]).toEqual([0, 0]);
  });

  it('refuses a waiting task when its time limit passes; it never runs, takes no slot, and the others keep their place', async () => {
    const timers = manualTimers();
    const limit = new ConcurrencyLimit(1, { maxWaiting: 10, maxWaitMs: 2000 }, timers.start);
    const first = heldTask();
    const running = track(limit.run(first.work));
    let lateRan = false;
    const late = track(
      limit.run(async () => {
        lateRan = true;
      }),
    );
    await settle();
    expect(timers.pending.size).toBe(1);
    expect([...timers.pending][0]!.ms).toBe(2000);

    timers.fire();
    await settle();
    expect(late.outcome).toBe('overloaded');
    expect(running.outcome).toBe('pending');
    expect([limit.active, limit.queued]).toEqual([1, 0]);

    // A task queued after the refusal gets the slot when the first finishes; the refused one never runs.
    const next = track(limit.run(async () => 'next'));
    first.release();
    await settle();
    expect([running.outcome, next.outcome, lateRan]).toEqual(['ok', 'ok', false]);
    expect([limit.active, limit.queued]).toEqual([0, 0]);
  });

  it('a task served before its time limit is not refused later: its timer is cancelled', async () => {
    const timers = manualTimers();
    const limit = new ConcurrencyLimit(1, { maxWaiting: 10, maxWaitMs: 2000 }, timers.start);
    const first = heldTask();
    const second = heldTask();
    const runs = [track(limit.run(first.work)), track(limit.run(second.work))];
    await settle();
    expect(timers.pending.size).toBe(1);
    first.release();
    await settle();
    // The second is running now: no timer is left to refuse it.
    expect(timers.pending.size).toBe(0);
    second.release();
    await settle();
    expect(runs.map((run) => run.outcome)).toEqual(['ok', 'ok']);
  });

  it('with the default bounds (and the defaults of the settings) 50 sign-ins at once on one core all get their turn', async () => {
    const defaults = validateConfig({});
    expect({
      maxWaiting: defaults.password_hash_queue_length,
      maxWaitMs: defaults.password_hash_queue_timeout * 1000,
    }).toEqual(DEFAULT_PASSWORD_QUEUE_LIMITS);
    const timers = manualTimers();
    const limit = new ConcurrencyLimit(1, DEFAULT_PASSWORD_QUEUE_LIMITS, timers.start);
    const tasks = Array.from({ length: 50 }, () => heldTask());
    const runs = tasks.map((task) => track(limit.run(task.work)));
    await settle();
    expect([limit.active, limit.queued]).toEqual([1, 49]);
    for (const task of tasks) {
      task.release();
      await settle();
    }
    expect(runs.every((run) => run.outcome === 'ok')).toBe(true);
  });

  it('new limits apply to tasks that start waiting afterwards', async () => {
    const limit = new ConcurrencyLimit(1, { maxWaiting: 5, maxWaitMs: 1000 }, manualTimers().start);
    const held = heldTask();
    const running = track(limit.run(held.work));
    limit.setLimits({ maxWaiting: 0, maxWaitMs: 1000 });
    const refused = track(limit.run(async () => 'never'));
    await settle();
    expect(refused.outcome).toBe('overloaded');
    held.release();
    await settle();
    expect(running.outcome).toBe('ok');
  });
});

describe('argon2VerifierWith', () => {
  it('lets an overloaded queue through as an OverloadedError: never a quiet "wrong password"', async () => {
    const limit = new ConcurrencyLimit(1, { maxWaiting: 0, maxWaitMs: 1000 }, manualTimers().start);
    const held = heldTask();
    const running = limit.run(held.work);
    const verifier = argon2VerifierWith(limit);
    // A syntactically valid argon2id hash (of another password): the check itself never starts.
    const hashed = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RUfU4K8Qe0Z7kDFe1ePFQ1bn2FjtD4pT1eHnq3iYhZI';
    await expect(verifier.verify(hashed, 'anything at all')).rejects.toBeInstanceOf(OverloadedError);
    held.release();
    await running;
    // With room in the queue the same call answers (false: not this hash's password).
    await expect(verifier.verify(hashed, 'anything at all')).resolves.toBe(false);
  });
});
