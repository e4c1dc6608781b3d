/**
 * Misuse of the CLI: every wrong call answers exactly one line on stderr, starting with
 * "gatehouse: ", and exit code 2 (no help page, no stack trace). `--help` exits 0.
 * The cases are independent, so they run concurrently, each in one scratch working directory
 * (where a misuse that wrongly went ahead would create ./data/gatehouse.db). They run in this
 * process (`runCli`, with that directory as the command's own), except `serve` and what must be
 * seen from outside a process: the exit code of `--version`, and that no ./data appears in the
 * working directory of a command given a bad --database.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CLI_PATH, cliEnv, describeResult, lines, runCli, runCliProcess, type RunOptions } from '../helpers/cli.js';

/** `serve` as a child process (a server must not start in the test's process), anything else in-process. */
const run = (args: string[], options: RunOptions) =>
  args[0] === 'serve' ? runCliProcess(args, options) : runCli(args, options);
import { postgresAdminUrl, skipPostgres } from '../helpers/databases.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-misuse-'));
  await writeFile(join(dir, 'unknown-key.yaml'), 'access_token_lifetime: 60\nacces_token_lifetim: 5\n');
  await writeFile(join(dir, 'unknown-key.json'), JSON.stringify({ port: 9000, databse: 'sqlite:./x.db' }));
  await writeFile(join(dir, 'broken.yaml'), 'supported_scopes: [read,\n');
  await writeFile(join(dir, 'list.yaml'), '- port\n- 8080\n');
  await writeFile(join(dir, 'bad-value.yaml'), 'refresh_token_lifetime: soon\n');
  // An empty file where a database should be: SQLite would take it for an empty database.
  await writeFile(join(dir, 'empty.db'), '');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** [title, args, what the message must mention, run options] */
type Case = [string, string[], RegExp, Omit<RunOptions, 'cwd'>?];

/** A server must never start in this file: a case that wrongly goes ahead is killed quickly. */
const TIMEOUT = { timeoutMs: 20_000 };

