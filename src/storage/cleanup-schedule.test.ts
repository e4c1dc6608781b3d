import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { scheduleCleanup } from './cleanup-schedule.js';
import type { CleanupCounts } from './store.js';

const COUNTS: CleanupCounts = {
  accessTokens: 3,
  refreshTokens: 1,
  authorizationCodes: 0,
  sessions: 2,
  signingKeys: 0,
  throttles: 0,
  trustedDevices: 0,
  accountTokens: 1,
  unconfirmedUsers: 0,
  pendingAuthorizations: 0,
  deviceCodes: 0,
  usedAssertionIds: 0,
  pendingLogouts: 0,
  logoutDeliveries: 0,
  oidcGrants: 0,
};

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn'; object: unknown; message: string }> = [];
  return {
    lines,
    info: (object: unknown, message: string) => lines.push({ level: 'info', object, message }),
    warn: (object: unknown, message: string) => lines.push({ level: 'warn', object, message }),
  };
}

describe('scheduleCleanup (serve runs `tokens clean` by itself)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("deletes expired rows every interval, at the clock's time, and logs the counts", async () => {
    const clock = new ManualClock(1_000_000);
    const calls: number[] = [];
    const store = {
      deleteExpired: async (now: number) => {
        calls.push(now);
        return COUNTS;
      },
      deleteAuditEvents: async () => 0,
    };
    const logger = recordingLogger();
    const schedule = scheduleCleanup(store, clock, 60, logger as never);

    await vi.advanceTimersByTimeAsync(59_999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([1_000_000]);
    clock.advance(60);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([1_000_000, 1_000_060]);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]).toEqual({
      level: 'info',
      object: { deleted: { ...COUNTS, auditEvents: 0 } },
      message: 'scheduled clean-up: expired rows deleted',
    });

    await schedule.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(2);
  });

  it('deletes audit events older than the retention, and none when the retention is 0', async () => {
    const clock = new ManualClock(1_000_000);
    const cutoffs: number[] = [];
    const store = {
      deleteExpired: async () => COUNTS,
      deleteAuditEvents: async (before: number) => {
        cutoffs.push(before);
        return 7;
      },
    };
    const logger = recordingLogger();
    const keeping = scheduleCleanup(store, clock, 60, logger as never, 86_400);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cutoffs).toEqual([1_000_000 - 86_400]);
    expect(logger.lines[0]).toMatchObject({ object: { deleted: { auditEvents: 7 } } });
    await keeping.stop();

    const forever = scheduleCleanup(store, clock, 60, logger as never, 0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cutoffs).toHaveLength(1);
    expect(logger.lines[1]).toMatchObject({ object: { deleted: { auditEvents: 0 } } });
    await forever.stop();
  });

  it('never overlaps runs: a slow run makes the next ticks skip, and stop() waits for it', async () => {
    let release!: () => void;
    let started = 0;
    const store = {
      deleteExpired: () => {
        started += 1;
        return new Promise<CleanupCounts>((resolve) => {
          release = () => resolve(COUNTS);
        });
      },
      deleteAuditEvents: async () => 0,
    };
    const schedule = scheduleCleanup(store, new ManualClock(0), 1, recordingLogger() as never);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(1);

    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    expect(started).toBe(1);
  });

  it('a failed run (database down) is logged as a warning, without throwing, and the next tick tries again', async () => {
    let attempts = 0;
    const store = {
      deleteExpired: async () => {
        attempts += 1;
        if (attempts === 1)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return COUNTS;
      },
      deleteAuditEvents: async () => 0,
    };
    const logger = recordingLogger();
    const schedule = scheduleCleanup(store, new ManualClock(0), 10, logger as never);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        object: { err: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' } },
        message: 'scheduled clean-up failed; retrying at the next interval',
      },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toBe(2);
    expect(logger.lines[1]).toMatchObject({ level: 'info', object: { deleted: { ...COUNTS, auditEvents: 0 } } });
    await schedule.stop();
  });
});
