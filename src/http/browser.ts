import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../core/errors.js';
import type { ActiveSession } from '../accounts/sessions.js';
import { DEVICE_LIFETIME } from '../accounts/devices.js';
import type { HttpServices } from './services.js';
import { parseCookies, serializeCookie } from './cookies.js';
import { csrfToken, csrfTokenValid, type CsrfPurpose } from './csrf.js';
import { negotiateLanguage } from '../i18n/negotiate.js';
import { supportedLanguage, type Language } from '../i18n/languages.js';
import { translatorFor } from '../i18n/translator.js';
import { PAGE_HEADERS } from './pages/layout.js';
import { PageText, text, type Page, type Text } from './pages/page.js';
import { errorPage, type ErrorView } from './pages/views.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route a person's browser uses: errors are answered with an HTML page, not JSON. */
    page?: boolean;
  }
}

/** Route options of a page: errors become HTML pages (see server.ts). */
export const PAGE_ROUTE = { config: { page: true } } as const;

/** Route options of a page that takes POST but answers without reading a form (see plugins/csrf.ts). */
export const NO_FORM_ROUTE = { config: { page: true, form: false } } as const;

const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** The OpenID ui_locales of the authorization request a page serves (kept with the request on the server). */
const uiLocalesOf = new WeakMap<FastifyRequest, { uiLocales: string; pendingId: string | undefined }>();
/** The opaque id of a pending authorization in a return_to (also inside /login?return_to=…). */
const PENDING_IN = /pending(?:=|%3D)([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;
/** A pending request's id as the switcher's choice cookie names it (not the id itself: it is a reference to server state). */
const choiceMark = (pendingId: string) => createHash('sha256').update(pendingId).digest('base64url').slice(0, 22);
/** How long the language switcher's choice is kept: a year. */
const LANGUAGE_COOKIE_LIFETIME = 365 * 86_400;
/** CSRF secrets given to a browser in this very answer (its request did not carry one yet). */
const issuedSecrets = new WeakMap<FastifyRequest, string>();

/**
 * What the browser-facing routes share: the session and CSRF cookies and the page headers.
 * Over https the cookies get the __Host- prefix (Secure, Path=/, no Domain), so a sibling
 * subdomain cannot plant them.
 */
export class BrowserSupport {
  private readonly secure: boolean;
  private readonly sessionCookie: string;
  private readonly csrfCookie: string;
  private readonly deviceCookieName: string;
  private readonly languageCookieName: string;
  private readonly choiceCookieName: string;

  constructor(private readonly gatehouse: Pick<HttpServices, 'config' | 'sessions'>) {
    this.secure = new URL(gatehouse.config.issuer).protocol === 'https:';
    const prefix = this.secure ? '__Host-' : '';
    this.sessionCookie = `${prefix}gatehouse_session`;
    this.csrfCookie = `${prefix}gatehouse_csrf`;
    this.deviceCookieName = `${prefix}gatehouse_device`;
    this.languageCookieName = `${prefix}gatehouse_lang`;
    this.choiceCookieName = `${prefix}gatehouse_lang_choice`;
  }

  /**
   * The language of this request's page and e-mails: the ui_locales of the authorization request
   * it serves (useUiLocales), the switcher's cookie, Accept-Language, English (i18n/negotiate.ts).
   */
  language(request: FastifyRequest): Language {
    const asked = uiLocalesOf.get(request);
    // The user chose a language with the switcher while this very request was being served: their choice wins.
    const chosen =
      asked?.pendingId !== undefined && this.cookie(request, this.choiceCookieName) === choiceMark(asked.pendingId);
    return negotiateLanguage({
      uiLocales: chosen ? undefined : asked?.uiLocales,
      cookie: this.cookie(request, this.languageCookieName),
      acceptLanguage: request.headers['accept-language'],
    });
  }

  /** The page serves an OpenID authorization request that asked for these languages (Core §3.1.2.1). */
  useUiLocales(request: FastifyRequest, uiLocales: string | undefined, pendingId?: string): void {
    if (uiLocales !== undefined) uiLocalesOf.set(request, { uiLocales, pendingId });
  }

  /** Remembers the language switcher's choice; false (and no cookie) for a language not on the list. */
  setLanguageCookie(reply: FastifyReply, tag: string, returnTo: string | null): boolean {
    const language = supportedLanguage(tag);
    if (!language) return false;
    reply.header(
      'set-cookie',
      serializeCookie(this.languageCookieName, language, { secure: this.secure, maxAge: LANGUAGE_COOKIE_LIFETIME }),
    );
    // Chosen on a page of an authorization in progress: the choice beats that request's ui_locales
    // (until the browser closes); later requests' ui_locales still win over the cookie.
    const pendingId = returnTo === null ? undefined : PENDING_IN.exec(returnTo)?.[1];
    if (pendingId !== undefined) {
      reply.header(
        'set-cookie',
        serializeCookie(this.choiceCookieName, choiceMark(pendingId), { secure: this.secure }),
      );
    }
    return true;
  }

  /** The browser's device cookie (see accounts/devices.ts), if it sent one. */
  deviceCookie(request: FastifyRequest): string | undefined {
    return this.cookie(request, this.deviceCookieName);
  }

  /** Gives the browser a device cookie after a successful sign-in; it outlives sessions. */
  setDeviceCookie(reply: FastifyReply, value: string): void {
    reply.header(
      'set-cookie',
      serializeCookie(this.deviceCookieName, value, { secure: this.secure, maxAge: DEVICE_LIFETIME }),
    );
  }

  private cookie(request: FastifyRequest, name: string): string | undefined {
    return parseCookies(request.headers.cookie).get(name);
  }

  /** The signed-in user, or null. */
  session(request: FastifyRequest): Promise<ActiveSession | null> {
    return this.gatehouse.sessions.resume(this.cookie(request, this.sessionCookie));
  }

  /** Signs the user in with a fresh session id (the old one, if any, ends). */
  async startSession(request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
    const { cookieValue } = await this.gatehouse.sessions.start(userId, this.cookie(request, this.sessionCookie));
    reply.header('set-cookie', serializeCookie(this.sessionCookie, cookieValue, { secure: this.secure }));
  }

  async endSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.gatehouse.sessions.end(this.cookie(request, this.sessionCookie));
    reply.header('set-cookie', serializeCookie(this.sessionCookie, '', { secure: this.secure, maxAge: 0 }));
  }

  /** The browser's CSRF cookie secret, or undefined when it has none (or a malformed one). */
  csrfCookieSecret(request: FastifyRequest): string | undefined {
    const secret = this.cookie(request, this.csrfCookie);
    return secret && SECRET.test(secret) ? secret : undefined;
  }

  /** The browser's CSRF cookie secret; a new one (and its cookie) when it has none. Once per request. */
  csrfSecret(request: FastifyRequest, reply: FastifyReply): string {
    let secret = this.csrfCookieSecret(request) ?? issuedSecrets.get(request);
    if (!secret) {
      secret = randomBytes(32).toString('base64url');
      issuedSecrets.set(request, secret);
      reply.header('set-cookie', serializeCookie(this.csrfCookie, secret, { secure: this.secure }));
    }
    return secret;
  }

  /** A CSRF token for a form; gives the browser its CSRF secret cookie first if it has none. */
  csrfToken(request: FastifyRequest, reply: FastifyReply, purpose: CsrfPurpose, session: ActiveSession | null): string {
    return csrfToken(this.csrfSecret(request, reply), purpose, session?.session.idHash ?? null);
  }

  csrfValid(
    request: FastifyRequest,
    presented: string | undefined,
    purpose: CsrfPurpose,
    session: ActiveSession | null,
  ): boolean {
    return csrfTokenValid(presented, this.cookie(request, this.csrfCookie), purpose, session?.session.idHash ?? null);
  }

  /** Renders `page` in the request's language, with a language switcher that comes back to it. */
  sendPage(reply: FastifyReply, status: number, page: Page, here = pageAddress(reply.request)): FastifyReply {
    const { request } = reply;
    const t = new PageText(translatorFor(this.language(request)));
    return reply
      .code(status)
      .headers(PAGE_HEADERS)
      .header('content-language', t.language)
      .send(page({ t, here: safeLocalPath(here ?? undefined) }));
  }

  sendErrorPage(reply: FastifyReply, status: number, view: ErrorView): FastifyReply {
    return this.sendPage(reply, status, errorPage(view));
  }
}

/**
 * Allowed return_to targets after sign-in: pages of this server only, never another origin, in
 * printable ASCII without `\` (the server writes them percent-encoded; anything else could not
 * go into a Location header). An authorization request comes back only as the opaque id of the
 * request kept on the server (`pending`), never as a copy of its parameters.
 */
const RETURN_TO =
  /^\/(?:(?:oauth\/authorize|device)\?pending=[A-Za-z0-9_-]{43}$|login$|account(?:[/?][\x21-\x5b\x5d-\x7e]*)?$)/;

/**
 * Dot segments (also percent-encoded, which browsers resolve the same) and empty segments: the
 * browser would resolve `/account/../..//host` to some other path of this server, or `//host`.
 */
const UNNORMALIZED_PATH = /\/\.|\/\/|%2e/i;

/** Form pages whose path, by GET, shows the same form again (for the language switcher). */
const FORM_PAGES = new Set(['/login', '/register', '/reset', '/account', '/device']);

/**
 * This page's address for the language switcher: a GET page as it is, a form's answer as its form
 * page. Never a protocol request's (/oauth/…): a page must not copy an authorization or logout
 * request's parameters; the consent page gives its opaque resume address instead (authorize.ts).
 */
function pageAddress(request: FastifyRequest): string | null {
  const path = request.url.split('?')[0]!;
  if (path.startsWith('/oauth/')) return null;
  // A page opened from an e-mailed link keeps its token out of every link on it (a device's
  // user_code too): the switcher goes back to the sign-in page instead.
  if (request.method === 'GET') return /[?&](?:token|user_code)=/.test(request.url) ? null : request.url;
  return FORM_PAGES.has(path) ? path : null;
}

/**
 * Where the language switcher may come back to: a path of this server (no other origin, no
 * `//host`, no dot segments), in printable ASCII. Not a redirect target of any other kind.
 */
export function safeLocalPath(value: string | undefined): string | null {
  if (value === undefined || value.length > 8192 || !/^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(value)) return null;
  return UNNORMALIZED_PATH.test(value.split('?')[0]!) ? null : value;
}

export function safeReturnTo(value: string | undefined): string | null {
  if (value === undefined || value.length > 8192 || !RETURN_TO.test(value)) return null;
  return UNNORMALIZED_PATH.test(value.split('?')[0]!) ? null : value;
}

/** Page routes answer other methods with an HTML 405 naming the ones they take. */
export function refuseOtherMethods(
  app: FastifyInstance,
  urls: readonly string[],
  allowed: ReadonlyArray<'GET' | 'POST'> = ['GET', 'POST'],
): void {
  const refused = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].filter(
    (method) => !allowed.includes(method as 'GET' | 'POST'),
  );
  for (const url of urls) {
    app.route({
      method: refused,
      url,
      ...NO_FORM_ROUTE,
      handler: async () => {
        throw OAuthError.methodNotAllowed(allowed.join(', '));
      },
    });
  }
}

/**
 * A form refused by brute-force protection: Retry-After, the error code for the request log,
 * and the sentence the page shows.
 */
export function throttledForm(
  request: FastifyRequest,
  reply: FastifyReply,
  retryAfter: number,
  cause: 'wrong passwords' | 'requests from your network',
  logError: string,
): Text {
  request.audit.error = logError;
  reply.header('retry-after', String(retryAfter));
  return text(cause === 'wrong passwords' ? 'throttle.passwords' : 'throttle.network', { seconds: retryAfter });
}
