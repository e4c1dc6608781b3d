import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { AuditStore, CleanupCounts, MaintenanceStore } from './store.js';

export interface CleanupResult extends CleanupCounts {
  /** Audit events older than audit.retention. */
  auditEvents: number;
}

/** One clean-up: expired rows, and audit events past their retention (0 = kept forever). */
export async function cleanUp(
  store: Pick<MaintenanceStore, 'deleteExpired'> & Pick<AuditStore, 'deleteAuditEvents'>,
  now: number,
  auditRetention: number,
): Promise<CleanupResult> {
  const counts = await store.deleteExpired(now);
  const auditEvents = auditRetention > 0 ? await store.deleteAuditEvents(now - auditRetention) : 0;
  return { ...counts, auditEvents };
}

export interface CleanupSchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
  /** Resolves once no run is in progress. */
  idle(): Promise<void>;
}

/** Calls `tick` every `ms` until the returned function is called: setInterval, or a hand-driven one in tests. */
export type Every = (ms: number, tick: () => void) => () => void;

export const realEvery: Every = (ms, tick) => {
  const timer = setInterval(tick, ms);
  // A server with nothing else to do may still exit (after SIGTERM) between runs.
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * `gatehouse tokens clean`, run by `serve` every `intervalSeconds` (cleanup_interval). Runs
 * never overlap in one process, and deleteExpired takes the database's clean-up lock, so
 * several nodes on one PostgreSQL database take turns: one cleans, the others then find little.
 * A failed run (database down) is logged and tried again at the next tick.
 */
export function scheduleCleanup(
  store: Pick<MaintenanceStore, 'deleteExpired'> & Pick<AuditStore, 'deleteAuditEvents'>,
  clock: Clock,
  intervalSeconds: number,
  logger: Pick<Logger, 'info' | 'warn'>,
  auditRetention = 0,
  every: Every = realEvery,
): CleanupSchedule {
  let running: Promise<void> | null = null;
  const run = async () => {
    try {
      const deleted = await cleanUp(store, clock.now(), auditRetention);
      logger.info({ deleted }, 'scheduled clean-up: expired rows deleted');
    } catch (error) {
      logger.warn(
        { err: { code: (error as { code?: string }).code, message: (error as Error).message } },
        'scheduled clean-up failed; retrying at the next interval',
      );
    }
  };
  const cancel = every(intervalSeconds * 1000, () => {
    if (running) return;
    running = run().finally(() => {
      running = null;
    });
  });
  return {
    async stop() {
      cancel();
      await running;
    },
    async idle() {
      await running;
    },
  };
}
