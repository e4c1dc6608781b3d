/**
 * Helpers for the self-service pages (sign-up, confirmation, password reset, /account) driven
 * over plain HTTP with HttpBrowser, and for looking at the e-mail they send (./mail.ts).
 */
import { settleAllServers } from '../harness/index.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect } from 'vitest';
import type { DatabaseLocation } from '../../src/storage/open.js';
import { alertOf, csrfTokenOf, hiddenField, type BrowserResponse, type HttpBrowser } from './browser-http.js';
import type { MailServer, ReceivedMail } from './mail.js';
import { tokenRequest, type CreatedClient, type HttpResult } from './server.js';

/** The subjects of the built-in messages. */
export const SUBJECT = {
  confirmation: /^Confirm your e-mail address for /,
  resetting: /^Reset your password for /,
  alreadyRegistered: /^You already have an account on /,
  passwordChanged: /^Your password for .* was changed$/,
  emailChanged: /^Your e-mail address on .* was changed$/,
  emailChange: /^Confirm your new e-mail address for /,
  emailChangeRequested: /^A change of your e-mail address on .* was asked for$/,
  emailInUse: /^Your e-mail address on .* was given for another account$/,
} as const;

/** 256 random bits, base64url: the form of every token in a link. */
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Access and refresh tokens and codes: the millisecond they were issued (8 characters), then 256 random bits. */
export const OAUTH_TOKEN = /^[A-Za-z0-9_-]{51}$/;

export const LINK_NOT_USABLE = 'This link does not work any more';
export const BAD_LOGIN = 'The username or password is incorrect.';
/** What /account?done=confirmed says. */
export const CONFIRMED_NOTICE = 'Your e-mail address is confirmed and your account is active.';
/** The confirmation form's alert for a wrong password. */
export const WRONG_CONFIRMATION_PASSWORD =
  'The password is incorrect. Enter the password you chose when you signed up (or sign up again to choose another).';

export interface SignUpFields {
  username: string;
  email: string;
  password: string;
  /** Defaults to `password`. */
  password_again?: string;
  return_to?: string;
}

/** GET /register (fails unless it shows the form), then posts the form as a person would. */
export async function signUp(browser: HttpBrowser, fields: SignUpFields): Promise<BrowserResponse> {
  const page = await browser.get(
    fields.return_to === undefined ? '/register' : `/register?${new URLSearchParams({ return_to: fields.return_to })}`,
  );
  expect(page.status, page.text.slice(0, 500)).toBe(200);
  expect(page.text).toContain('action="/register"');
  const form: [string, string][] = [
    ['csrf_token', csrfTokenOf(page.text)],
    ['username', fields.username],
    ['email', fields.email],
    ['password', fields.password],
    ['password_again', fields.password_again ?? fields.password],
  ];
  if (fields.return_to !== undefined) form.push(['return_to', fields.return_to]);
  return browser.post('/register', form);
}

/**
 * Follows an e-mailed confirmation link as a person would: opens it (fails unless it shows the
 * form with a password field), then presses the button with `password`. Returns both answers.
 */
export async function followConfirmation(
  browser: HttpBrowser,
  link: string,
  password: string,
): Promise<{ page: BrowserResponse; res: BrowserResponse }> {
  const page = await browser.get(link);
  expect(page.status, page.text.slice(0, 500)).toBe(200);
  expect(page.text).toContain('<form method="post" action="/register/confirm"');
  expect(page.text).toContain('name="password" type="password"');
  const res = await browser.post('/register/confirm', {
    csrf_token: csrfTokenOf(page.text),
    token: tokenOf(link),
    password,
  });
  return { page, res };
}

/** The answer to a confirmation that went through: 303 to /account?done=confirmed, signed in. */
export function expectConfirmed(res: BrowserResponse): void {
  expect(res.status, res.text.slice(0, 500)).toBe(303);
  expect(res.location).toBe('/account?done=confirmed');
  expect(sessionCookieOf(res)).toMatch(TOKEN);
}

/** The confirmation form again (400), saying the password is incorrect; nobody is signed in. */
export function expectWrongConfirmationPassword(res: BrowserResponse, token: string, password: string): void {
  expectHtmlPage(res, 400);
  expect(res.location).toBeNull();
  expect(sessionCookieOf(res)).toBeUndefined();
  expect(alertOf(res.text)).toBe(WRONG_CONFIRMATION_PASSWORD);
  expect(res.text).toContain('<form method="post" action="/register/confirm"');
  expect(hiddenField(res.text, 'token')).toBe(token);
  expect(csrfTokenOf(res.text).length).toBeGreaterThan(20);
  if (password) expect(res.text).not.toContain(password);
}

