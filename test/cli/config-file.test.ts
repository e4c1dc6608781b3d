/**
 * One configuration file for the server and every command: which file is read (--config, then
 * GATEHOUSE_CONFIG, then gatehouse.yaml in the working directory or its nearest parent), relative
 * paths in it resolved against its folder (so a second terminal in a subfolder sees the same
 * database), file < environment < flags, and `gatehouse config show` (every setting, where it came
 * from, secrets redacted). In-process: each command runs with its own working directory (CliIo.cwd).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config/keys.js';
import {
  describeResult,
  expectMisuse,
  expectSuccess,
  lines,
  parseJson,
  runCli,
  type RunOptions,
} from '../helpers/cli.js';

interface Shown {
  file: { path: string; chosen_by: string } | null;
  settings: Record<string, { value: unknown; source: 'default' | 'file' | 'env' | 'flag'; from: string }>;
}

const KEK = 'k'.repeat(40);

let root: string;
/** A project folder with a gatehouse.yaml, and a subfolder of it. */
let project: string;
let sub: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-cli-config-file-'));
  project = join(root, 'project');
  sub = join(project, 'deeper', 'still');
  await mkdir(sub, { recursive: true });
  await writeFile(
    join(project, 'gatehouse.yaml'),
    [
      'database: sqlite:./state/gatehouse.db',
      'port: 9100',
      'supported_scopes: [read, write]',
      `key_encryption_key: "${KEK}"`,
      'mail:',
      '  url: smtp://mailer:hunter2@mail.example.com:587',
      '  outbox: ./mail-out',
      'rate_limit:',
      '  redis_url: redis://:sesame@127.0.0.1:6379/2',
      '',
    ].join('\n'),
  );
  await writeFile(join(root, 'other.yaml'), 'port: 9200\ndatabase: sqlite:./other.db\n');
  await writeFile(join(root, 'named-by-env.yaml'), 'port: 9300\n');
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const show = async (cwd: string, args: string[] = [], options: RunOptions = {}) => {
  const result = await runCli(['config', 'show', '--json', ...args], { cwd, ...options });
  expectSuccess(result);
  return parseJson<Shown>(result);
};

describe('which file is read', () => {
  it('gatehouse.yaml in the working directory, or in its nearest parent', async () => {
    const [here, below] = await Promise.all([show(project), show(sub)]);
    for (const shown of [here, below]) {
      expect(shown.file).toEqual({ path: join(project, 'gatehouse.yaml'), chosen_by: 'found' });
      expect(shown.settings.port).toEqual({ value: 9100, source: 'file', from: join(project, 'gatehouse.yaml') });
    }
  });

  it('gatehouse.yml and gatehouse.json are found too; the nearest folder wins', async () => {
    const json = join(root, 'json-project');
    const nested = join(json, 'nested');
    await mkdir(nested, { recursive: true });
    await writeFile(join(json, 'gatehouse.json'), JSON.stringify({ port: 9500 }));
    await writeFile(join(nested, 'gatehouse.yml'), 'port: 9600\n');
    const [outer, inner] = await Promise.all([show(json), show(nested)]);
    expect(outer.file?.path).toBe(join(json, 'gatehouse.json'));
    expect(outer.settings.port?.value).toBe(9500);
    expect(inner.file?.path).toBe(join(nested, 'gatehouse.yml'));
    expect(inner.settings.port?.value).toBe(9600);
  });

  it('GATEHOUSE_CONFIG beats the file found; --config beats both', async () => {
    const env = { GATEHOUSE_CONFIG: join(root, 'named-by-env.yaml') };
    const [byEnv, byFlag] = await Promise.all([
      show(project, [], { env }),
      show(project, ['--config', '../other.yaml'], { env }),
    ]);
    expect(byEnv.file).toEqual({ path: join(root, 'named-by-env.yaml'), chosen_by: 'GATEHOUSE_CONFIG' });
    expect(byEnv.settings.port?.value).toBe(9300);
    // A relative --config is relative to the working directory.
    expect(byFlag.file).toEqual({ path: join(root, 'other.yaml'), chosen_by: '--config' });
    expect(byFlag.settings.port?.value).toBe(9200);
  });

  it('no file: defaults, and relative paths relative to the working directory', async () => {
    const shown = await show(root);
    expect(shown.file).toBeNull();
    expect(shown.settings.database).toEqual({
      value: `sqlite:${join(root, 'data/gatehouse.db')}`,
      source: 'default',
      from: 'default',
    });
    expect(shown.settings['mail.outbox']?.value).toBe(join(root, 'data/outbox'));
  });

  it('a file named that does not exist is misuse naming it', async () => {
    expectMisuse(
      await runCli(['client', 'list', '--config', 'nowhere.yaml'], { cwd: root }),
      /nowhere\.yaml.*not found/,
    );
    expectMisuse(
      await runCli(['client', 'list'], { cwd: root, env: { GATEHOUSE_CONFIG: 'nowhere.yaml' } }),
      /nowhere\.yaml.*not found/,
    );
  });
});

