import { Command } from 'commander';
import type { AuditRecord } from '../../storage/store.js';
import { UsageError } from '../errors.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { formatTime, printJson, printLines, printTable } from '../output.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `--since 24h` (30m, 7d, 90s) or an ISO 8601 date or time: seconds since the epoch. */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d{1,7})([smhd])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNIT_SECONDS[relative[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new UsageError(
    `--since: "${value}" is neither a duration (30m, 24h, 7d) nor a date (2026-11-25 or 2026-11-25T10:00:00Z)`,
  );
}

function parseLimit(value: string): number {
  const limit = /^\d{1,6}$/.test(value) ? Number(value) : 0;
  if (limit < 1 || limit > 100_000) throw new UsageError(`--limit: "${value}" must be a whole number from 1 to 100000`);
  return limit;
}

function describeEvent(record: AuditRecord) {
  return {
    id: record.id,
    at: formatTime(record.at),
    type: record.type,
    actor: record.actor,
    user_id: record.userId,
    username: record.username,
    client_id: record.clientId,
    address: record.address,
    details: record.details ?? {},
    // A counted row (failures anybody can cause): how many, and when the last one was.
    count: record.count ?? 1,
    last_at: record.lastAt === undefined ? null : formatTime(record.lastAt),
  };
}

/** A single event: 1; a counted row: "37 until 10:04:59Z" (the date too when it is another day). */
function countColumn(record: AuditRecord): string {
  if (record.lastAt === undefined) return String(record.count ?? 1);
  const [first, last] = [formatTime(record.at), formatTime(record.lastAt)];
  return `${record.count} until ${first.slice(0, 10) === last.slice(0, 10) ? last.slice(11) : last}`;
}

/** gatehouse audit list: the security events, oldest first. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('the audit log of security events');
  withStoreOptions(
    audit
      .command('list')
      .description('list security events, oldest first (the newest --limit of those that match)')
      .option(
        '--since <when>',
        'only events since a duration ago (30m, 24h, 7d) or a date (2026-11-25, 2026-11-25T10:00:00Z)',
      )
      .option(
        '--user <username>',
        'only events about this user (a username, an e-mail address, or the id of a deleted user)',
      )
      .option('--client <client_id>', 'only events about this client')
      .option('--type <type>', 'only events of this type (login.failed), or of a family (login.)')
      .option('--limit <n>', 'at most this many events (default 100)', '100')
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: StoreOptions & {
        since?: string;
        user?: string;
        client?: string;
        type?: string;
        limit: string;
        json?: boolean;
      },
    ) => {
      // Loaded when the command runs: defining the commands (for --help) must stay cheap.
      const { systemClock } = await import('../../core/clock.js');
      const { canonicalize } = await import('../../accounts/canonical.js');
      const { resolveConfig, withStore } = await import('../context.js');
      const since = options.since === undefined ? undefined : parseSince(options.since, systemClock.now());
      const limit = parseLimit(options.limit);
      await withStore(resolveConfig(options), async (store) => {
        // A deleted user is no longer found by name; their events keep the id.
        const userId =
          options.user === undefined
            ? undefined
            : ((await store.findUserByLogin(canonicalize(options.user)))?.id ?? options.user);
        const events = await store.listAuditEvents({
          limit,
          ...(since === undefined ? {} : { since }),
          ...(userId === undefined ? {} : { userId }),
          ...(options.client === undefined ? {} : { clientId: options.client }),
          ...(options.type === undefined ? {} : { type: options.type }),
        });
        if (options.json) return printJson(events.map(describeEvent));
        if (events.length === 0) return printLines(['No audit events match.']);
        printTable(
          ['TIME', 'EVENT', 'COUNT', 'ACTOR', 'USER', 'CLIENT', 'ADDRESS', 'DETAILS'],
          events.map((e) => [
            formatTime(e.at),
            e.type,
            countColumn(e),
            e.actor,
            e.username ?? e.userId ?? '-',
            e.clientId ?? '-',
            e.address ?? '-',
            Object.entries(e.details ?? {})
              .map(([key, value]) => `${key}=${value}`)
              .join(' '),
          ]),
        );
      });
    },
  );
  return audit;
}
