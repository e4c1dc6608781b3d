// wrk: installation check and one run, parsed from the JSON line the Lua done() callback prints.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './proc.mjs';

export const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'wrk');
const RESULT_MARKER = 'BENCH_RESULT ';

const have = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** wrk and taskset must be there; wrk is installed from Debian's packages when missing. */
export function ensureTools() {
  if (!have('taskset')) throw new Error('taskset (util-linux) is required to pin the server and wrk to separate cores');
  if (have('wrk')) return;
  process.stderr.write('bench: wrk not found; installing it with apt-get install -y wrk…\n');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', 'wrk'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  let result = install();
  if (result.status !== 0) {
    // A fresh machine may not have the package lists yet.
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    result = install();
  }
  if (result.status !== 0 || !have('wrk'))
    throw new Error('could not install wrk (apt-get install -y wrk); install it by hand and retry');
}

export function wrkVersion() {
  const out = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`
    .split('\n')[0]
    .replace(/\s*\[.*$/, '')
    .trim();
}

/**
 * One wrk run pinned to `core`. `script` is a file in bench/wrk/; `env` passes the scenario's
 * parameters (credentials, token files) to the Lua script.
 * Returns the parsed result (see bench/wrk/common.lua) plus the command line.
 */
export async function runWrk({ url, script, threads, connections, duration, timeout = 5, core, env }) {
  const args = [
    '-c',
    String(core),
    'wrk',
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${duration}s`,
    '--timeout',
    `${timeout}s`,
    '--latency',
    '-s',
    join(LUA_DIR, script),
    url,
  ];
  const result = await runCommand(`wrk ${script}`, 'taskset', args, {
    env: { ...process.env, BENCH_LUA_DIR: LUA_DIR, BENCH_WRK_THREADS: String(threads), ...env },
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (result.code !== 0 || !line) {
    throw new Error(`wrk failed (exit ${result.code ?? result.signal}):\n${result.stderr}${result.stdout}`.trim());
  }
  const parsed = JSON.parse(line.slice(RESULT_MARKER.length));
  return {
    ...parsed,
    command: `taskset ${args.join(' ')}`,
    text: result.stdout
      .split('\n')
      .filter((l) => !l.startsWith(RESULT_MARKER))
      .join('\n'),
  };
}

/** Reads a token file written by refresh.lua's done() (one token per line). */
export function readTokens(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line ? line.split(':').slice(1).join(':').trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function commandOutput(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
