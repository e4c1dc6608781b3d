import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActiveSession } from '../../accounts/sessions.js';
import { text } from '../pages/page.js';
import type { BrowserSupport } from '../browser.js';
import type { CsrfPurpose } from '../csrf.js';
import { parsePageForm } from '../form.js';

/**
 * What a page route that takes a form post declares (route `config.form`). The plugin parses the
 * form and checks its CSRF token (see ../csrf.ts) before the handler runs.
 */
export interface PageForm {
  /** A token made for another form is refused. */
  purpose: CsrfPurpose;
  /**
   * Whom the token is bound to. 'none': a form shown signed out (sign-in, sign-up, links from
   * e-mails). 'required': the signed-in user; a signed-out browser is refused (or sent to
   * `signedOut`). 'if-signed-in': sign-out, where a signed-out browser has nothing to protect.
   */
  session: 'none' | 'required' | 'if-signed-in';
  /** With session 'required': where a signed-out browser goes (303) instead of the refusal page. */
  signedOut?: string;
  /** The only fields the form may carry; any other is refused (400). */
  fields?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The form a POST page route takes (required for every POST of the page group); false for a
     * route that answers without reading one (a 405, a closed sign-up).
     */
    form?: PageForm | false;
  }
  interface FastifyRequest {
    /** The page form's fields, each sent once, its CSRF token checked: set before the handler runs. */
    pageForm: Map<string, string>;
    /** The browser's CSRF cookie secret, or undefined when it has none (or a malformed one). */
    csrfCookieSecret(): string | undefined;
  }
  interface FastifyReply {
    /** The browser's CSRF secret; a new one (and its cookie) when it has none. Once per request. */
    csrfSecret(): string;
    /** A CSRF token for a form on this page; gives the browser its CSRF secret cookie first if it has none. */
    csrfToken(purpose: CsrfPurpose, session?: ActiveSession | null): string;
  }
}

/** Route options of a page that takes a form post. */
export function pageFormRoute(form: PageForm) {
  return { config: { page: true, form } } as const;
}

/** The answer to a form whose CSRF token is missing or wrong (also: cookies blocked, page left open for hours). */
export function sendCsrfFailure(browser: BrowserSupport, reply: FastifyReply): FastifyReply {
  return browser.sendErrorPage(reply, 403, { title: text('error.csrfTitle'), message: text('error.csrf') });
}

/**
 * CSRF protection for the page route group (see server.ts): GET routes get tokens to render, and
 * every POST route declares its form, whose token is checked in a hook before the handler runs.
 */
export function registerCsrfProtection(pages: FastifyInstance, browser: BrowserSupport): void {
  pages.decorateRequest('pageForm', null as never);
  pages.decorateRequest('csrfCookieSecret', function (this: FastifyRequest) {
    return browser.csrfCookieSecret(this);
  });
  pages.decorateReply('csrfSecret', function (this: FastifyReply) {
    return browser.csrfSecret(this.request, this);
  });
  pages.decorateReply('csrfToken', function (this: FastifyReply, purpose: CsrfPurpose, session?: ActiveSession | null) {
    return browser.csrfToken(this.request, this, purpose, session ?? null);
  });

  // A page that takes a form and forgot to say which stops start-up, rather than go unprotected.
  pages.addHook('onRoute', (route) => {
    // Every method that may change state (POST today, PUT/PATCH/DELETE if one is ever added).
    const unsafe = [route.method].flat().filter((method) => !['GET', 'HEAD', 'OPTIONS'].includes(method));
    if (unsafe.length > 0 && route.config?.form === undefined) {
      throw new Error(
        `${unsafe.join('/')} ${route.url} is a page route: declare its form (config.form) so its CSRF token is checked`,
      );
    }
  });

  // A form is parsed before the route's own checks (preValidation hooks run instance-first):
  // a repeated or unexpected field is a 400 page, as on every page form.
  pages.addHook('preValidation', (request, _reply, done) => {
    const form = request.routeOptions.config.form;
    if (!form) return done();
    try {
      request.pageForm = parsePageForm(request.headers['content-type'], request.body, form.fields).params;
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  pages.addHook('preHandler', async (request, reply) => {
    const form = request.routeOptions.config.form;
    if (!form) return;
    let session: ActiveSession | null = null;
    if (form.session !== 'none') {
      session = await request.browserSession();
      if (!session) {
        // Signed out, nothing to sign out of: a cross-site form can do no harm here.
        if (form.session === 'if-signed-in') return;
        return form.signedOut ? reply.redirect(form.signedOut, 303) : sendCsrfFailure(browser, reply);
      }
    }
    if (!browser.csrfValid(request, request.pageForm.get('csrf_token'), form.purpose, session)) {
      return sendCsrfFailure(browser, reply);
    }
  });
}
