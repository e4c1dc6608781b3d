/**
 * The CLI imports what a command needs when it runs: --help and an admin command on SQLite do not
 * load the HTTP server (Fastify, prom-client) or the PostgreSQL client. Each run is preloaded with
 * fixtures/record-loaded-packages.mjs, which lists every module the process loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, cliEnv, describeResult, expectSuccess, runCliProcess } from '../helpers/cli.js';

const RECORDER = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/record-loaded-packages.mjs');

/** Packages only the server or the other engine needs. */
const SERVER_PACKAGES = ['fastify', 'prom-client', 'pg'];

let dir: string;
let database: string;

/** Runs the CLI and returns the npm packages it loaded (by directory name under node_modules). */
function packagesLoadedBy(args: string[]): Set<string> {
  const file = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const result = spawnSync(process.execPath, ['--import', RECORDER, CLI_PATH, ...args], {
    cwd: dir,
    env: cliEnv({ LOADED_MODULES_FILE: file }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  expectSuccess({ ...result, code: result.status, timedOut: false, signal: result.signal });
  const packages = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // The last node_modules/<name> (or node_modules/@scope/name) of a path is the package it belongs to.
    const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (match) packages.add(match[1]!);
  }
  return packages;
}

describe('what a CLI command loads', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-lazy-'));
    database = `sqlite:${join(dir, 'gatehouse.db')}`;
    const migrated = await runCliProcess(['migrate', '--database', database], { cwd: dir });
    expect(migrated.code, describeResult(migrated)).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const helpPages = [[['--help']], [['client', '--help']], [['user', 'create', '--help']]];
  it.each(helpPages)('gatehouse %j loads only commander', (args) => {
    expect([...packagesLoadedBy(args)]).toEqual(['commander']);
  });

  it('gatehouse client list on SQLite loads better-sqlite3, neither the server nor pg', () => {
    const loaded = packagesLoadedBy(['client', 'list', '--database', database]);
    // The recorder sees both kinds of module: CommonJS (better-sqlite3) and ES modules (zod).
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).toContain('zod');
    for (const name of SERVER_PACKAGES) expect(loaded, name).not.toContain(name);
  });

  it('gatehouse user list on SQLite loads neither the server nor pg', () => {
    const loaded = packagesLoadedBy(['user', 'list', '--database', database]);
    for (const name of SERVER_PACKAGES) expect(loaded, name).not.toContain(name);
  });
});