describe('paths in the file are relative to its folder', () => {
  it('database, mail.outbox and the defaults resolve beside the file, from any subfolder', async () => {
    const shown = await show(sub);
    expect(shown.settings.database?.value).toBe(`sqlite:${join(project, 'state/gatehouse.db')}`);
    expect(shown.settings['mail.outbox']?.value).toBe(join(project, 'mail-out'));
  });

  it('a command in a second terminal, in a subfolder, works on the database migrate created', async () => {
    expectSuccess(await runCli(['migrate'], { cwd: project }));
    expect(existsSync(join(project, 'state/gatehouse.db'))).toBe(true);
    const created = await runCli(
      ['client', 'create', '--name', 'From Below', '--grant-type', 'client_credentials', '--scope', 'read'],
      {
        cwd: sub,
      },
    );
    expectSuccess(created);
    const listed = await runCli(['client', 'list'], { cwd: project });
    expectSuccess(listed);
    expect(listed.stdout).toContain('From Below');
    // The file's supported_scopes reached the command: an unsupported scope is refused as the server would.
    expectMisuse(
      await runCli(['client', 'create', '--name', 'x', '--grant-type', 'client_credentials', '--scope', 'admin'], {
        cwd: sub,
      }),
      /admin.*supported_scopes \(read write/,
    );
    expect(existsSync(join(sub, 'state')) || existsSync(join(sub, 'data'))).toBe(false);
  });

  it('a relative --database or GATEHOUSE_DATABASE_URL is relative to the working directory', async () => {
    const [flag, env] = await Promise.all([
      show(sub, ['--database', 'sqlite:here.db']),
      show(sub, [], { env: { GATEHOUSE_DATABASE_URL: 'sqlite:./env.db' } }),
    ]);
    expect(flag.settings.database).toEqual({
      value: `sqlite:${join(sub, 'here.db')}`,
      source: 'flag',
      from: '--database',
    });
    expect(env.settings.database).toEqual({
      value: `sqlite:${join(sub, 'env.db')}`,
      source: 'env',
      from: 'GATEHOUSE_DATABASE_URL',
    });
  });
});

describe('gatehouse config show', () => {
  it('names every setting once with where its value came from: file < environment < flags', async () => {
    const shown = await show(sub, ['--database', 'sqlite:flag.db'], {
      env: { GATEHOUSE_PORT: '9400', GATEHOUSE_ACCESS_TOKEN_LIFETIME: '60' },
    });
    expect(Object.keys(shown.settings)).toEqual(configKeys);
    expect(shown.settings.port).toEqual({ value: 9400, source: 'env', from: 'GATEHOUSE_PORT' });
    expect(shown.settings.access_token_lifetime).toEqual({
      value: 60,
      source: 'env',
      from: 'GATEHOUSE_ACCESS_TOKEN_LIFETIME',
    });
    expect(shown.settings.database).toMatchObject({ source: 'flag', from: '--database' });
    expect(shown.settings.supported_scopes).toMatchObject({ value: ['read', 'write'], source: 'file' });
    expect(shown.settings.refresh_token_lifetime).toEqual({ value: 1_209_600, source: 'default', from: 'default' });
    // Worked out from the others.
    expect(shown.settings.issuer).toMatchObject({ value: 'http://127.0.0.1:9400', source: 'default' });
  });

  it('redacts secrets: key_encryption_key and the passwords in URLs', async () => {
    const result = await runCli(['config', 'show', '--database', 'postgres://gatehouse:pg-secret@db.example.com/gh'], {
      cwd: sub,
    });
    const json = await runCli(
      ['config', 'show', '--json', '--database', 'postgres://gatehouse:pg-secret@db.example.com/gh'],
      {
        cwd: sub,
      },
    );
    for (const output of [result, json]) {
      expectSuccess(output);
      for (const secret of [KEK, 'hunter2', 'sesame', 'pg-secret']) expect(output.stdout).not.toContain(secret);
    }
    const shown = parseJson<Shown>(json);
    expect(shown.settings.key_encryption_key).toMatchObject({ value: '(redacted)', source: 'file' });
    expect(shown.settings['mail.url']?.value).toBe('smtp://mailer:***@mail.example.com:587');
    expect(shown.settings['rate_limit.redis_url']?.value).toBe('redis://:***@127.0.0.1:6379/2');
    expect(shown.settings.database?.value).toBe('postgres://gatehouse:***@db.example.com/gh');
  });

  it('redacts a password in a URL inside a list of objects too', async () => {
    await writeFile(
      join(root, 'issuers.yaml'),
      'jwt_bearer:\n  issuers:\n    - issuer: https://idp.example\n      jwks_uri: https://u:topsecret@idp.example/jwks\n      subject: username\n',
    );
    const result = await runCli(['config', 'show', '--config', 'issuers.yaml', '--json'], { cwd: root });
    expectSuccess(result);
    expect(result.stdout).not.toContain('topsecret');
    expect(parseJson<Shown>(result).settings['jwt_bearer.issuers']?.value).toEqual([
      { issuer: 'https://idp.example', jwks_uri: 'https://u:***@idp.example/jwks', subject: 'username' },
    ]);
  });

  it('the key the server generated beside a SQLite database counts as set, from its file', async () => {
    const dir = await mkdtemp(join(root, 'kek-'));
    await writeFile(join(dir, 'gatehouse.db.kek'), `${'g'.repeat(44)}\n`);
    const shown = await show(dir, ['--database', 'sqlite:gatehouse.db']);
    expect(shown.settings.key_encryption_key).toEqual({
      value: '(redacted)',
      source: 'file',
      from: join(dir, 'gatehouse.db.kek'),
    });
  });

  it('prints a table: the file first, then SETTING, VALUE and FROM for each', async () => {
    const result = await runCli(['config', 'show'], { cwd: sub });
    expectSuccess(result);
    const [first, header, ...rows] = lines(result.stdout);
    expect(first).toBe(`Configuration file: ${join(project, 'gatehouse.yaml')} (found from the working directory)`);
    expect(header).toMatch(/^SETTING\s+VALUE\s+FROM$/);
    expect(rows).toHaveLength(configKeys.length);
    expect(rows).toContainEqual(
      expect.stringMatching(new RegExp(`^port\\s+9100\\s+${join(project, 'gatehouse.yaml')}$`)),
    );
    expect(rows).toContainEqual(expect.stringMatching(/^key_encryption_key\s+\(redacted\)\s/));
    expect(rows).toContainEqual(expect.stringMatching(/^mail\.templates\s+\(unset\)\s+default$/));
  });

  it('needs no database', async () => {
    const result = await runCli(['config', 'show'], {
      cwd: root,
      env: { GATEHOUSE_DATABASE_URL: 'sqlite:./never.db' },
    });
    expect(result.code, describeResult(result)).toBe(0);
    expect(existsSync(join(root, 'never.db'))).toBe(false);
  });
});
