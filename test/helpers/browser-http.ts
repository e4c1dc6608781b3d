/**
 * A browser, as far as Gatehouse's sign-in pages care, over plain HTTP: a cookie jar, forms
 * posted as application/x-www-form-urlencoded, redirects never followed (each test looks at
 * the Location itself), hidden form fields read back from the HTML.
 *
 * Every request goes through `httpRequest` from ./server.ts, so any 5xx answer fails the test.
 */
import { createHash, randomBytes } from 'node:crypto';
import { httpRequest, type HttpResult } from './server.js';

// --- cookies -----------------------------------------------------------------------

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; a flag attribute (HttpOnly, Secure) maps to true. */
  attributes: Map<string, string | true>;
  /** The header as received. */
  raw: string;
}

/** Parses one Set-Cookie header (RFC 6265 §5.2, just enough for these tests). */
export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...parts] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of parts) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf('=');
    if (at < 0) attributes.set(trimmed.toLowerCase(), true);
    else attributes.set(trimmed.slice(0, at).trim().toLowerCase(), trimmed.slice(at + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, raw: header };
}

/** One cookie per name (Gatehouse only ever sets Path=/ host cookies). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies the Set-Cookie headers of an answer: Max-Age=0 (or an empty value) removes the cookie. */
  receive(setCookies: readonly SetCookie[]): void {
    for (const cookie of setCookies) {
      const maxAge = cookie.attributes.get('max-age');
      if (cookie.value === '' || (typeof maxAge === 'string' && Number(maxAge) <= 0)) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  delete(name: string): void {
    this.cookies.delete(name);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }
}

// --- HTML ------------------------------------------------------------------------

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

export function decodeHtml(value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

/** The `name`/`value` of every `<input type="hidden">` in the page, in document order, decoded. */
export function hiddenFields(page: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const match of page.matchAll(/<input\b[^>]*>/g)) {
    const tag = match[0];
    if (!/\btype="hidden"/.test(tag)) continue;
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined) fields.push([decodeHtml(name), decodeHtml(value ?? '')]);
  }
  return fields;
}

/** The first hidden field named `name`, or undefined. */
export function hiddenField(page: string, name: string): string | undefined {
  return hiddenFields(page).find(([field]) => field === name)?.[1];
}

/** The page's hidden csrf_token (input name="csrf_token" value="…"); throws when there is none. */
export function csrfTokenOf(page: string): string {
  const token = hiddenField(page, 'csrf_token');
  if (!token) throw new Error(`no csrf_token field in the page:\n${page.slice(0, 2000)}`);
  return token;
}

/** The text of the page's alert (the sign-in error), or undefined. */
export function alertOf(page: string): string | undefined {
  const text = /<p class="alert"[^>]*>([\s\S]*?)<\/p>/.exec(page)?.[1];
  return text === undefined ? undefined : decodeHtml(text);
}

// --- OAuth helpers ----------------------------------------------------------------

/** An RFC 7636 S256 pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

/** `/oauth/authorize?…`, undefined values left out, in the order given. */
export function authorizePath(params: Record<string, string | undefined>): string {
  const present = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return `/oauth/authorize?${new URLSearchParams(present).toString()}`;
}

// --- the browser ----------------------------------------------------------------------

export interface BrowserResponse extends HttpResult {
  /** The Location header, or null. */
  location: string | null;
  /** Every Set-Cookie header of the answer, parsed. */
  setCookies: SetCookie[];
}

export type FormData = Record<string, string> | [string, string][];

export interface BrowserRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Posted as application/x-www-form-urlencoded (the content type can still be overridden). */
  form?: FormData;
  body?: string;
  /** Send no Cookie header this once. */
  withoutCookies?: boolean;
}

/** A cookie-keeping client of one Gatehouse server. Redirects are returned, not followed. */
export class HttpBrowser {
  readonly jar = new CookieJar();

  constructor(readonly baseUrl: string) {}

  /** `target` is a path on the server ("/login") or an absolute URL. */
  async request(
    target: string,
    { method = 'GET', headers = {}, form, body, withoutCookies }: BrowserRequest = {},
  ): Promise<BrowserResponse> {
    const url = /^https?:\/\//.test(target) ? target : `${this.baseUrl}${target}`;
    const cookie = withoutCookies ? undefined : this.jar.header();
    const init: RequestInit = {
      method,
      redirect: 'manual',
      headers: {
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : body,
    };
    const res = await httpRequest(url, init);
    const setCookies = res.headers.getSetCookie().map(parseSetCookie);
    this.jar.receive(setCookies);
    return { ...res, location: res.headers.get('location'), setCookies };
  }

  get(target: string, headers?: Record<string, string>): Promise<BrowserResponse> {
    return this.request(target, { headers });
  }

  post(target: string, form: FormData, headers?: Record<string, string>): Promise<BrowserResponse> {
    return this.request(target, { method: 'POST', form, headers });
  }

  /** The Cookie header without the session cookie (plain or __Host-), or undefined. */
  private cookiesWithoutSession(): string | undefined {
    const header = this.jar.header();
    const kept = header?.split('; ').filter((pair) => !/^(?:__Host-)?gatehouse_session=/.test(pair));
    return kept?.length ? kept.join('; ') : undefined;
  }

  /**
   * GET /login (with return_to when given) and read its form; fails unless it is the sign-in
   * page. The session cookie is left out of this one request (as if the form had been loaded
   * before signing in), so a signed-in browser can sign in again; the CSRF cookie is sent.
   */
  async loginForm(returnTo?: string): Promise<{ page: BrowserResponse; csrfToken: string }> {
    const path = returnTo === undefined ? '/login' : `/login?${new URLSearchParams({ return_to: returnTo })}`;
    const cookie = this.cookiesWithoutSession();
    const page = await this.request(path, cookie ? { headers: { cookie } } : { withoutCookies: true });
    if (page.status !== 200 || !page.text.includes('action="/login"')) {
      throw new Error(`GET /login answered ${page.status} without the sign-in form:\n${page.text.slice(0, 2000)}`);
    }
    return { page, csrfToken: csrfTokenOf(page.text) };
  }

  /**
   * Signs in as a person would: loads the sign-in page, then posts its form with the
   * credentials. Returns the answer to the POST (303 on success).
   */
  async signIn(username: string, password: string, returnTo?: string): Promise<BrowserResponse> {
    const { csrfToken } = await this.loginForm(returnTo);
    const form: [string, string][] = [
      ['csrf_token', csrfToken],
      ['username', username],
      ['password', password],
    ];
    if (returnTo !== undefined) form.push(['return_to', returnTo]);
    return this.post('/login', form);
  }

  /** Signs in and fails unless the server answered 303 with a session cookie. */
  async signInOrFail(username: string, password: string, returnTo?: string): Promise<BrowserResponse> {
    const res = await this.signIn(username, password, returnTo);
    if (
      res.status !== 303 ||
      !res.setCookies.some((cookie) => /gatehouse_session$/.test(cookie.name) && cookie.value)
    ) {
      throw new Error(`sign-in as ${username} failed: ${res.status}\n${res.text.slice(0, 2000)}`);
    }
    return res;
  }

  /**
   * Answers a consent page: posts its hidden fields (csrf_token and the authorization request)
   * with the decision, as the Allow or Deny button does. `change` edits the fields first.
   */
  answerConsent(
    consentPage: string,
    decision: string,
    change: (fields: [string, string][]) => [string, string][] = (f) => f,
  ): Promise<BrowserResponse> {
    return this.post('/oauth/authorize', [...change(hiddenFields(consentPage)), ['decision', decision]]);
  }
}