const misuse: Case[] = [
  ['no command', [], /command/],
  ['unknown command', ['frobnicate'], /frobnicate/],
  ['client without subcommand', ['client'], /create/],
  ['user without subcommand', ['user'], /create/],
  ['tokens without subcommand', ['tokens'], /clean/],
  ['unknown client subcommand', ['client', 'frobnicate'], /frobnicate/],
  // Did you mean: a typo gets its nearest name, whatever follows it (never "too many arguments").
  ['mistyped command', ['clint', 'list'], /unknown command 'clint' \(did you mean client\?\)$/m],
  ['mistyped subcommand', ['user', 'lst'], /unknown command 'lst' \(did you mean list\?\)$/m],
  [
    'mistyped subcommand with options',
    ['client', 'creat', '--name', 'x'],
    /unknown command 'creat' \(did you mean create\?\)$/m,
  ],
  [
    'mistyped subcommand with arguments',
    ['user', 'creat', 'a', 'a@example.com'],
    /'creat' \(did you mean create\?\)$/m,
  ],
  ['mistyped option', ['client', 'list', '--jsn'], /unknown option '--jsn' \(did you mean --json\?\)$/m],
  [
    'mistyped required option is named as the typo',
    ['client', 'create', '--nme', 'x'],
    /unknown option '--nme' \(did you mean --name\?\)$/m,
  ],
  [
    'an option before its command',
    ['--config', 'gatehouse.yaml', 'client', 'list'],
    /unknown option '--config': options go after the command \(client … --config\)$/m,
  ],
  ['mistyped option on config show', ['config', 'show', '--jason'], /did you mean --json\?/],
  // Only migrate (and serve) create a database.
  [
    'an admin command on a SQLite file that does not exist',
    ['client', 'list', '--database', 'sqlite:./typo.db'],
    /^gatehouse: no Gatehouse database at \/.*\/typo\.db — run `gatehouse migrate` to create it, or name the server's database \(--database, GATEHOUSE_DATABASE_URL/m,
  ],
  [
    'an admin command on an empty SQLite file',
    ['user', 'list', '--database', 'sqlite:./empty.db'],
    /no Gatehouse database at \/.*\/empty\.db — run `gatehouse migrate` to create it, or name the server's database/m,
  ],
  ['unknown option on a command', ['migrate', '--frobnicate'], /--frobnicate/],
  ['unknown option before any command', ['--frobnicate'], /--frobnicate/],
  ['unknown option on a subcommand', ['client', 'list', '--all'], /--all/],
  ['missing required option', ['client', 'create'], /--name/],
  ['missing required argument', ['client', 'show'], /id/],
  ['missing second argument', ['user', 'create', 'alice'], /email/],
  ['too many arguments', ['client', 'show', 'a', 'b'], /argument/],
  ['option without its value', ['migrate', '--database'], /--database/],
  ['--database nonsense', ['migrate', '--database', 'nonsense'], /database.*sqlite:.*postgres:\/\//],
  ['--database with another scheme', ['client', 'list', '--database', 'mysql://root@127.0.0.1/x'], /database/],
  ['--database sqlite: without a path', ['migrate', '--database', 'sqlite:'], /database.*path/],
  ['--port abc on serve', ['serve', '--port', 'abc'], /port/],
  ['--port 70000 on serve', ['serve', '--port', '70000'], /port/],
  ['--port 1.5 on serve', ['serve', '--port', '1.5'], /port/],
  ['--port -1 on serve', ['serve', '--port', '-1'], /port/],
  ['--issuer with a fragment on serve', ['serve', '--port', '0', '--issuer', 'https://auth.example.com/#x'], /issuer/],
  ['--issuer that is not a URL on serve', ['serve', '--port', '0', '--issuer', 'auth.example.com'], /issuer/],
  [
    'invalid config value via env names the key',
    ['migrate', '--database', 'sqlite:./never.db'],
    /access_token_lifetime/,
    { env: { GATEHOUSE_ACCESS_TOKEN_LIFETIME: '-5' } },
  ],
  [
    'invalid config value via env stops serve before it listens',
    ['serve', '--port', '0', '--database', 'sqlite:./never.db'],
    /access_token_lifetime/,
    { env: { GATEHOUSE_ACCESS_TOKEN_LIFETIME: '-5' } },
  ],
  [
    'non-numeric config value via env names the variable',
    ['migrate', '--database', 'sqlite:./never.db'],
    /GATEHOUSE_REFRESH_TOKEN_LIFETIME/,
    { env: { GATEHOUSE_REFRESH_TOKEN_LIFETIME: 'two weeks' } },
  ],
  ['invalid log_level via env names the key', ['migrate'], /log_level/, { env: { GATEHOUSE_LOG_LEVEL: 'loud' } }],
  [
    'invalid GATEHOUSE_DATABASE_URL',
    ['migrate'],
    /database/,
    { env: { GATEHOUSE_DATABASE_URL: 'mongodb://127.0.0.1/x' } },
  ],
  [
    'unknown key in a YAML config file names the key',
    ['migrate', '--config', 'unknown-key.yaml'],
    /acces_token_lifetim\b/,
  ],
  ['unknown key in a JSON config file names the key', ['migrate', '--config', 'unknown-key.json'], /databse/],
  ['invalid value in a config file names the key', ['migrate', '--config', 'bad-value.yaml'], /refresh_token_lifetime/],
  ['config file that is not JSON or YAML', ['migrate', '--config', 'broken.yaml'], /broken\.yaml/],
  ['config file that is not a mapping', ['migrate', '--config', 'list.yaml'], /list\.yaml/],
  ['--config missing.yaml', ['migrate', '--config', 'missing.yaml'], /missing\.yaml.*not found/],
  ['--config missing.yaml on serve', ['serve', '--port', '0', '--config', 'missing.yaml'], /missing\.yaml/],
  [
    'default_scope not in supported_scopes',
    ['migrate'],
    /default_scope.*admin/,
    { env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read admin' } },
  ],
  [
    'a supported scope that is not a scope token',
    ['migrate'],
    /supported_scopes/,
    { env: { GATEHOUSE_SUPPORTED_SCOPES: '["read","bad\\"quote"]' } },
  ],
];

/** Every command that touches the database, with the arguments it needs to get that far. */
const databaseCommands: string[][] = [
  ['serve', '--port', '0'],
  ['migrate'],
  ['client', 'create', '--name', 'x'],
  ['client', 'list'],
  ['client', 'show', 'x'],
  ['client', 'delete', 'x'],
  ['client', 'rotate-secret', 'x'],
  ['user', 'create', 'someone', 'someone@example.com', '--password-stdin'],
  ['user', 'change-password', 'someone', '--password-stdin'],
  ['user', 'list'],
  ['user', 'show', 'someone'],
  ['user', 'activate', 'someone'],
  ['user', 'deactivate', 'someone'],
  ['user', 'promote', 'someone', 'ROLE_ADMIN'],
  ['user', 'demote', 'someone', 'ROLE_ADMIN'],
  ['tokens', 'clean'],
  ['audit', 'list'],
];

describe('misuse answers one line on stderr and exit code 2', () => {
  it.concurrent.for(misuse)('%s', async ([, args, mentions, options], { expect }) => {
    const result = await run(args, { cwd: dir, ...TIMEOUT, ...options });
    expect(result.code, describeResult(result)).toBe(2);
    expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/^gatehouse: \S[^\n]*\n$/);
    expect(result.stderr).toMatch(mentions);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout, describeResult(result)).toBe('');
  });
});

