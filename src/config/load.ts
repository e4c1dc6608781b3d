import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { parseDatabaseUrl, type DatabaseLocation } from '../storage/open.js';
import { nearestName } from './nearest-name.js';
import {
  booleanKeys,
  configKeys,
  environmentVariable,
  environmentVariables,
  listKeys,
  numericKeys,
  objectKeys,
  sectionKeys,
} from './keys.js';
import { configSchema, type ConfigInput, type GatehouseConfig } from './schema.js';
import { resolvePaths, settingOrigins, type SettingOrigin } from './origins.js';

/** A configuration problem, reported as "key: reason" so the operator knows what to fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Path of a JSON or YAML file (YAML is a superset of JSON, so one parser reads both). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already named by config key. */
  flags?: Partial<Record<string, unknown>>;
  /**
   * Told about what is suspicious but not wrong: a GATEHOUSE_* variable no setting reads (a typo
   * there would otherwise be silently ignored). Default: process.emitWarning.
   */
  warn?: (message: string) => void;
  /**
   * The working directory relative paths from the environment and flags (and the defaults, when
   * there is no file) are resolved against. Unset: they stay relative. Relative paths written in
   * the file are resolved against the file's folder either way.
   */
  cwd?: string;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `config file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    // Loaded only when there is a file to read (most commands have none); CommonJS, so synchronously.
    const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof Yaml;
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: not valid JSON or YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(`config file ${path}: must be a mapping of keys to values`);
  return parsed as Record<string, unknown>;
}

/** GATEHOUSE_ACCESS_TOKEN_LIFETIME=60 → { access_token_lifetime: 60 }. Lists: JSON array, or space/comma separated. */
function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of configKeys) {
    const name = environmentVariable(key);
    const raw = env[name];
    if (raw === undefined) continue;
    const [section, inner] = key.split('.') as [string, string | undefined];
    if (inner === undefined) values[key] = fromString(key, raw, name);
    else {
      values[section] ??= {};
      (values[section] as Record<string, unknown>)[inner] = fromString(key, raw, name);
    }
  }
  // The conventional name for the database location.
  if (env.GATEHOUSE_DATABASE_URL !== undefined && env.GATEHOUSE_DATABASE === undefined)
    values.database = env.GATEHOUSE_DATABASE_URL;
  return values;
}

/** Converts a string from the environment or a flag to the key's type. */
export function fromString(key: string, raw: string, source = key): unknown {
  if (numericKeys.has(key)) {
    if (!/^\s*-?\d+\s*$/.test(raw)) throw new ConfigError(`${source}: expected a whole number, got "${raw}"`);
    return Number(raw);
  }
  if (booleanKeys.has(key)) {
    const value = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(`${source}: expected true or false, got "${raw}"`);
  }
  if (objectKeys.has(key)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new ConfigError(`${source}: not a valid JSON object`);
    }
  }
  if (listKeys.has(key)) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('[')) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        throw new ConfigError(`${source}: not a valid JSON array`);
      }
    }
    return trimmed.split(/[\s,]+/).filter(Boolean);
  }
  return raw;
}

/** One warning per GATEHOUSE_* variable that no setting reads, naming the nearest one that does. */
export function unknownEnvironmentWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = new Set(environmentVariables);
  return Object.keys(env)
    .filter((name) => name.startsWith('GATEHOUSE_') && !known.has(name))
    .sort()
    .map((name) => {
      // Compared without the shared prefix: GATEHOUSE_ alone would make any two names look alike.
      const suffix = (variable: string) => variable.slice('GATEHOUSE_'.length);
      const match = nearestName(suffix(name), [...known].map(suffix));
      const nearest = match === undefined ? undefined : `GATEHOUSE_${match}`;
      return `${name} is not a Gatehouse setting and is ignored${nearest ? ` (did you mean ${nearest}?)` : ''}`;
    });
}

const emitWarning = (message: string) => process.emitWarning(message, 'GatehouseConfigWarning');

/** Loads configuration: file < environment < flags, then validates everything at once. */
export function loadConfig(sources: ConfigSources = {}): GatehouseConfig {
  return loadConfigWithOrigins(sources).config;
}

/** The configuration, and where each setting's value came from. */
export function loadConfigWithOrigins(sources: ConfigSources = {}): {
  config: GatehouseConfig;
  origins: Map<string, SettingOrigin>;
} {
  const file = sources.file ? resolve(sources.cwd ?? process.cwd(), sources.file) : undefined;
  const fromFile = file ? readFile(file) : {};
  const fromEnv = readEnv(sources.env ?? {});
  for (const warning of unknownEnvironmentWarnings(sources.env ?? {})) (sources.warn ?? emitWarning)(warning);
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv };
  // A section set partly in the file and partly in the environment keeps both parts.
  for (const section of sectionKeys) {
    const filePart = fromFile[section];
    if (section in fromEnv && filePart !== null && typeof filePart === 'object' && !Array.isArray(filePart)) {
      merged[section] = { ...(filePart as Record<string, unknown>), ...(fromEnv[section] as Record<string, unknown>) };
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) merged[key] = value;
  }
  const origins = settingOrigins({ file, fromFile, env: sources.env ?? {}, flags: sources.flags ?? {} });
  const config = resolvePaths(validateConfig(merged as ConfigInput), origins, { file, cwd: sources.cwd });
  return { config, origins };
}

export function validateConfig(input: ConfigInput): GatehouseConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      // Inside a section the key is named with it: registration.enabeld.
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unknownKey(issue.path, key)).join('; ');
      const key = issue.path.join('.') || '(config)';
      return `${key}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const config = result.data;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const issuer = config.issuer ?? `http://${hostForUrl}:${config.port}`;
  return {
    ...config,
    issuer,
    access_token_audience: config.access_token_audience ?? issuer,
    mail: { ...config.mail, from: config.mail.from ?? `Gatehouse <no-reply@${mailDomainOf(issuer)}>` },
    outbound_fetch: {
      ...config.outbound_fetch,
      allow_loopback: config.outbound_fetch.allow_loopback ?? isDevelopmentIssuer(issuer),
    },
  };
}

