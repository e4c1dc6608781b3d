import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActiveSession } from '../../accounts/sessions.js';
import { OverloadedError } from '../../core/errors.js';
import type { HttpServices } from '../services.js';
import { PAGE_ROUTE, refuseOtherMethods, safeReturnTo, type BrowserSupport } from '../browser.js';
import { parseParameters, queryOf } from '../form.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { text, type Text } from '../pages/page.js';
import { loginPage, logoutPage, signedInPage, signedOutPage } from '../pages/views.js';

/** What /login?done=… says: the step the user just finished elsewhere. */
const LOGIN_NOTICES = new Map([['reset', text('login.noticeReset')]]);

/** The sign-in and sign-out pages. */
export function registerLoginRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'config' | 'pendingAuthorizations' | 'signIn' | 'store'>,
  browser: BrowserSupport,
): void {
  /**
   * "Sign in to continue to <app>", when the user is on the way to an authorization (kept on the
   * server for this browser), and the username its OpenID login_hint suggests (shown, escaped;
   * trusted for nothing else).
   */
  async function pendingSignIn(
    request: FastifyRequest,
    returnTo: string | null,
  ): Promise<{ clientName: string | null; loginHint?: string }> {
    // The page speaks the language the authorization request asked for (OpenID ui_locales).
    if (!returnTo?.startsWith('/oauth/authorize?') && !returnTo?.startsWith('/device?')) return { clientName: null };
    const pendingId = parseParameters(queryOf(returnTo)).params.get('pending');
    const pending =
      pendingId === undefined
        ? null
        : await gatehouse.pendingAuthorizations.findSignIn(pendingId, request.csrfCookieSecret());
    if (!pending) return { clientName: null };
    browser.useUiLocales(request, pending.params.ui_locales, pendingId);
    const clientName = (await gatehouse.store.findClient(pending.clientId))?.name ?? null;
    const loginHint = pending.params.login_hint;
    return { clientName, ...(loginHint === undefined ? {} : { loginHint }) };
  }

  /**
   * The signed-in user confirms their password before going on (OpenID prompt=login, max_age):
   * the username is theirs and fixed; "Not you?" signs out and comes back to the same request.
   */
  async function reauthenticationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    active: ActiveSession,
    returnTo: string,
    status = 200,
    error?: Text,
  ) {
    return browser.sendPage(
      reply,
      status,
      loginPage({
        csrfToken: reply.csrfToken('login'),
        returnTo,
        clientName: (await pendingSignIn(request, returnTo)).clientName,
        registrationOpen: false,
        reauthenticate: { username: active.user.username, notYou: `/logout?return_to=${encodeURIComponent(returnTo)}` },
        ...(error ? { error } : {}),
      }),
    );
  }

  function returnToOf(request: FastifyRequest, params?: ReadonlyMap<string, string>): string | null {
    return safeReturnTo((params ?? parseParameters(queryOf(request.url)).params).get('return_to'));
  }

  app.get('/', PAGE_ROUTE, async (_request, reply) => reply.redirect('/login', 302));

  const registrationOpen = gatehouse.config.registration.enabled;

  app.get('/login', PAGE_ROUTE, async (request, reply) => {
    const query = parseParameters(queryOf(request.url)).params;
    const returnTo = returnToOf(request, query);
    const active = await request.browserSession();
    if (active) {
      if (returnTo && query.has('reauthenticate')) return reauthenticationPage(request, reply, active, returnTo);
      if (returnTo) return reply.redirect(returnTo, 302);
      return browser.sendPage(
        reply,
        200,
        signedInPage({ username: active.user.username, csrfToken: reply.csrfToken('logout', active) }),
      );
    }
    const pending = await pendingSignIn(request, returnTo);
    return browser.sendPage(
      reply,
      200,
      loginPage({
        csrfToken: reply.csrfToken('login'),
        returnTo,
        clientName: pending.clientName,
        ...(pending.loginHint === undefined ? {} : { username: pending.loginHint }),
        registrationOpen,
        notice: LOGIN_NOTICES.get(query.get('done') ?? ''),
      }),
    );
  });

  app.post('/login', pageFormRoute({ purpose: 'login', session: 'none' }), async (request, reply) => {
    const params = request.pageForm;
    const returnTo = returnToOf(request, params);
    const username = params.get('username');
    const password = params.get('password');
    // The re-authentication form (its username is the session's, fixed) is shown again as it was.
    const active = await request.browserSession();
    const again = active && returnTo && username === active.user.username ? active : null;
    const showAgain = async (error: Text, status = 400) =>
      again && returnTo
        ? reauthenticationPage(request, reply, again, returnTo, status, error)
        : browser.sendPage(
            reply,
            status,
            loginPage({
              csrfToken: reply.csrfToken('login'),
              returnTo,
              clientName: (await pendingSignIn(request, returnTo)).clientName,
              username: username?.slice(0, 320),
              error,
              registrationOpen,
            }),
            // The switcher comes back to this form, with the authorization it is for.
            `/login${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
          );
    if (username === undefined || password === undefined) return showAgain(text('login.missing'));

    let result: Awaited<ReturnType<HttpServices['signIn']>>;
    try {
      result = await gatehouse.signIn(username, password, request.ip, {
        via: 'sign_in_form',
        device: { kind: 'cookie', value: browser.deviceCookie(request) },
      });
    } catch (error) {
      // Too many sign-ins in flight for too long: "try again", never "wrong password".
      if (!(error instanceof OverloadedError)) throw error;
      request.audit.error = 'temporarily_unavailable';
      reply.headers(error.headers);
      return showAgain(text('login.busy', { seconds: error.retryAfter }), 503);
    }
    if (result.kind === 'throttled') {
      request.audit.error = 'login_throttled';
      reply.header('retry-after', String(result.retryAfter));
      return showAgain(text('login.throttled', { seconds: result.retryAfter }), 429);
    }
    if (result.kind === 'unconfirmed') {
      request.audit.error = 'login_unconfirmed';
      return showAgain(text('login.unconfirmed'));
    }
    // One message whichever of the two was wrong (or the account is deactivated).
    if (result.kind === 'refused') {
      request.audit.error = 'login_failed';
      return showAgain(text('login.incorrect'));
    }
    // The browser is now known for this account: its next sign-ins are not held back by others' failures.
    if (result.deviceCookie) browser.setDeviceCookie(reply, result.deviceCookie);
    await browser.startSession(request, reply, result.user.id);
    return reply.redirect(returnTo ?? '/login', 303);
  });

  app.get('/logout', PAGE_ROUTE, async (request, reply) => {
    const returnTo = returnToOf(request);
    const active = await request.browserSession();
    if (!active)
      return returnTo
        ? reply.redirect(`/login?return_to=${encodeURIComponent(returnTo)}`, 302)
        : browser.sendPage(reply, 200, signedOutPage());
    return browser.sendPage(
      reply,
      200,
      logoutPage({ username: active.user.username, csrfToken: reply.csrfToken('logout', active), returnTo }),
    );
  });

  // A cross-site form must not be able to sign the user out either: the token is bound to the session.
  app.post('/logout', pageFormRoute({ purpose: 'logout', session: 'if-signed-in' }), async (request, reply) => {
    const returnTo = returnToOf(request, request.pageForm);
    if (await request.browserSession()) await browser.endSession(request, reply);
    // "Not you?" on the consent page: sign in as someone else and carry on with the authorization.
    return reply.redirect(returnTo ? `/login?return_to=${encodeURIComponent(returnTo)}` : '/logout', 303);
  });

  refuseOtherMethods(app, ['/login', '/logout']);
  refuseOtherMethods(app, ['/'], ['GET']);
}
