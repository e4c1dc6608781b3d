import { Command } from 'commander';
import { KeyEncryption } from '../../core/key-encryption.js';
import { KeyRing } from '../../core/keys.js';
import type { GatehouseConfig } from '../../config/schema.js';
import type { SigningKeyRecord } from '../../storage/store.js';
import { systemClock } from '../../core/clock.js';
import { resolveConfig, withStore, withStoreOptions, type StoreOptions } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTime, printJson, printLines, printTable } from '../output.js';

function keyRing(config: GatehouseConfig, store: ConstructorParameters<typeof KeyRing>[0]): KeyRing {
  if (!config.key_encryption_key) {
    throw new UsageError('key_encryption_key is not configured (set GATEHOUSE_KEY_ENCRYPTION_KEY, at least 32 characters)');
  }
  return new KeyRing(store, systemClock, new KeyEncryption(config.key_encryption_key), {
    algorithm: config.jwt_signing_algorithm,
    maxTokenLifetime: config.access_token_lifetime,
  });
}

function state(key: SigningKeyRecord, now: number): 'signing' | 'published' | 'expired' {
  if (key.retiredAt === null) return 'signing';
  return key.publishUntil !== null && key.publishUntil > now ? 'published' : 'expired';
}

function describeKey(key: SigningKeyRecord, now: number) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    state: state(key, now),
    created_at: formatTime(key.createdAt),
    retired_at: key.retiredAt === null ? null : formatTime(key.retiredAt),
    published_until: key.publishUntil === null ? null : formatTime(key.publishUntil),
  };
}

/** gatehouse keys rotate | list: the JWT signing keys. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('JWT signing keys (access_token_format: jwt)');

  withStoreOptions(
    keys
      .command('rotate')
      .description('add a new signing key; the current one keeps being published until its tokens expire')
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    const config = resolveConfig(options);
    await withStore(config, async (store) => {
      const created = await keyRing(config, store).rotate();
      const described = describeKey(created, systemClock.now());
      if (options.json) return printJson(described);
      printLines([`New signing key ${created.kid} (${created.algorithm}); new tokens are signed with it within 10 seconds on every node.`]);
    });
  });

  withStoreOptions(keys.command('list').description('list signing keys, newest first').option('--json', 'print JSON')).action(
    async (options: StoreOptions & { json?: boolean }) => {
      const config = resolveConfig(options);
      await withStore(config, async (store) => {
        const now = systemClock.now();
        const described = (await store.listSigningKeys()).map((key) => describeKey(key, now));
        if (options.json) return printJson(described);
        printTable(
          ['KID', 'ALGORITHM', 'STATE', 'CREATED', 'PUBLISHED UNTIL'],
          described.map((key) => [key.kid, key.algorithm, key.state, key.created_at, key.published_until ?? '-']),
        );
      });
    },
  );
  return keys;
}