/** GET /reset, then asks for a link for `login`. */
export async function requestReset(browser: HttpBrowser, login: string): Promise<BrowserResponse> {
  const page = await browser.get('/reset');
  expect(page.status, page.text.slice(0, 500)).toBe(200);
  return browser.post('/reset', { csrf_token: csrfTokenOf(page.text), username: login });
}

/** GET /account; fails unless it is the account page. */
export async function accountPage(browser: HttpBrowser): Promise<BrowserResponse> {
  const page = await browser.get('/account');
  expect(page.status, `${page.location ?? ''} ${page.text.slice(0, 500)}`).toBe(200);
  expect(page.text).toContain('action="/account/profile"');
  return page;
}

/** The token in an e-mailed link. */
export function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token') ?? '';
  expect(token).toMatch(TOKEN);
  return token;
}

/** Headers every HTML page carries. */
export function expectHtmlPage(res: HttpResult, status: number): void {
  expect(res.status, res.text.slice(0, 1000)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^text\/html\b/);
  expect(res.headers.get('cache-control')).toMatch(/\bno-store\b/);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('content-security-policy') ?? '').toMatch(/frame-ancestors 'none'/);
}

/** The 403 page of a form whose CSRF token is missing or wrong. */
export function expectCsrfFailure(res: BrowserResponse): void {
  expectHtmlPage(res, 403);
  expect(res.location).toBeNull();
  expect(res.text).toContain('Please try again');
}

/** The 400 page of a confirmation or reset link that does not work. */
export function expectLinkNotUsable(res: BrowserResponse): void {
  expectHtmlPage(res, 400);
  expect(res.text).toContain(LINK_NOT_USABLE);
  expect(res.text).not.toContain('<form method="post" action="/register/confirm"');
  expect(res.text).not.toContain('<form method="post" action="/reset/password"');
}

/** An HTML 405 naming the methods allowed. */
export async function expectMethodNotAllowed(
  browser: HttpBrowser,
  method: string,
  path: string,
  allow: string,
): Promise<void> {
  const res = await browser.request(path, {
    method,
    ...(method === 'POST' || method === 'PUT' || method === 'PATCH' ? { form: { a: 'b' } } : {}),
  });
  expect(res.status, `${method} ${path}: ${res.text.slice(0, 300)}`).toBe(405);
  expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
  if (method !== 'OPTIONS') {
    expect(res.headers.get('content-type'), `${method} ${path}`).toMatch(/^text\/html\b/);
    expect(res.text).toContain('Not allowed');
  }
}

export function sessionCookieOf(res: BrowserResponse): string | undefined {
  return res.setCookies.find((cookie) => /gatehouse_session$/.test(cookie.name) && cookie.value !== '')?.value;
}

/**
 * The messages `to` has received once the server has certainly handled what came before:
 * `sentinel` makes the same server send one more message (to someone else) and waits for it;
 * then every in-process server's queues are drained, so no earlier message is still in flight.
 */
export async function mailAfter(
  mail: MailServer,
  to: string,
  sentinel: () => Promise<ReceivedMail>,
): Promise<ReceivedMail[]> {
  await sentinel();
  await settleAllServers();
  return mail.messagesTo(to);
}

/** The password grant for `client` (confidential, client_secret_post). */
export function passwordGrant(
  url: string,
  client: CreatedClient,
  username: string,
  password: string,
): Promise<HttpResult> {
  return tokenRequest(url, {
    grant_type: 'password',
    username,
    password,
    client_id: client.client_id,
    client_secret: client.client_secret ?? '',
  });
}

export function refreshGrant(url: string, client: CreatedClient, refreshToken: string): Promise<HttpResult> {
  return tokenRequest(url, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.client_id,
    client_secret: client.client_secret ?? '',
  });
}

export function expectInvalidGrant(res: HttpResult, label = ''): void {
  expect({ status: res.status, error: res.json?.error }, `${label} ${res.text}`).toEqual({
    status: 400,
    error: 'invalid_grant',
  });
}

export function expectTokens(res: HttpResult, label = ''): { access_token: string; refresh_token?: string } {
  expect(res.status, `${label} ${res.text}`).toBe(200);
  expect(res.json.access_token).toMatch(OAUTH_TOKEN);
  return res.json;
}

/** Runs one statement straight on a test database (to age a link, for instance); returns the rows changed. */
export async function execSql(
  location: DatabaseLocation,
  sql: string,
  params: readonly unknown[] = [],
): Promise<number> {
  if (location.engine === 'sqlite') {
    const db = new Database(location.path, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return db.prepare(sql).run(...params).changes;
    } finally {
      db.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: location.url });
  client.on('error', () => {});
  await client.connect();
  try {
    const result = await client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      [...params],
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}
