/**
 * Child processes for the install test: commands run to completion (npm, the CLI), and servers
 * started from an installed copy of Gatehouse (not this checkout's dist/, which test/helpers
 * start), each in its own process group so that nothing it spawned outlives the test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter, sep } from 'node:path';
import { atFileEnd } from '../helpers/file-end.js';

/**
 * A clean shell's environment: this process's, without the developer's GATEHOUSE_* settings, the
 * variables `npm test` and vitest set for themselves (npm_*, NODE_ENV=test, NODE_OPTIONS) and the
 * node_modules/.bin folders npm put on PATH, which would lend this checkout's tools to the copy.
 * npm's cache and registry settings stay.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('GATEHOUSE_') || key.startsWith('VITEST')) continue;
    if (key.startsWith('npm_') && key !== 'npm_config_cache' && key !== 'npm_config_registry') continue;
    if (['NODE_ENV', 'NODE_OPTIONS', 'NODE_PATH', 'INIT_CWD'].includes(key)) continue;
    env[key] = value;
  }
  // No check for a newer npm (a registry request) from every npm command.
  env.npm_config_update_notifier = 'false';
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((folder) => !folder.includes(`${sep}node_modules${sep}`))
    .join(delimiter);
  return { ...env, ...extra };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  stdout: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to completion (SIGKILL after the timeout), stdout and stderr together. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Finished> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: 'pipe' });
    let output = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, output, stdout });
    });
  });
}

/** `run`, failing with the command's output unless it exits 0. */
export async function runOk(command: string, args: readonly string[], options: RunOptions): Promise<Finished> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited ${result.code ?? result.signal}:\n${result.output}`,
    );
  }
  return result;
}

export interface Server {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a long-running command in a process group of its own and waits until GET `url`/healthz
 * answers 200 (60 s at most: several installs may be running on two cores). Whatever happens, the
 * group is killed when the test file ends.
 */
export async function startServer(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; port: number },
): Promise<Server> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe', detached: true });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let finished: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    // 'close', not 'exit': once every process holding its stdout and stderr is gone, so `output()` is complete.
    child.on('close', (code, signal) => {
      finished = { code, signal };
      resolveExit(finished);
    });
  });
  atFileEnd(() => killGroup(child, 'SIGKILL'));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !finished) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return { url, child, output: () => output, exited };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  killGroup(child, 'SIGKILL');
  throw new Error(
    `${command} ${args.join(' ')} did not answer /healthz (exit ${JSON.stringify(finished)}):\n${output}`,
  );
}

/** Sends a signal (0: none, a check) to the process group of a child started by `startServer`; false when none is left. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-child.pid!, signal);
    return true;
  } catch {
    return false;
  }
}
