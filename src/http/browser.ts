import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../core/errors.js';
import type { ActiveSession } from '../accounts/sessions.js';
import { DEVICE_LIFETIME } from '../accounts/devices.js';
import type { HttpServices } from './services.js';
import { parseCookies, serializeCookie } from './cookies.js';
import { csrfToken, csrfTokenValid, type CsrfPurpose } from './csrf.js';
import { PAGE_HEADERS } from './pages/layout.js';
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

  constructor(private readonly gatehouse: Pick<HttpServices, 'config' | 'sessions'>) {
    this.secure = new URL(gatehouse.config.issuer).protocol === 'https:';
    const prefix = this.secure ? '__Host-' : '';
    this.sessionCookie = `${prefix}gatehouse_session`;
    this.csrfCookie = `${prefix}gatehouse_csrf`;
    this.deviceCookieName = `${prefix}gatehouse_device`;
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

  sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
    return reply.code(status).headers(PAGE_HEADERS).send(page);
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
): string {
  request.audit.error = logError;
  reply.header('retry-after', String(retryAfter));
  return `Too many ${cause}. Please wait ${retryAfter} seconds, then try again.`;
}

/** The password policy in words, under every form that sets a password. */
export function passwordRule(gatehouse: Pick<HttpServices, 'config'>): string {
  return `Use at least ${gatehouse.config.password_min_length} characters; not your username or e-mail address.`;
}
