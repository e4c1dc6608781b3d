/**
 * One Chromium per vitest worker. vitest runs each test file in a fresh process, so a browser
 * launched in a test file dies with it; instead the first browser test file of a worker starts
 * test/helpers/chromium-server.mjs (a detached Playwright browser server) and records its endpoint
 * in the run directory, and every later file of that worker connects to it. The global teardown
 * stops them all. Two files of one worker never run at once, so the worker's pool id is the key.
 *
 * This module must not import vitest: the global setup uses it too.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'chromium-server.mjs');
const ENDPOINT_FILE = /^chromium-\d+\.json$/;
const START_TIMEOUT_MS = 30_000;

interface Endpoint {
  pid: number;
  wsEndpoint: string;
}

function startServer(executablePath: string, args: readonly string[]): Promise<Endpoint> {
  // Detached: an interrupt of the test run (its process group) is handled by the server itself.
  const child = spawn(process.execPath, [SERVER_SCRIPT, executablePath, JSON.stringify(args), String(process.ppid)], {
    detached: true,
    // Its output is read until it starts, then let go: the server outlives this process.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<Endpoint>((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Chromium server did not start in ${START_TIMEOUT_MS} ms: ${errors}`));
    }, START_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      reject(new Error(`Chromium server exited (${signal ?? code}) before starting: ${errors}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (!output.includes('\n') || !line) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.destroy();
      child.stderr!.destroy();
      child.unref();
      resolve({ pid: child.pid!, wsEndpoint: line.trim() });
    });
  });
}

/**
 * This worker's browser: connects to its running server, or starts one first. Closing the returned
 * Browser disconnects (closing the contexts made through it) and leaves the server running.
 */
export async function workerBrowser(
  runDirectory: string,
  executablePath: string,
  args: readonly string[],
): Promise<Browser> {
  const file = join(runDirectory, `chromium-${process.env.VITEST_POOL_ID ?? '0'}.json`);
  if (existsSync(file)) {
    const endpoint = JSON.parse(readFileSync(file, 'utf8')) as Endpoint;
    try {
      return await chromium.connect(endpoint.wsEndpoint);
    } catch {
      // The server is gone (killed, crashed): start another below.
      stopServer(endpoint.pid);
    }
  }
  const endpoint = await startServer(executablePath, args);
  writeFileSync(file, JSON.stringify(endpoint));
  return chromium.connect(endpoint.wsEndpoint);
}

function stopServer(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/** Stops every worker's browser server of the run (global teardown). */
export function stopBrowserServers(runDirectory: string): void {
  if (!existsSync(runDirectory)) return;
  for (const entry of readdirSync(runDirectory)) {
    if (!ENDPOINT_FILE.test(entry)) continue;
    const file = join(runDirectory, entry);
    try {
      stopServer((JSON.parse(readFileSync(file, 'utf8')) as Endpoint).pid);
    } finally {
      rmSync(file, { force: true });
    }
  }
}
