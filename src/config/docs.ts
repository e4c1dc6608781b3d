/**
 * The README's configuration table, built from the schema (keys, order, defaults, environment
 * variables) and settings-docs.ts (what each means). `npm run docs` writes it into README.md
 * between the two markers; docs.test.ts fails when the README's copy is stale.
 */
import { configKeys, environmentVariable } from './keys.js';
import { configSchema } from './schema.js';
import { settingDocs } from './settings-docs.js';

export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

/** A default as the README writes it: `3600`, `""`, `[]`, `[127.0.0.1, ::1]`, `{}`. */
function formatDefault(value: unknown): string {
  if (value === undefined) return '—';
  if (Array.isArray(value)) return `\`[${value.map(String).join(', ')}]\``;
  if (typeof value === 'object' && value !== null) return `\`${JSON.stringify(value)}\``;
  return `\`${typeof value === 'string' ? (value === '' ? '""' : value) : String(value)}\``;
}

/** The value of `registration.token_ttl` in a parsed configuration. */
function valueAt(config: Record<string, unknown>, key: string): unknown {
  let value: unknown = config;
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

function environmentColumn(key: string): string {
  const names = [environmentVariable(key), ...(key === 'database' ? ['GATEHOUSE_DATABASE_URL'] : [])];
  return names.map((name) => `\`${name}\``).join(' or ');
}

/** The Markdown table: one row per setting, in the schema's order. */
export function configurationTable(): string {
  const missing = configKeys.filter((key) => !(key in settingDocs));
  const extra = Object.keys(settingDocs).filter((key) => !configKeys.includes(key));
  if (missing.length || extra.length) {
    throw new Error(`settings-docs.ts: describe ${missing.join(', ') || '-'}; remove ${extra.join(', ') || '-'}`);
  }
  // Every default, sections included, as the schema fills them in.
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const rows = configKeys.map((key) => {
    const doc = settingDocs[key]!;
    const shown = doc.defaultText ?? formatDefault(valueAt(defaults, key));
    const defaultCell = doc.defaultNote ? `${shown} (${doc.defaultNote})` : shown;
    for (const text of [doc.meaning, defaultCell]) {
      if (/[|\n]/.test(text)) throw new Error(`settings-docs.ts: ${key}: a table cell cannot hold "|" or a line break`);
    }
    return `| \`${key}\` | ${defaultCell} | ${environmentColumn(key)} | ${doc.meaning} |`;
  });
  return ['| Key | Default | Environment | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the current table. */
export function withConfigurationTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start) throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configurationTable()}\n${readme.slice(end)}`;
}
