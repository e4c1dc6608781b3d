import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpServices } from '../services.js';
import { PAGE_ROUTE, refuseOtherMethods, throttledForm, type BrowserSupport } from '../browser.js';
import { parseParameters, queryOf } from '../form.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { checkYourEmailPage, resetPasswordPage, resetRequestPage } from '../pages/account-views.js';
import { text } from '../pages/page.js';
import { problemText } from '../problems.js';

/**
 * "Forgot your password?": /reset asks for a username or e-mail and always answers the same;
 * /reset/password?token=… is the e-mailed link. The token travels in the query string, which
 * the request log leaves out, and pages send no Referer.
 */
export function registerResettingRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'config' | 'resetting'>,
  browser: BrowserSupport,
): void {
  app.get('/reset', PAGE_ROUTE, async (_request, reply) =>
    browser.sendPage(reply, 200, resetRequestPage({ csrfToken: reply.csrfToken('reset-request') })),
  );

  app.post('/reset', pageFormRoute({ purpose: 'reset-request', session: 'none' }), async (request, reply) => {
    const login = (request.pageForm.get('username') ?? '').trim();
    if (!login) {
      return browser.sendPage(
        reply,
        400,
        resetRequestPage({
          csrfToken: reply.csrfToken('reset-request'),
          error: text('reset.missing'),
        }),
      );
    }
    const result = await gatehouse.resetting.request(login, request.ip);
    if (result.kind === 'throttled') {
      const error = throttledForm(request, reply, result.retryAfter, 'requests from your network', 'reset_throttled');
      return browser.sendPage(
        reply,
        429,
        resetRequestPage({
          csrfToken: reply.csrfToken('reset-request'),
          username: login.slice(0, 320),
          error,
        }),
      );
    }
    return reply.redirect('/reset/sent', 303);
  });

  app.get('/reset/sent', PAGE_ROUTE, async (_request, reply) =>
    browser.sendPage(
      reply,
      200,
      checkYourEmailPage({
        message: text('checkEmail.reset'),
        expiresIn: gatehouse.config.resetting.token_ttl,
      }),
    ),
  );

  const linkNotUsable = (reply: FastifyReply) =>
    browser.sendErrorPage(reply, 400, {
      title: text('link.notUsableTitle'),
      message: text('reset.linkNotUsable'),
      next: { kind: 'sign-in' },
    });

  app.get('/reset/password', PAGE_ROUTE, async (request, reply) => {
    const token = parseParameters(queryOf(request.url)).params.get('token') ?? '';
    const user = await gatehouse.resetting.accountFor(token);
    if (!user) return linkNotUsable(reply);
    return browser.sendPage(
      reply,
      200,
      resetPasswordPage({
        csrfToken: reply.csrfToken('reset-password'),
        token,
        username: user.username,
        passwordMinLength: gatehouse.config.password_min_length,
      }),
    );
  });

  app.post('/reset/password', pageFormRoute({ purpose: 'reset-password', session: 'none' }), async (request, reply) => {
    const params = request.pageForm;
    const token = params.get('token') ?? '';
    const result = await gatehouse.resetting.reset(
      token,
      params.get('password') ?? '',
      params.get('password_again') ?? '',
      request.ip,
    );
    if (result.kind === 'link-not-usable') return linkNotUsable(reply);
    if (result.kind === 'invalid') {
      return browser.sendPage(
        reply,
        400,
        resetPasswordPage({
          csrfToken: reply.csrfToken('reset-password'),
          token,
          username: result.user.username,
          error: problemText(result.message),
          passwordMinLength: gatehouse.config.password_min_length,
        }),
      );
    }
    // This browser's session (if any) ended with every other; it signs in with the new password.
    await browser.endSession(request, reply);
    return reply.redirect('/login?done=reset', 303);
  });

  refuseOtherMethods(app, ['/reset', '/reset/password']);
  refuseOtherMethods(app, ['/reset/sent'], ['GET']);
}
