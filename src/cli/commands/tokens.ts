import { Command } from 'commander';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { printJson, printLines } from '../output.js';

export function tokensCommand(): Command {
  const tokens = new Command('tokens').description('token maintenance');
  withStoreOptions(
    tokens
      .command('clean')
      .description(
        'delete expired access tokens, refresh tokens, authorization codes, sign-in sessions, retired signing keys and idle failure counters, and audit events past audit.retention (in batches)',
      )
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    const { systemClock } = await import('../../core/clock.js');
    const { cleanUp } = await import('../../storage/cleanup-schedule.js');
    const { resolveConfig, withStore } = await import('../context.js');
    const config = resolveConfig(options);
    await withStore(config, async (store) => {
      const counts = await cleanUp(store, systemClock.now(), config.audit.retention);
      if (options.json) return printJson(counts);
      printLines([
        `Deleted ${counts.accessTokens} expired access tokens, ${counts.refreshTokens} refresh tokens, ${counts.authorizationCodes} authorization codes, ${counts.sessions} sessions, ${counts.signingKeys} retired signing keys, ${counts.throttles} idle sign-in failure counters, ${counts.trustedDevices} expired device cookies and known accounts, ${counts.accountTokens} expired confirmation and reset links, ${counts.unconfirmedUsers} never-confirmed accounts, ${counts.pendingAuthorizations} unanswered consent pages, ${counts.deviceCodes} expired device authorizations, ${counts.usedAssertionIds} expired assertion ids, ${counts.pendingLogouts} unanswered sign-out pages, ${counts.logoutDeliveries} given-up back-channel logouts, ${counts.oidcGrants} spent OpenID sign-ins and ${counts.auditEvents} audit events older than audit.retention.`,
      ]);
    });
  });
  return tokens;
}
