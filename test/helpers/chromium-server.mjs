/**
 * One vitest worker's Chromium, as a Playwright browser server that outlives the worker process
 * (vitest starts a fresh process for each test file): test/helpers/browser.ts starts it for the
 * first browser test file of a worker and connects to it from the next ones.
 *
 *   node chromium-server.mjs <executable> <args as JSON> <pid of the vitest main process>
 *
 * Prints its WebSocket endpoint as one line on stdout. Exits on SIGTERM (the global teardown) and
 * when the vitest process is gone (a run that crashed or was interrupted leaves no Chromium).
 */
import { chromium } from 'playwright-core';

const [executablePath, argsJson, runnerPid] = process.argv.slice(2);
const server = await chromium.launchServer({ executablePath, args: JSON.parse(argsJson), headless: true });
process.stdout.write(`${server.wsEndpoint()}\n`);
// The worker that started this process stops reading once it has the endpoint, and then exits.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

// SIGTERM and SIGINT may both arrive (and the runner check may fire too): close the server once.
let closing = false;
function close() {
  if (closing) return;
  closing = true;
  server.close().finally(() => process.exit(0));
}
process.on('SIGTERM', close);
process.on('SIGINT', close);
setInterval(() => {
  try {
    process.kill(Number(runnerPid), 0);
  } catch {
    close();
  }
}, 2000).unref();
// The browser's own process keeps this one alive until close().
server.process().once('exit', () => process.exit(0));
