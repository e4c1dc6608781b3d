import { Command } from 'commander';
import type { KeyRing, KeyState } from '../../core/keys.js';
import type { GatehouseConfig } from '../../config/schema.js';
import type { SigningKeyRecord } from '../../storage/store.js';
import { UsageError } from '../errors.js';
import { formatTime, printJson, printLines, printTable } from '../output.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';

/**
 * core/keys.ts's KEY_PREPUBLICATION_SECONDS, for the help text: importing that module loads jose,
 * which --help must not pay for. keys.test.ts keeps the two equal.
 */
export const HELP_PREPUBLICATION_SECONDS = 90;

/** `list` only reads public data and needs no key_encryption_key; `rotate` does. */
async function keyRing(
  config: GatehouseConfig,
  store: ConstructorParameters<typeof KeyRing>[0],
  { decrypt = true } = {},
): Promise<KeyRing> {
  if (decrypt && !config.key_encryption_key) {
    throw new UsageError(
      'key_encryption_key is not configured (set GATEHOUSE_KEY_ENCRYPTION_KEY, at least 32 characters)',
    );
  }
  const { KeyEncryption } = await import('../../core/key-encryption.js');
  const { KeyRing } = await import('../../core/keys.js');
  const { systemClock } = await import('../../core/clock.js');
  const { keyRingSettings } = await import('../../config/signing.js');
  const encryption = config.key_encryption_key ? new KeyEncryption(config.key_encryption_key) : null;
  return new KeyRing(store, systemClock, encryption, keyRingSettings(config));
}

function describeKey(key: SigningKeyRecord & { state: KeyState }) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.state,
    created_at: formatTime(key.createdAt),
    /** When it stops (or stopped) signing. */
    retires_at: key.retiredAt === null ? null : formatTime(key.retiredAt),
    published_until: key.publishUntil === null ? null : formatTime(key.publishUntil),
  };
}

/** gatehouse keys rotate | list: the JWT signing keys. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('signing keys (ID tokens, JWT access tokens)');

  withStoreOptions(
    keys
      .command('rotate')
      .description(
        `add a new signing key: published at once, signing ${HELP_PREPUBLICATION_SECONDS} s later; the current key stays published until its tokens expire`,
      )
      .option(
        '--now',
        'sign with the new key at once (resource servers that cached the keys moments ago may refuse its tokens for up to a minute)',
      )
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { now?: boolean; json?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const { KEY_PREPUBLICATION_SECONDS } = await import('../../core/keys.js');
    const config = resolveConfig(options);
    await withStore(config, async (store, audit) => {
      const ring = await keyRing(config, store);
      // The access-token algorithm's key, and one for each other algorithm signing ID tokens.
      const rotated = await ring.rotateAll({ immediately: options.now ?? false });
      for (const created of rotated)
        audit.record('key.rotated', {
          details: { kid: created.kid, algorithm: created.algorithm, immediately: String(options.now ?? false) },
        });
      const listing = await ring.list();
      const described = rotated.map((created) => describeKey(listing.find((key) => key.kid === created.kid)!));
      if (options.json) {
        const [main, ...others] = described;
        return printJson(others.length === 0 ? main : { ...main, also_rotated: others });
      }
      const first = listing.length === rotated.length;
      printLines([
        ...described.map((key) => {
          const when = key.state === 'signing' ? 'now' : `in ${KEY_PREPUBLICATION_SECONDS} seconds`;
          return `New signing key ${key.kid} (${key.algorithm}), published now; every node signs with it ${when}.`;
        }),
        ...(first ? [] : ['The previous key stays published until the tokens it signed have expired.']),
      ]);
    });
  });

  withStoreOptions(
    keys.command('list').description('list signing keys, current first').option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const config = resolveConfig(options);
    await withStore(config, async (store) => {
      const described = (await (await keyRing(config, store, { decrypt: false })).list()).map(describeKey);
      if (options.json) return printJson(described);
      printTable(
        ['KID', 'ALGORITHM', 'STATE', 'CREATED', 'RETIRES', 'PUBLISHED UNTIL'],
        described.map((key) => [
          key.kid,
          key.algorithm,
          key.state,
          key.created_at,
          key.retires_at ?? '-',
          key.published_until ?? '-',
        ]),
      );
    });
  });
  return keys;
}
