/**
 * Relative paths in the settings (config/origins.ts): those from a file against its folder, the
 * others against the working directory; absolute paths, PostgreSQL URLs and `sqlite::memory:`
 * untouched; without a file and a working directory (a library caller), nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigWithOrigins } from './load.js';
import { resolvePaths, settingOrigins } from './origins.js';
import { validateConfig } from './load.js';

const origins = (layers: Partial<Parameters<typeof settingOrigins>[0]>) =>
  settingOrigins({ fromFile: {}, env: {}, flags: {}, ...layers });

describe('resolvePaths', () => {
  it('resolves a file value against the file folder, and a flag value against the working directory', () => {
    const config = validateConfig({ database: 'sqlite:db/g.db', mail: { outbox: 'out', templates: '../t' } });
    const fromFile = origins({
      file: '/etc/gh/gatehouse.yaml',
      fromFile: { database: 'x', mail: { outbox: 'x', templates: 'x' } },
    });
    expect(resolvePaths(config, fromFile, { file: '/etc/gh/gatehouse.yaml', cwd: '/home/op' })).toMatchObject({
      database: 'sqlite:/etc/gh/db/g.db',
      mail: { outbox: '/etc/gh/out', templates: '/etc/t' },
    });
    const fromFlag = origins({ flags: { database: 'x' } });
    expect(resolvePaths(config, fromFlag, { file: '/etc/gh/gatehouse.yaml', cwd: '/home/op' }).database).toBe(
      'sqlite:/home/op/db/g.db',
    );
  });

  it('leaves absolute paths, sqlite::memory: and PostgreSQL URLs as they are', () => {
    for (const database of ['sqlite:/var/lib/gh.db', 'sqlite::memory:', 'postgres://u@db/gh']) {
      const config = validateConfig({ database });
      const fromFile = origins({ file: '/etc/gh/gatehouse.yaml', fromFile: { database } });
      expect(resolvePaths(config, fromFile, { file: '/etc/gh/gatehouse.yaml', cwd: '/x' }).database).toBe(database);
    }
  });

  it('without a file or a working directory nothing changes', () => {
    const { config } = loadConfigWithOrigins({ flags: { database: 'sqlite:rel.db' } });
    expect(config.database).toBe('sqlite:rel.db');
    expect(config.mail.outbox).toBe('./data/outbox');
  });
});

describe('settingOrigins', () => {
  it('a flag beats the environment, which beats the file, which beats the default', () => {
    const found = origins({
      file: '/f.yaml',
      fromFile: { port: 1, host: 'h', mail: { outbox: 'o' } },
      env: { GATEHOUSE_PORT: '2', GATEHOUSE_DATABASE_URL: 'sqlite:x' },
      flags: { port: 3 },
    });
    expect(found.get('port')).toEqual({ kind: 'flag', name: '--port' });
    expect(found.get('host')).toEqual({ kind: 'file', path: '/f.yaml' });
    expect(found.get('mail.outbox')).toEqual({ kind: 'file', path: '/f.yaml' });
    expect(found.get('database')).toEqual({ kind: 'env', name: 'GATEHOUSE_DATABASE_URL' });
    expect(found.get('issuer')).toEqual({ kind: 'default' });
  });
});