describe('every command takes --database', () => {
  // The --password-stdin commands get a password on stdin so that nothing else stops them first.
  it.concurrent.for(databaseCommands.map((args) => [args.join(' '), args] as const))(
    '%s --database nonsense is refused naming the database',
    async ([, args], { expect }) => {
      const cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-misuse-db-'));
      try {
        const result = await runCliProcess([...args, '--database', 'nonsense'], {
          cwd,
          stdin: 'a good password\n',
          ...TIMEOUT,
        });
        expect(result.code, describeResult(result)).toBe(2);
        expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
        expect(result.stderr, describeResult(result)).toMatch(/^gatehouse: database: .*sqlite:/);
        // It did not fall back to the default database either.
        expect(existsSync(join(cwd, 'data')), 'created ./data (the default database) instead').toBe(false);
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
  );
});

describe('admin commands never create a database', () => {
  it.concurrent('none of them creates the SQLite file or its folder', async ({ expect }) => {
    const cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-misuse-nodb-'));
    try {
      const commands = databaseCommands.filter(([name]) => name !== 'serve' && name !== 'migrate');
      const results = await Promise.all(
        commands.map((args) =>
          runCliProcess([...args, '--database', 'sqlite:./data/typo.db'], {
            cwd,
            stdin: 'a good password\n',
            ...TIMEOUT,
          }),
        ),
      );
      results.forEach((result, i) => {
        expect(result.code, `${commands[i]!.join(' ')}: ${describeResult(result)}`).toBe(2);
        expect(result.stderr).toMatch(/^gatehouse: no Gatehouse database at .*typo\.db — run `gatehouse migrate`/);
      });
      expect(existsSync(join(cwd, 'data')), 'an admin command created ./data').toBe(false);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('help', () => {
  it.concurrent.for([
    ['--help'],
    ['client', '--help'],
    ['client', 'create', '--help'],
    ['user', 'create', '--help'],
    ['serve', '--help'],
    ['-h'],
  ])('gatehouse %j exits 0 with usage on stdout', async (args, { expect }) => {
    const result = await run(args, { cwd: dir, ...TIMEOUT });
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toMatch(/^Usage: gatehouse/);
    expect(result.stderr).toBe('');
  });

  it.concurrent.for([
    [],
    ['serve'],
    ['migrate'],
    ['client', 'create'],
    ['client', 'update'],
    ['user', 'create'],
    ['config', 'show'],
  ])('gatehouse %j --help ends with examples of the command', async (path, { expect }) => {
    const result = await run([...path, '--help'], { cwd: dir, ...TIMEOUT });
    expect(result.code, describeResult(result)).toBe(0);
    const examples = result.stdout.split('\nExamples:\n')[1];
    expect(examples, result.stdout).toBeDefined();
    for (const line of lines(examples!))
      expect(line).toMatch(new RegExp(`^  .*gatehouse ${path.join(' ')}|^  npm start`));
  });

  it.concurrent('the help of every database command lists --database', async ({ expect }) => {
    // `serve`, `migrate`, `client create`, …: the command path without its arguments.
    const paths = databaseCommands.map((args) =>
      args[0] === 'serve' || args[0] === 'migrate' ? args.slice(0, 1) : args.slice(0, 2),
    );
    const results = await Promise.all(paths.map((path) => run([...path, '--help'], { cwd: dir, ...TIMEOUT })));
    results.forEach((result, i) => {
      expect(result.code, describeResult(result)).toBe(0);
      expect(result.stdout, paths[i]!.join(' ')).toMatch(/--database <url>/);
    });
  });

  it.concurrent('output into a pipe whose reader has left (gatehouse … | head) ends quietly, exit 0', async ({
    expect,
  }) => {
    const child = spawn(process.execPath, [CLI_PATH, '--help'], {
      cwd: dir,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the command writes its first line
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.concurrent('--version exits 0', async ({ expect }) => {
    const result = await runCliProcess(['--version'], { cwd: dir, ...TIMEOUT });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('an unreachable database is an error in one line, not a stack trace', () => {
  const unreachable: Array<[string, string[]]> = [
    ['client list on a closed port', ['client', 'list', '--database', 'postgres://postgres@127.0.0.1:1/x']],
    ['migrate on a closed port', ['migrate', '--database', 'postgres://postgres@127.0.0.1:1/x']],
    ['serve on a closed port', ['serve', '--port', '0', '--database', 'postgres://postgres@127.0.0.1:1/x']],
    [
      'client list on a host that does not resolve',
      ['client', 'list', '--database', 'postgres://postgres@gatehouse-test.invalid/x'],
    ],
  ];
  it.concurrent.for(unreachable)('%s', async ([, args], { expect }) => {
    const result = await run(args, { cwd: dir, ...TIMEOUT });
    expect(result.timedOut, describeResult(result)).toBe(false);
    expect(result.code, describeResult(result)).not.toBe(0);
    expect(result.code, describeResult(result)).not.toBeNull();
    expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/^gatehouse: \S/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it.skipIf(skipPostgres).concurrent('a PostgreSQL database that does not exist', async ({ expect }) => {
    const url = new URL(postgresAdminUrl);
    url.pathname = '/gatehouse_test_does_not_exist';
    const result = await run(['client', 'list', '--database', url.toString()], { cwd: dir, ...TIMEOUT });
    expect(result.code, describeResult(result)).not.toBe(0);
    expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/^gatehouse: .*gatehouse_test_does_not_exist/);
  });
});
