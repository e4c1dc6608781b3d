import { Command } from 'commander';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { printLines } from '../output.js';

export function migrateCommand(): Command {
  return withStoreOptions(new Command('migrate').description('apply pending database migrations')).action(
    async (options: StoreOptions) => {
      const { resolveConfig, withStore } = await import('../context.js');
      await withStore(
        resolveConfig(options),
        async (store) => {
          const applied = await store.migrate();
          printLines([applied.length ? `Applied migrations: ${applied.join(', ')}.` : 'The database is up to date.']);
        },
        // The one admin command that changes the schema: it must not insist on a current one.
        { checkSchema: false, create: true },
      );
    },
  );
}
