import { dirname, isAbsolute, resolve } from 'node:path';
import { configKeys, environmentVariable } from './keys.js';
import type { GatehouseConfig } from './schema.js';

/** Where a setting's effective value came from (`gatehouse config show`). */
export type SettingOrigin =
  | { kind: 'default' }
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

/** The value at `key` (`port`, `mail.outbox`) of a nested settings object. */
export function valueAt(settings: object, key: string): unknown {
  let value: unknown = settings;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The flag that sets a key: database → --database. */
export const flagName = (key: string) => `--${key.replace(/_/g, '-')}`;

/** Each key's origin: a flag beats the environment, which beats the file, which beats the default. */
export function settingOrigins(layers: {
  file?: string;
  fromFile: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  flags: Partial<Record<string, unknown>>;
}): Map<string, SettingOrigin> {
  const origins = new Map<string, SettingOrigin>();
  for (const key of configKeys) {
    const variable =
      key === 'database' &&
      layers.env.GATEHOUSE_DATABASE === undefined &&
      layers.env.GATEHOUSE_DATABASE_URL !== undefined
        ? 'GATEHOUSE_DATABASE_URL'
        : environmentVariable(key);
    if (layers.flags[key] !== undefined) origins.set(key, { kind: 'flag', name: flagName(key) });
    else if (layers.env[variable] !== undefined) origins.set(key, { kind: 'env', name: variable });
    else if (layers.file !== undefined && valueAt(layers.fromFile, key) !== undefined)
      origins.set(key, { kind: 'file', path: layers.file });
    else origins.set(key, { kind: 'default' });
  }
  return origins;
}

function resolvePath(key: string, value: string, base: string): string {
  if (key !== 'database') return isAbsolute(value) ? value : resolve(base, value);
  if (!value.startsWith('sqlite:')) return value;
  const path = value.slice('sqlite:'.length);
  if (!path || path === ':memory:' || isAbsolute(path)) return value;
  return `sqlite:${resolve(base, path)}`;
}

/**
 * The settings that name files or folders (database, mail.outbox, mail.templates), relative ones
 * made absolute: those written in a configuration file against the file's folder
 * (so a command run from a subfolder finds the same database and outbox), and so are the
 * defaults when there is a file; those from the environment or a flag, and the defaults without
 * a file, against `cwd`, the working directory they were typed in. Without a file and without
 * `cwd` (a library caller), nothing changes: relative paths stay relative to process.cwd().
 */
export function resolvePaths(
  config: GatehouseConfig,
  origins: ReadonlyMap<string, SettingOrigin>,
  { file, cwd }: { file?: string; cwd?: string },
): GatehouseConfig {
  const fileDir = file === undefined ? undefined : dirname(file);
  const baseOf = (origin: SettingOrigin | undefined) =>
    origin?.kind === 'file' ? fileDir : origin?.kind === 'default' ? (fileDir ?? cwd) : cwd;
  const at = (key: string): string | undefined => {
    const value = valueAt(config, key);
    const base = baseOf(origins.get(key));
    return typeof value === 'string' && base !== undefined ? resolvePath(key, value, base) : (value as undefined);
  };
  const templates = at('mail.templates');
  return {
    ...config,
    database: at('database') ?? config.database,
    mail: {
      ...config.mail,
      outbox: at('mail.outbox') ?? config.mail.outbox,
      ...(templates === undefined ? {} : { templates }),
    },
  };
}
