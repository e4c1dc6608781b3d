import type { Command } from 'commander';

export interface StoreOptions {
  config?: string;
  database?: string;
}

/**
 * Every command that touches the database takes these two options. Apart from context.ts so that
 * defining the commands (all of them, for --help) loads neither the configuration nor the storage.
 */
export function withStoreOptions(command: Command): Command {
  return command
    .option(
      '--database <url>',
      'sqlite:PATH or postgres://… (default sqlite:./data/gatehouse.db; env GATEHOUSE_DATABASE_URL)',
    )
    .option(
      '--config <file>',
      'JSON or YAML configuration file (default: GATEHOUSE_CONFIG, else gatehouse.yaml here or in a parent folder)',
    );
}
