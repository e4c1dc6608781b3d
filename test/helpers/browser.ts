/**
 * Real-browser helpers: headless Chromium through playwright-core, a loopback HTTP server that
 * plays the OAuth client's redirect URI, and PKCE values.
 *
 * - `useBrowser()` registers the hooks that connect to the worker's Chromium (one per vitest worker,
 *   see ./browser-servers.ts; one per test file when run without test/global-setup.ts) and hands
 *   out browser contexts (cookie jars), each closed after its test: every test starts signed out.
 * - `startCallbackServer()` is a real node:http server. The browser reaches the redirect URI
 *   through a 302/303 from Gatehouse, which Playwright's page.route cannot intercept, so the
 *   callback must be something the browser can really load. It records every URL it receives
 *   (except /favicon.ico), so a test can also prove that the browser went nowhere.
 * - `pkcePair()` is RFC 7636 S256.
 *
 * npm cannot download browsers here: the Debian Chromium at /usr/bin/chromium is used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, inject, type ProvidedContext } from 'vitest';
import { workerBrowser } from './browser-servers.js';

export const CHROMIUM_PATH = process.env.GATEHOUSE_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (or set GATEHOUSE_TEST_CHROMIUM)`,
    );
  }
}

/** Launches headless Chromium (close it yourself). */
export function launchBrowser(): Promise<Browser> {
  assertChromiumInstalled();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
}

/**
 * The worker's Chromium, started by the first test file that needs it and shared with the next ones
 * (closing it disconnects); a browser of the file's own without the global setup.
 */
function connectBrowser(): Promise<Browser> {
  const runDirectory = (inject('gatehouseTestRun') as ProvidedContext['gatehouseTestRun'] | undefined)?.runDirectory;
  if (!runDirectory) return launchBrowser();
  assertChromiumInstalled();
  return workerBrowser(runDirectory, CHROMIUM_PATH, CHROMIUM_ARGS);
}

export interface BrowserHarness {
  /** The file's browser (available inside tests and hooks after beforeAll). */
  readonly browser: Browser;
  /** A fresh context (own cookies, own options), closed after the current test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a fresh context. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/** Default navigation/wait timeout: well under vitest's 30 s so a stuck wait fails with its own message. */
export const BROWSER_TIMEOUT_MS = 15_000;

/**
 * The worker's Chromium for the whole test file (beforeAll/afterAll), a fresh context per call,
 * every context of a test closed in afterEach.
 */
export function useBrowser(): BrowserHarness {
  let browser: Browser | undefined;
  const open = new Set<BrowserContext>();

  beforeAll(async () => {
    browser = await connectBrowser();
  });
  afterEach(async () => {
    const contexts = [...open];
    open.clear();
    await Promise.allSettled(contexts.map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    browser = undefined;
  });

  const harness: BrowserHarness = {
    get browser(): Browser {
      if (!browser) throw new Error('the browser is not running (useBrowser() hooks not run yet?)');
      return browser;
    },
    async newContext(options: BrowserContextOptions = {}) {
      const context = await harness.browser.newContext(options);
      context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
      open.add(context);
      context.once('close', () => open.delete(context));
      return context;
    },
    async newPage(options?: BrowserContextOptions) {
      return (await harness.newContext(options)).newPage();
    },
  };
  return harness;
}

// --- the client's redirect URI -----------------------------------------------------

export interface CallbackServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  origin: string;
  /** The redirect URI to register: `${origin}/callback`. */
  url: string;
  /** Every URL requested so far, in order (absolute, on `origin`); /favicon.ico is left out. */
  readonly received: URL[];
  /** Forgets what was received (call between tests sharing one server). */
  clear(): void;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 that answers every path with a small "signed in" page. */
export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URL[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname === '/favicon.ico') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    received.push(url);
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end('<!doctype html><title>Example app</title><h1>Back at the app</h1>');
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('callback server has no port');
  const origin = `http://127.0.0.1:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    origin,
    url: `${origin}/callback`,
    received,
    clear: () => {
      received.length = 0;
    },
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      });
      return closing;
    },
  };
}

// --- PKCE ----------------------------------------------------------------------------

export interface PkcePair {
  /** 43 base64url characters (32 random bytes). */
  verifier: string;
  /** BASE64URL(SHA256(verifier)). */
  challenge: string;
  method: 'S256';
}

/** A fresh RFC 7636 verifier and its S256 challenge. */
export function pkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url'), method: 'S256' };
}

/** A random `state` value. */
export function randomState(): string {
  return randomBytes(16).toString('base64url');
}

// --- pages ---------------------------------------------------------------------------

/**
 * Fills the sign-in form by its labels and presses "Sign in"; resolves with the answer to the
 * form post (the 303 on success, the 400 page on failure).
 */
export async function submitSignIn(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  return response;
}

/** Waits until the page has been sent to (and has loaded) a URL starting with `prefix`. */
export async function waitForUrlPrefix(page: Page, prefix: string): Promise<URL> {
  await page.waitForURL((url) => url.href.startsWith(prefix));
  return new URL(page.url());
}
