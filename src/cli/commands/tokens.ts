import { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { resolveConfig, withStore, withStoreOptions, type StoreOptions } from '../context.js';
import { printJson, printLines } from '../output.js';

export function tokensCommand(): Command {
  const tokens = new Command('tokens').description('token maintenance');
  withStoreOptions(
    tokens
      .command('clean')
      .description('delete expired access tokens, refresh tokens, authorization codes, sign-in sessions, retired signing keys and idle failure counters (in batches)')
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    await withStore(resolveConfig(options), async (store) => {
      const counts = await store.deleteExpired(systemClock.now());
      if (options.json) return printJson(counts);
      printLines([
        `Deleted ${counts.accessTokens} expired access tokens, ${counts.refreshTokens} refresh tokens, ${counts.authorizationCodes} authorization codes, ${counts.sessions} sessions, ${counts.signingKeys} retired signing keys, ${counts.throttles} idle sign-in failure counters, ${counts.accountTokens} expired confirmation and reset links and ${counts.unconfirmedUsers} never-confirmed accounts.`,
      ]);
    });
  });
  return tokens;
}
