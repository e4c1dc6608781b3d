import { Command } from 'commander';
import type { InitialAccessTokenRecord } from '../../core/ports.js';
import { UsageError } from '../errors.js';
import { formatTime, printJson, printLines, printTable } from '../output.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { cliIo } from '../io.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** An initial access token is handed to a developer for a while, not forever. */
const MAX_LIFETIME = 365 * 86_400;

/** `--expires 1d` (90s, 30m, 12h, 7d): seconds, at most a year. */
function parseExpires(value: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : 0;
  if (seconds < 1 || seconds > MAX_LIFETIME)
    throw new UsageError(`--expires: "${value}" must be a duration from 1s to 365d, such as 30m, 12h or 7d`);
  return seconds;
}

function parseMaxUses(value: string): number {
  const uses = /^\d{1,7}$/.test(value) ? Number(value) : 0;
  if (uses < 1) throw new UsageError(`--max-uses: "${value}" must be a whole number from 1 to 9999999`);
  return uses;
}

function stateOf(token: InitialAccessTokenRecord, now: number): string {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt <= now) return 'expired';
  if (token.maxUses !== null && token.uses >= token.maxUses) return 'used up';
  return 'active';
}

/** A token as listed: never its value (only the hash is stored). */
function describe(token: InitialAccessTokenRecord, now: number) {
  return {
    id: token.id,
    state: stateOf(token, now),
    created_at: formatTime(token.createdAt),
    expires_at: formatTime(token.expiresAt),
    uses: token.uses,
    max_uses: token.maxUses,
  };
}

/**
 * `gatehouse client registration-token …`: the initial access tokens client self-registration
 * asks for when client_registration.mode is initial_access_token (RFC 7591 §3).
 */
export function registrationTokenCommand(): Command {
  const command = new Command('registration-token').description(
    'initial access tokens for client self-registration (RFC 7591, client_registration.mode initial_access_token)',
  );

  withStoreOptions(
    command
      .command('create')
      .description('issue an initial access token; it is printed once (only its hash is stored)')
      .requiredOption('--expires <duration>', 'how long it works: 30m, 12h, 1d, 7d (at most 365d)')
      .option('--max-uses <n>', 'how many clients it may register (default: any number until it expires)')
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { expires: string; maxUses?: string; json?: boolean }) => {
    const lifetime = parseExpires(options.expires);
    const maxUses = options.maxUses === undefined ? null : parseMaxUses(options.maxUses);
    const { resolveConfig, withStore } = await import('../context.js');
    const { cryptoIds, systemClock } = await import('../../core/clock.js');
    const { hashSecret } = await import('../../core/secrets.js');
    const config = resolveConfig(options);
    if (config.client_registration.mode !== 'initial_access_token')
      cliIo().stderr.write(
        `warning: client_registration.mode is ${config.client_registration.mode}, so POST /oauth/register asks for ` +
          'no initial access token: set it to initial_access_token (and restart the server) for this one to count\n',
      );
    await withStore(config, async (store, audit) => {
      const now = systemClock.now();
      const token = cryptoIds.secret();
      const record: InitialAccessTokenRecord = {
        id: cryptoIds.id(),
        tokenHash: hashSecret(token),
        createdAt: now,
        expiresAt: now + lifetime,
        maxUses,
        uses: 0,
        revokedAt: null,
      };
      await store.clientRegistrations.createInitialAccessToken(record);
      audit.record('registration_token.created', {
        details: { id: record.id, expires_at: formatTime(record.expiresAt), max_uses: String(maxUses ?? 'any') },
      });
      if (options.json) return printJson({ ...describe(record, now), token });
      printLines([
        `id:       ${record.id}`,
        `expires:  ${formatTime(record.expiresAt)}`,
        `max uses: ${maxUses ?? 'any number'}`,
        `token:    ${token}`,
        '',
        'Hand the token to the developer now: Gatehouse keeps only its hash and cannot show it again.',
        'It goes in "Authorization: Bearer <token>" on POST /oauth/register.',
      ]);
    });
  });

  withStoreOptions(
    command
      .command('list')
      .description('list initial access tokens (never their values)')
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const { systemClock } = await import('../../core/clock.js');
    await withStore(resolveConfig(options), async (store) => {
      const now = systemClock.now();
      const tokens = (await store.clientRegistrations.listInitialAccessTokens()).map((t) => describe(t, now));
      if (options.json) return printJson(tokens);
      printTable(
        ['ID', 'STATE', 'EXPIRES', 'USES'],
        tokens.map((t) => [t.id, t.state, t.expires_at, `${t.uses}/${t.max_uses ?? 'any'}`]),
      );
    });
  });

  withStoreOptions(
    command.command('revoke').description('revoke an initial access token at once').argument('<id>'),
  ).action(async (id: string, options: StoreOptions) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const { systemClock } = await import('../../core/clock.js');
    await withStore(resolveConfig(options), async (store, audit) => {
      if (!(await store.clientRegistrations.revokeInitialAccessToken(id, systemClock.now())))
        throw new UsageError(`no initial access token "${id}" that is not already revoked`);
      audit.record('registration_token.revoked', { details: { id } });
      printLines([`Revoked initial access token ${id}.`]);
    });
  });

  return command;
}
