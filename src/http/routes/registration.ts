import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpServices } from '../services.js';
import {
  NO_FORM_ROUTE,
  PAGE_ROUTE,
  refuseOtherMethods,
  safeReturnTo,
  throttledForm,
  type BrowserSupport,
} from '../browser.js';
import { parseParameters, queryOf } from '../form.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { checkYourEmailPage, confirmPage, registerPage } from '../pages/account-views.js';
import { text, type Text } from '../pages/page.js';
import { problemText } from '../problems.js';

/** Sign-up (/register, when registration.enabled) and e-mail confirmation (/register/confirm). */
export function registerRegistrationRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'config' | 'pendingAuthorizations' | 'registration'>,
  browser: BrowserSupport,
): void {
  const { registration: settings } = gatehouse.config;
  const passwordMinLength = gatehouse.config.password_min_length;

  /** Sign-up for an authorization (prompt=create): the page, and its e-mail, speak the request's ui_locales. */
  async function useLanguageOfPending(request: FastifyRequest, returnTo: string | null) {
    const pendingId = returnTo?.startsWith('/oauth/authorize?pending=') ? returnTo.slice(25) : undefined;
    if (pendingId === undefined) return;
    const pending = await gatehouse.pendingAuthorizations.findSignIn(pendingId, request.csrfCookieSecret());
    browser.useUiLocales(request, pending?.params.ui_locales, pendingId);
  }

  const closed = (reply: FastifyReply) =>
    browser.sendErrorPage(reply, 404, {
      title: text('register.closedTitle'),
      message: text('register.closedMessage'),
      next: { kind: 'sign-in' },
    });

  app.get('/register', PAGE_ROUTE, async (request, reply) => {
    if (!settings.enabled) return closed(reply);
    const returnTo = safeReturnTo(parseParameters(queryOf(request.url)).params.get('return_to'));
    await useLanguageOfPending(request, returnTo);
    return browser.sendPage(
      reply,
      200,
      registerPage({ csrfToken: reply.csrfToken('register'), returnTo, passwordMinLength }),
    );
  });

  // Closed: answered before the form is read, as a 404 page whatever was sent.
  const registerForm: { config: FastifyContextConfig } = settings.enabled
    ? pageFormRoute({ purpose: 'register', session: 'none' })
    : NO_FORM_ROUTE;
  app.post('/register', registerForm, async (request, reply) => {
    if (!settings.enabled) return closed(reply);
    const params = request.pageForm;
    const returnTo = safeReturnTo(params.get('return_to'));
    const form = {
      username: (params.get('username') ?? '').trim(),
      email: (params.get('email') ?? '').trim(),
      password: params.get('password') ?? '',
      passwordAgain: params.get('password_again') ?? '',
    };
    await useLanguageOfPending(request, returnTo);
    const showAgain = (status: number, error: Text) =>
      browser.sendPage(
        reply,
        status,
        registerPage({
          csrfToken: reply.csrfToken('register'),
          returnTo,
          username: form.username.slice(0, 64),
          email: form.email.slice(0, 254),
          error,
          passwordMinLength,
        }),
        `/register${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
      );

    const result = await gatehouse.registration.register(form, request.ip);
    switch (result.kind) {
      case 'throttled':
        return showAgain(
          429,
          throttledForm(request, reply, result.retryAfter, 'requests from your network', 'registration_throttled'),
        );
      case 'invalid':
        request.audit.error = 'registration_invalid';
        return showAgain(400, problemText(result.problem.message));
      case 'sent':
        // The authorization the sign-up was for (OpenID prompt=create) waits while the e-mail is
        // confirmed: "Back to sign in" carries it, so signing in (or the confirmed session) resumes it.
        return reply.redirect(`/register/sent${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`, 303);
      case 'registered':
        await browser.startSession(request, reply, result.user.id);
        return reply.redirect(returnTo ?? '/account', 303);
    }
  });

  app.get('/register/sent', PAGE_ROUTE, async (request, reply) => {
    const returnTo = safeReturnTo(parseParameters(queryOf(request.url)).params.get('return_to'));
    await useLanguageOfPending(request, returnTo);
    return browser.sendPage(
      reply,
      200,
      checkYourEmailPage({
        message: text(returnTo ? 'checkEmail.signUpContinue' : 'checkEmail.signUp'),
        expiresIn: settings.token_ttl,
        ...(returnTo ? { signInHref: `/login?return_to=${encodeURIComponent(returnTo)}` } : {}),
      }),
    );
  });

  const linkNotUsable = (reply: FastifyReply) =>
    browser.sendErrorPage(reply, 400, {
      title: text('link.notUsableTitle'),
      message: text('confirm.linkNotUsable'),
      next: { kind: 'sign-in' },
    });

  // Following the link only shows a form: mail scanners that open links must not confirm for
  // the user, and asking for the password ties the confirmation to the sign-up it was sent for.
  app.get('/register/confirm', PAGE_ROUTE, async (request, reply) => {
    const token = parseParameters(queryOf(request.url)).params.get('token') ?? '';
    const user = await gatehouse.registration.pendingConfirmation(token);
    if (!user) return linkNotUsable(reply);
    return browser.sendPage(
      reply,
      200,
      confirmPage({ csrfToken: reply.csrfToken('confirm'), token, username: user.username }),
    );
  });

  app.post('/register/confirm', pageFormRoute({ purpose: 'confirm', session: 'none' }), async (request, reply) => {
    const params = request.pageForm;
    const token = params.get('token') ?? '';
    const result = await gatehouse.registration.confirm(token, params.get('password') ?? '', request.ip);
    switch (result.kind) {
      case 'link-not-usable':
        return linkNotUsable(reply);
      case 'confirmed':
        // The link and the password together are as good as a sign-in.
        await browser.startSession(request, reply, result.user.id);
        return reply.redirect('/account?done=confirmed', 303);
      case 'throttled':
      case 'wrong-password': {
        let error = text('confirm.wrongPassword');
        if (result.kind === 'throttled')
          error = throttledForm(request, reply, result.retryAfter, 'wrong passwords', 'login_throttled');
        else request.audit.error = 'login_failed';
        return browser.sendPage(
          reply,
          result.kind === 'throttled' ? 429 : 400,
          confirmPage({ csrfToken: reply.csrfToken('confirm'), token, username: result.user.username, error }),
        );
      }
    }
  });

  refuseOtherMethods(app, ['/register', '/register/confirm']);
  refuseOtherMethods(app, ['/register/sent'], ['GET']);
}