/** An http:// issuer on localhost or a loopback address: a development server, which may fetch from loopback. */
function isDevelopmentIssuer(issuer: string): boolean {
  const { protocol, hostname } = new URL(issuer);
  if (protocol !== 'http:') return false;
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127\./.test(hostname) || hostname === '[::1]';
}

/** "registration.enabeld: unknown setting (did you mean registration.enabled?)" */
function unknownKey(path: readonly PropertyKey[], key: string): string {
  const prefix = path.map(String).join('.');
  // The keys known where this one was found: top-level keys, or those of its section.
  const known = configKeys.flatMap((name) => {
    const dot = name.indexOf('.');
    if (!prefix) return [dot === -1 ? name : name.slice(0, dot)];
    return name.startsWith(`${prefix}.`) ? [name.slice(prefix.length + 1)] : [];
  });
  const nearest = nearestName(key, new Set(known));
  const name = prefix ? `${prefix}.${key}` : key;
  return `${name}: unknown setting${nearest ? ` (did you mean ${prefix ? `${prefix}.${nearest}` : nearest}?)` : ''}`;
}

/** The issuer's host name, or localhost when the issuer is an IP address (not a mail domain). */
function mailDomainOf(issuer: string): string {
  const host = new URL(issuer).hostname;
  return /^[\d.]+$|^\[/.test(host) ? 'localhost' : host;
}

/** Where the configured database is; a malformed URL is a configuration error naming the key. */
export function databaseLocation(config: GatehouseConfig): DatabaseLocation {
  try {
    return parseDatabaseUrl(config.database);
  } catch (error) {
    throw new ConfigError(`database: ${(error as Error).message}`);
  }
}
