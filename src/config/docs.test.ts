import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationTable, withConfigurationTable } from './docs.js';
import { configKeys, environmentVariable } from './keys.js';

const README = new URL('../../README.md', import.meta.url);

describe('the configuration table', () => {
  it('in README.md is the one generated from the schema (run `npm run docs` after changing a setting)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withConfigurationTable(readme));
  });

  it('has one row per setting, with its default and environment variable', () => {
    const rows = configurationTable().split('\n').slice(2);
    expect(rows.map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1])).toEqual(configKeys);
    for (const [index, key] of configKeys.entries()) expect(rows[index]).toContain(`\`${environmentVariable(key)}\``);
    const row = (key: string) => rows.find((line) => line.startsWith(`| \`${key}\` |`));
    expect(row('access_token_lifetime')).toBe(
      '| `access_token_lifetime` | `3600` | `GATEHOUSE_ACCESS_TOKEN_LIFETIME` | ' +
        'Seconds an access token lives (`expires_in`). |',
    );
    expect(row('refresh_token_lifetime')).toMatch(/^\| `refresh_token_lifetime` \| `1209600` \(14 days\) \|/);
    expect(row('metrics.allow')).toContain('| `[127.0.0.1, ::1]` | `GATEHOUSE_METRICS_ALLOW` |');
    expect(row('database')).toContain('`GATEHOUSE_DATABASE` or `GATEHOUSE_DATABASE_URL`');
    expect(row('mail.url')).toMatch(/^\| `mail\.url` \| — \|/);
  });

  it('replaces only what is between the markers', () => {
    const text = 'before\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\nafter\n';
    expect(withConfigurationTable(text)).toBe(
      `before\n<!-- config-table:start -->\n${configurationTable()}\n<!-- config-table:end -->\nafter\n`,
    );
  });
});
