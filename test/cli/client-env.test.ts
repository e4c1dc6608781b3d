/**
 * `gatehouse client create --env` (issue 18 §1): the new client's id and secret as `NAME='value'`
 * lines, so the README's `eval "$(npx gatehouse client create … --env)"` sets CLIENT_ID and
 * CLIENT_SECRET in the shell without jq and without hand-copying. The values must reach the shell
 * exactly (nothing in them expanded or run), the secret must be the one whose hash is stored, and
 * `--env` with `--json` is misuse.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { printShellAssignments } from '../../src/cli/output.js';
import { withCliIo } from '../../src/cli/io.js';
import { atFileEnd } from '../helpers/file-end.js';
import { expectMisuse, expectSuccess, queryRows, runCli } from '../helpers/cli.js';
import type { DatabaseLocation } from '../../src/storage/open.js';

/** What bash sets from `eval "$output"`: the named variables, read back with printf. */
function evalInBash(output: string, names: string[]): string[] {
  const script = `set -e\neval "$OUTPUT"\nprintf '%s\\0' ${names.map((name) => `"$${name}"`).join(' ')}`;
  const printed = execFileSync('bash', ['--norc', '--noprofile', '-c', script], {
    env: { PATH: process.env.PATH, HOME: tmpdir(), OUTPUT: output },
  });
  return printed.toString('utf8').split('\0').slice(0, -1);
}

describe('gatehouse client create --env', () => {
  let location: DatabaseLocation;
  let database: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-client-env-'));
    atFileEnd(() => rmSync(dir, { recursive: true, force: true }));
    location = { engine: 'sqlite', path: join(dir, 'gatehouse.db') };
    database = `sqlite:${join(dir, 'gatehouse.db')}`;
    expectSuccess(await runCli(['migrate', '--database', database]));
  });

  it('prints CLIENT_ID and CLIENT_SECRET for eval: the id registered, the secret whose hash is stored', async () => {
    const result = await runCli([
      'client',
      'create',
      '--name',
      'billing-service',
      '--grant-type',
      'client_credentials',
      '--env',
      '--database',
      database,
    ]);
    expectSuccess(result);
    expect(result.stdout).toMatch(/^CLIENT_ID='[^'\n]+'\nCLIENT_SECRET='[^'\n]+'\n$/);
    const [id, secret] = evalInBash(result.stdout, ['CLIENT_ID', 'CLIENT_SECRET']);
    const rows = await queryRows<{ name: string; secret_hash: string }>(
      location,
      'SELECT name, secret_hash FROM clients WHERE id = ?',
      [id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe('billing-service');
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(secret!).digest('base64url'));
  });

  it('prints an empty CLIENT_SECRET for a public client', async () => {
    const result = await runCli([
      'client',
      'create',
      '--name',
      'Acme SPA',
      '--public',
      '--redirect-uri',
      'https://app.example/cb',
      '--env',
      '--database',
      database,
    ]);
    expectSuccess(result);
    const [id, secret] = evalInBash(result.stdout, ['CLIENT_ID', 'CLIENT_SECRET']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret).toBe('');
  });

  it('refuses --env with --json (exit 2, one line) and registers nothing', async () => {
    const result = await runCli([
      'client',
      'create',
      '--name',
      'twice',
      '--grant-type',
      'client_credentials',
      '--env',
      '--json',
      '--database',
      database,
    ]);
    expectMisuse(result, /--json and --env/);
    expect(await queryRows(location, 'SELECT id FROM clients WHERE name = ?', ['twice'])).toHaveLength(0);
  });

  it('quotes every value so that the shell expands and runs nothing in it', async () => {
    const hostile = `it's $(touch /tmp/pwned) \`id\` "$HOME" \\ ; done\nnext`;
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    await withCliIo({ stdout: out, stderr: out, stdin: new PassThrough(), env: {} }, async () =>
      printShellAssignments({ A: hostile, B: '' }),
    );
    expect(evalInBash(text, ['A', 'B'])).toEqual([hostile, '']);
  });
});
