// Child processes and cleanup for the benchmark: every process, temp file and database the
// run creates is registered here and released on normal exit, on error and on Ctrl-C.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const cleanups = [];
let cleaningUp = null;
let interrupted = false;

/** Registers an async cleanup step; steps run in reverse order of registration. Returns an unregister function. */
export function onCleanup(label, fn) {
  const entry = { label, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs (once) every registered cleanup step, newest first; a failing step does not stop the others. */
export function cleanupAll() {
  cleaningUp ??= (async () => {
    while (cleanups.length) {
      const { label, fn } = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`bench: cleanup "${label}" failed: ${error?.message ?? error}\n`);
      }
    }
  })();
  return cleaningUp;
}

export const isInterrupted = () => interrupted;

/** Ctrl-C / SIGTERM / SIGHUP: clean up, then exit with the conventional 128+n code. */
export function installSignalHandlers() {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ]) {
    process.on(signal, () => {
      if (interrupted) return; // a second Ctrl-C while cleaning up: keep cleaning
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}: stopping children and removing temporary data…\n`);
      cleanupAll().finally(() => process.exit(code));
    });
  }
}

/** A free TCP port on 127.0.0.1 (closed again at once; the small race is acceptable here). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a long-running child (a server, wrk) and registers its termination.
 * Returns { child, exited: Promise<{code, signal}>, stop() }.
 */
export function startProcess(label, command, args, options = {}) {
  const child = spawn(command, args, {
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  let stopped = null;
  const stop = (graceMs = 5000) => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const outcome = await Promise.race([exited, sleep(graceMs).then(() => 'timeout')]);
        if (outcome === 'timeout') {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
          await exited;
        }
      }
      unregister();
    })();
    return stopped;
  };
  const unregister = onCleanup(`stop ${label} (pid ${child.pid})`, () => stop());
  return { child, exited, stop, pid: child.pid };
}

/** Runs a command to completion; resolves { code, stdout, stderr } (also registered for cleanup while running). */
export function runCommand(label, command, args, { input, env, cwd } = {}) {
  const proc = startProcess(label, command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  proc.child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  proc.child.stdin.on('error', () => {});
  proc.child.stdin.end(input ?? '');
  return proc.exited.then(async ({ code, signal, error }) => {
    await proc.stop();
    if (error) throw new Error(`${label}: cannot run ${command}: ${error.message}`);
    return { code, signal, stdout, stderr };
  });
}

/** Like runCommand, but a non-zero exit is an error carrying the command's stderr. */
export async function runChecked(label, command, args, options) {
  const result = await runCommand(label, command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${label} failed (exit ${result.code ?? result.signal}): ${(result.stderr || result.stdout).trim().slice(0, 2000)}`,
    );
  }
  return result;
}

/** Polls `url` until it answers 2xx, the process exits, or the timeout passes. */
export async function waitForHttp(url, proc, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  proc.exited.then((outcome) => (exited = outcome));
  let lastError;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited before it was ready (exit ${exited.code ?? exited.signal})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms: ${lastError?.message ?? 'no answer'}`);
}

/** Runs a bench script's main(): any error is printed (unless Ctrl-C'd) and every child is cleaned up. */
export async function runScript(name, main) {
  try {
    await main();
  } catch (error) {
    if (!isInterrupted()) {
      process.stderr.write(`${name}: ${error?.stack ?? error}\n`);
      process.exitCode = 1;
    }
  } finally {
    if (!isInterrupted()) await cleanupAll();
  }
}
