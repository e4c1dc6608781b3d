import { Command } from 'commander';
import type { SettingOrigin } from '../../config/origins.js';
import { printJson, printLines, printTable } from '../output.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';

/** Settings whose value is itself a secret: shown only as set or not. */
const SECRET_KEYS = new Set(['key_encryption_key']);

/** A URL's password (database, mail.url, rate_limit.redis_url) replaced by ***. */
function withoutPassword(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value) || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (!url.password) return value;
  url.password = '***';
  return url.toString();
}

/** The value as it may be shown: secrets redacted, wherever they are. */
function redacted(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_KEYS.has(key)) return '(redacted)';
  if (typeof value === 'string') return withoutPassword(value);
  if (Array.isArray(value)) return value.map((item) => redacted(key, item));
  // Inside lists of objects too (jwt_bearer.issuers' URLs).
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, redacted(key, inner)]));
  return value;
}

function describeOrigin(origin: SettingOrigin | undefined): string {
  if (origin?.kind === 'file') return origin.path;
  if (origin?.kind === 'env') return origin.name;
  if (origin?.kind === 'flag') return origin.name;
  return 'default';
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '(unset)';
  if (value === '') return '(empty)';
  if (Array.isArray(value))
    return value.length === 0
      ? '(none)'
      : value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function configCommand(): Command {
  const config = new Command('config').description('the settings the server and every command use');
  withStoreOptions(
    config
      .command('show')
      .description('print every effective setting and where it came from (secrets redacted)')
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    const { resolveConfigWithOrigins } = await import('../context.js');
    const { configKeys } = await import('../../config/keys.js');
    const { valueAt } = await import('../../config/origins.js');
    const resolved = resolveConfigWithOrigins(options);
    const settings = configKeys.map((key) => {
      const origin = resolved.origins.get(key);
      return { key, value: redacted(key, valueAt(resolved.config, key)), origin };
    });
    const file = resolved.file;
    if (options.json) {
      printJson({
        file: file === null ? null : { path: file.path, chosen_by: file.chosenBy },
        settings: Object.fromEntries(
          settings.map(({ key, value, origin }) => [
            key,
            { value: value ?? null, source: origin?.kind ?? 'default', from: describeOrigin(origin) },
          ]),
        ),
      });
      return;
    }
    const chosenBy = {
      '--config': 'given with --config',
      GATEHOUSE_CONFIG: 'named by GATEHOUSE_CONFIG',
      found: 'found from the working directory',
    } as const;
    printLines([
      file === null
        ? 'Configuration file: none (no --config, no GATEHOUSE_CONFIG, no gatehouse.yaml here or above)'
        : `Configuration file: ${file.path} (${chosenBy[file.chosenBy]})`,
      '',
    ]);
    printTable(
      ['SETTING', 'VALUE', 'FROM'],
      settings.map(({ key, value, origin }) => [key, formatValue(value), describeOrigin(origin)]),
    );
  });
  return config;
}
