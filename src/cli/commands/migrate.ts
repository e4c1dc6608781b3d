import { Command } from 'commander';
import { resolveConfig, withStore, withStoreOptions, type StoreOptions } from '../context.js';
import { printLines } from '../output.js';

export function migrateCommand(): Command {
  return withStoreOptions(new Command('migrate').description('apply pending database migrations')).action(async (options: StoreOptions) => {
    await withStore(
      resolveConfig(options),
      async (store) => {
        const applied = await store.migrate();
        printLines([applied.length ? `Applied migrations: ${applied.join(', ')}.` : 'The database is up to date.']);
      },
      { migrate: false },
    );
  });
}
