#!/usr/bin/env node
/**
 * Screenshots of the sign-in, consent, sign-up and account pages, for the README and for
 * reviewing the design.
 *
 *   npm run build && node scripts/screenshots.mjs
 *
 * Starts the built CLI (`node dist/cli/main.js serve`) on a fresh SQLite database in a temporary
 * directory, registers a user and a client named "Acme Notes" (scopes read and write, with
 * descriptions), then lets headless Chromium (/usr/bin/chromium, or $CHROMIUM) open an
 * authorization request, sign in, reach the consent page and allow, then open the account page
 * (which lists the app) and, signed out, the sign-up page. Writes, into docs/screenshots/:
 *
 *   login-desktop.png  consent-desktop.png  account-desktop.png  register-desktop.png  1280×800
 *   login-phone.png    consent-phone.png    account-phone.png    register-phone.png    390×844, deviceScaleFactor 2
 *   login-fr-desktop.png: the sign-in page of a browser that prefers French (Accept-Language), 1280×800
 *
 * Everything it starts is stopped, and the temporary directory removed, on the way out.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const OUT_DIR = join(ROOT, 'docs/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const USER = { username: 'alice', email: 'alice@example.com', password: 'correct horse battery staple' };
const CLIENT_NAME = 'Acme Notes';
/** Never visited: the script stops at the consent page. Shown there as "sends you back to notes.example.com". */
const REDIRECT_URI = 'https://notes.example.com/oauth/callback';
const ENV = {
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_SCOPE_DESCRIPTIONS: JSON.stringify({ read: 'Read your notes', write: 'Create and edit notes' }),
  GATEHOUSE_REGISTRATION_ENABLED: 'true',
};
const VIEWPORTS = [
  { name: 'desktop', options: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'en-US' } },
  {
    name: 'phone',
    options: {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'en-US',
    },
  },
];
const TIMEOUT_MS = 15_000;

if (!existsSync(CLI)) {
  console.error(`${relative(process.cwd(), CLI)} does not exist: run \`npm run build\` first`);
  process.exit(1);
}

/** The child environment: ours without any GATEHOUSE_* from the shell, plus ENV. */
function childEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GATEHOUSE_')));
  return { ...env, ...ENV };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs one CLI command to completion; rejects with its output when it fails. */
function cli(args, { cwd, stdin = '' }) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolveRun(stdout)
        : reject(new Error(`gatehouse ${args[0]} ${args[1] ?? ''} exited with ${code}\n${stdout}${stderr}`)),
    );
  });
}

/** Starts `gatehouse serve` and resolves once GET /healthz answers 200. */
async function serve(database, cwd) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--database', database], {
    cwd,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  await stop();
  throw new Error(`gatehouse serve did not become healthy:\n${output}`);
}

function authorizationUrl(serverUrl, clientId) {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'read write',
    state: 'screenshot-state',
    // Any 43-character S256 challenge will do: no code is ever exchanged.
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGtSG1bGhc',
    code_challenge_method: 'S256',
  });
  return `${serverUrl}/oauth/authorize?${params}`;
}

async function capture(browser, serverUrl, clientId, { name, options }) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(TIMEOUT_MS);
  try {
    const page = await context.newPage();
    await page.goto(authorizationUrl(serverUrl, clientId));
    await page.getByLabel('Username').waitFor();
    // The caret blinking in the autofocused field would make the images differ run to run.
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    const login = join(OUT_DIR, `login-${name}.png`);
    await page.screenshot({ path: login, fullPage: true });

    await page.getByLabel('Username').fill(USER.username);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/oauth/authorize');
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    const consent = join(OUT_DIR, `consent-${name}.png`);
    await page.screenshot({ path: consent, fullPage: true });

    // The consent is stored before the browser is sent to the app, whose callback does not
    // exist (the navigation ends on Chromium's error page): only leaving this server matters.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.host !== new URL(serverUrl).host, { waitUntil: 'commit' });
    await page.goto(`${serverUrl}/account`);
    await page.getByRole('button', { name: 'Remove access' }).first().waitFor();
    const account = join(OUT_DIR, `account-${name}.png`);
    await page.screenshot({ path: account, fullPage: true });
    // Forgets the consent, so the next viewport's run sees the consent page again.
    await page.getByRole('button', { name: 'Remove access' }).first().click();
    await page.getByText('No app has access to your account.').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${serverUrl}/register`);
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    const register = join(OUT_DIR, `register-${name}.png`);
    await page.screenshot({ path: register, fullPage: true });
    return [login, consent, account, register];
  } finally {
    await context.close();
  }
}

/** The sign-in page as a browser that prefers French sees it (Accept-Language: fr-FR). */
async function captureFrench(browser, serverUrl, clientId) {
  const context = await browser.newContext({ ...VIEWPORTS[0].options, locale: 'fr-FR' });
  context.setDefaultTimeout(TIMEOUT_MS);
  try {
    const page = await context.newPage();
    await page.goto(authorizationUrl(serverUrl, clientId));
    await page.getByLabel('Nom d’utilisateur').waitFor();
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    const login = join(OUT_DIR, 'login-fr-desktop.png');
    await page.screenshot({ path: login, fullPage: true });
    return login;
  } finally {
    await context.close();
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-screenshots-'));
  const database = `sqlite:${join(work, 'gatehouse.db')}`;
  let server;
  let browser;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await cli(['migrate', '--database', database], { cwd: work });
    await cli(['user', 'create', USER.username, USER.email, '--password-stdin', '--database', database], {
      cwd: work,
      stdin: `${USER.password}\n`,
    });
    const client = JSON.parse(
      await cli(
        [
          'client',
          'create',
          '--json',
          '--name',
          CLIENT_NAME,
          '--redirect-uri',
          REDIRECT_URI,
          '--scope',
          'read write',
          '--database',
          database,
        ],
        { cwd: work },
      ),
    );
    server = await serve(database, work);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    mkdirSync(OUT_DIR, { recursive: true });
    for (const viewport of VIEWPORTS) {
      for (const file of await capture(browser, server.url, client.client_id, viewport))
        console.log(`wrote ${relative(process.cwd(), file)}`);
    }
    console.log(`wrote ${relative(process.cwd(), await captureFrench(browser, server.url, client.client_id))}`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
